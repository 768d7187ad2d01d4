package io.connectproxy.net;

import io.netty.channel.Channel;
import io.vertx.core.internal.net.StreamChannelInternal;
import io.vertx.core.net.NetSocket;

/**
 * Leaves a just-accepted socket's bytes in the kernel until its owner is ready for them. Vert.x 5.2's
 * {@code NetSocket.pause()} only stops delivery: the channel keeps reading into Vert.x's queue, so a TLS
 * ClientHello read while a connection waits for its handshake turn would sit there as plain data, out of reach of
 * the TLS handler {@code upgradeToSsl} adds later, and the handshake would never start. Switching the channel's
 * auto-read off before the first read keeps the bytes in the socket's receive buffer instead;
 * {@code NetSocket.upgradeToSsl} switches it on again once its TLS handler is in place, and {@link #release} does
 * so for a socket that will not be upgraded.
 * <p>
 * Like {@link HalfClose}, it reaches below the public API ({@link StreamChannelInternal#channelHandlerContext()});
 * without that access it holds nothing and says so, and the caller starts at once.
 */
public final class ReadHold {

    private ReadHold() {
    }

    /**
     * Stops reading from {@code socket}. Call it in the connect handler, before returning to the event loop: only
     * then is it certain that no byte was read yet. Returns false when it cannot.
     */
    public static boolean hold(NetSocket socket) {
        Channel channel = channel(socket);
        if (channel == null) {
            return false;
        }
        channel.config().setAutoRead(false);
        return true;
    }

    /** Reads again (a held socket that will not be upgraded, e.g. to see its close). */
    public static void release(NetSocket socket) {
        Channel channel = channel(socket);
        if (channel != null) {
            channel.config().setAutoRead(true);
        }
    }

    private static Channel channel(NetSocket socket) {
        if (socket instanceof StreamChannelInternal internal && internal.channelHandlerContext() != null) {
            return internal.channelHandlerContext().channel();
        }
        return null;
    }
}
