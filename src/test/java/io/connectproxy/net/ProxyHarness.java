package io.connectproxy.net;

import java.util.List;
import java.util.concurrent.BlockingQueue;
import java.util.concurrent.CopyOnWriteArrayList;
import java.util.concurrent.LinkedBlockingQueue;

import io.vertx.core.Future;
import io.vertx.core.Vertx;
import io.vertx.core.net.NetClient;
import io.vertx.core.net.NetServer;
import io.vertx.core.net.NetServerOptions;

/**
 * A minimal proxy for the pipe tests: accept on port 0 (plain or TLS), pause, dial the app on the same event
 * loop, then {@link Pipe} the two (A = accepted client side, B = app side). Each pipe's result is queued.
 */
final class ProxyHarness {

    final NetServer server;
    final NetClient client;
    final BlockingQueue<PipeResult> results = new LinkedBlockingQueue<>();
    final BlockingQueue<Pipe> pipes = new LinkedBlockingQueue<>();
    /** Per pipe started: whether it passes Netty's buffers through (else it copies). */
    final List<Boolean> passThrough = new CopyOnWriteArrayList<>();
    final int port;

    private ProxyHarness(NetServer server, NetClient client, int port) {
        this.server = server;
        this.client = client;
        this.port = port;
    }

    static Future<ProxyHarness> start(Vertx vertx, NetServerOptions listen, int appPort, PipeOptions options) {
        NetClient client = vertx.createNetClient();
        NetServer server = vertx.createNetServer(listen);
        ProxyHarness[] self = new ProxyHarness[1];
        server.connectHandler(inbound -> {
            inbound.pause(); // nothing is read before the app connection exists
            client.connect(appPort, "127.0.0.1").onComplete(ar -> {
                if (ar.failed()) {
                    inbound.close();
                    return;
                }
                Pipe pipe = Pipe.start(vertx, inbound, ar.result(), options);
                self[0].passThrough.add(pipe.passesBuffersThrough());
                self[0].pipes.add(pipe);
                pipe.result().onSuccess(self[0].results::add);
            });
        });
        return server.listen(0, "127.0.0.1").map(s -> {
            self[0] = new ProxyHarness(s, client, s.actualPort());
            return self[0];
        });
    }
}
