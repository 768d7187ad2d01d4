package io.connectproxy.devmesh;

import io.connectproxy.net.Echo;
import io.vertx.core.Future;
import io.vertx.core.Vertx;
import io.vertx.core.net.NetServer;

/**
 * The tiny app behind {@code echo} in the local mesh: sends every byte back, with backpressure, and ends its side
 * when the client ends its own (so {@code nc -N} and half-closing clients see everything); see {@link Echo}.
 */
final class EchoApp {
    private EchoApp() {
    }

    static Future<NetServer> start(Vertx vertx, String host, int port) {
        return vertx.createNetServer()
                .connectHandler(Echo::start)
                .listen(port, host);
    }
}
