package io.connectproxy.devmesh;

import io.vertx.core.Future;
import io.vertx.core.Vertx;
import io.vertx.core.net.NetServer;

/**
 * The tiny app behind {@code echo} in the local mesh: sends every byte back, with backpressure, and ends its side
 * when the client ends its own (so {@code nc -N} and half-closing clients see everything).
 */
final class EchoApp {
    private EchoApp() {
    }

    static Future<NetServer> start(Vertx vertx, String host, int port) {
        return vertx.createNetServer()
                .connectHandler(socket -> socket.pipeTo(socket))
                .listen(port, host);
    }
}
