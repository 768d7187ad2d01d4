package io.connectproxy.net;

import io.vertx.core.Future;
import io.vertx.core.net.NetSocket;

/**
 * Sends every byte a socket receives back to it, with backpressure, and answers the peer's half-close with its own
 * once everything echoed has been written: the app behind the dev mesh's {@code echo}. A plain
 * {@code socket.pipeTo(socket)} is not enough: Vert.x closes the whole channel on the peer's FIN, and Netty then
 * drops whatever echo it still had queued, so {@code nc -N} lost the tail of large inputs.
 */
public final class Echo {

    private final NetSocket socket;
    private final HalfClose.Handle halfClose;
    private Future<Void> lastWrite = Future.succeededFuture();

    private Echo(NetSocket socket, HalfClose.Handle halfClose) {
        this.socket = socket;
        this.halfClose = halfClose;
    }

    /** Echoes on {@code socket} until the peer has ended its side and the echo is out, then closes it. */
    public static void start(NetSocket socket) {
        Echo echo = new Echo(socket, HalfClose.enable(socket));
        socket.handler(echo::onData);
        socket.drainHandler(v -> socket.resume());
        socket.exceptionHandler(e -> socket.close());
    }

    private void onData(io.vertx.core.buffer.Buffer buffer) {
        if (buffer.length() == 0) {
            if (halfClose != null && halfClose.inputShutdown()) {
                // HalfClose's end marker: everything before it has been written back
                lastWrite.compose(v -> halfClose.shutdownOutput()).onComplete(ar -> socket.close());
            }
            return;
        }
        lastWrite = socket.write(buffer);
        if (socket.writeQueueFull()) {
            socket.pause();
        }
    }
}
