package io.connectproxy.testsupport;

import io.vertx.core.Future;
import io.vertx.core.Vertx;
import io.vertx.core.net.NetServer;
import io.vertx.core.net.NetSocket;

import java.util.concurrent.atomic.AtomicInteger;

/**
 * The "local app" of tests: a TCP echo server on 127.0.0.1:0 that counts the connections it accepted, so a test
 * can prove a rejected peer never reached the app. In {@code replyOnEnd} mode it answers only after the client
 * has shut down its write side (to test half-close): it sends back what it read, prefixed with "got:".
 */
public final class EchoServer {
    private final AtomicInteger accepted = new AtomicInteger();
    private final NetServer server;

    private EchoServer(NetServer server) {
        this.server = server;
    }

    public static Future<EchoServer> start(Vertx vertx) {
        return start(vertx, false);
    }

    public static Future<EchoServer> start(Vertx vertx, boolean replyOnEnd) {
        NetServer server = vertx.createNetServer();
        EchoServer echo = new EchoServer(server);
        server.connectHandler(s -> {
            echo.accepted.incrementAndGet();
            if (replyOnEnd) {
                replyOnEnd(s);
            } else {
                s.handler(s::write);
            }
        });
        return server.listen(0, "127.0.0.1").map(echo);
    }

    private static void replyOnEnd(NetSocket s) {
        io.vertx.core.buffer.Buffer all = io.vertx.core.buffer.Buffer.buffer();
        s.handler(all::appendBuffer);
        s.endHandler(v -> s.end(io.vertx.core.buffer.Buffer.buffer("got:").appendBuffer(all)));
    }

    public int port() {
        return server.actualPort();
    }

    public int accepted() {
        return accepted.get();
    }

    public Future<Void> close() {
        return server.close();
    }
}
