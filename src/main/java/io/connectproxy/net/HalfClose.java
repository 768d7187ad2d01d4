package io.connectproxy.net;

import java.util.logging.Level;
import java.util.logging.Logger;

import io.netty.buffer.Unpooled;
import io.netty.channel.Channel;
import io.netty.channel.ChannelHandlerContext;
import io.netty.channel.ChannelInboundHandlerAdapter;
import io.netty.channel.ChannelOption;
import io.netty.channel.ChannelPipeline;
import io.netty.channel.socket.ChannelInputShutdownEvent;
import io.netty.channel.socket.DuplexChannel;
import io.netty.handler.ssl.SslHandler;
import io.vertx.core.Future;
import io.vertx.core.Promise;
import io.vertx.core.internal.net.StreamChannelInternal;
import io.vertx.core.net.NetSocket;

/**
 * TCP half-close for Vert.x sockets, which Vert.x 5.2 does not offer: it never sets Netty's
 * {@code ALLOW_HALF_CLOSURE}, so a peer's FIN closes the whole channel, and {@code NetSocket.end()} is just
 * {@code close()}. This class is the one place in the proxy that reaches below the public API
 * ({@link StreamChannelInternal#channelHandlerContext()}), so that the rest stays on it; without that access
 * {@link #enable} returns null and the pipe falls back to "EOF closes both sides".
 *
 * <p>How: the channel is switched to {@code ALLOW_HALF_CLOSURE}, and a handler in front of Vert.x's turns Netty's
 * {@link ChannelInputShutdownEvent} into an empty buffer sent down the normal read path. Vert.x queues it behind
 * any data still buffered for a paused socket, so the reader sees "EOF" exactly after the last byte. The write side
 * is shut with {@link DuplexChannel#shutdownOutput()}, after a TLS {@code close_notify} when the socket is TLS.
 *
 * <p>Plain TCP half-close is reliable. On TLS sockets (Netty 4.2.18) a bare FIN closes the TLS channel whole.
 * A TLS 1.3 peer's close_notify + FIN leaves the channel half-open, and the answer still reaches the peer, only
 * when both hold: the JDK engine (Netty's OpenSSL engine answers a close_notify with its own and sends nothing
 * more), and half-close switched on before the FIN was read ({@link Pipe#enableHalfClose} in the connect handler;
 * switched on later, a FIN that came first has already closed the channel). TLS 1.2 has no half-close. Otherwise
 * the pipe ends as a normal close (the bytes before the EOF are delivered).
 */
final class HalfClose {

    private static final Logger LOG = Logger.getLogger(HalfClose.class.getName());
    private static final String HANDLER_NAME = "connect-proxy-half-close";

    private HalfClose() {
    }

    /** Half-close control of {@code socket}, or null when the transport cannot do it. Idempotent. */
    static Handle enable(NetSocket socket) {
        if (!(socket instanceof StreamChannelInternal internal)) {
            return null;
        }
        ChannelHandlerContext vertxHandler = internal.channelHandlerContext();
        Channel channel = vertxHandler.channel();
        if (!(channel instanceof DuplexChannel duplex) || !channel.isActive()) {
            return null;
        }
        ChannelPipeline pipeline = channel.pipeline();
        if (pipeline.get(HANDLER_NAME) instanceof Handle existing) {
            return existing;
        }
        try {
            channel.config().setOption(ChannelOption.ALLOW_HALF_CLOSURE, true);
            Handle handle = new Handle(duplex);
            pipeline.addBefore(vertxHandler.name(), HANDLER_NAME, handle);
            return handle;
        } catch (RuntimeException e) {
            LOG.log(Level.FINE, "half-close not available on " + channel, e);
            return null;
        }
    }

    /** Per-channel state; all calls happen on the channel's event loop. */
    static final class Handle extends ChannelInboundHandlerAdapter {
        private final DuplexChannel channel;
        private boolean inputShutdown;
        private boolean outputShutdown;

        private Handle(DuplexChannel channel) {
            this.channel = channel;
        }

        /** True once the peer has sent FIN; the empty marker buffer that follows means end of stream. */
        boolean inputShutdown() {
            return inputShutdown;
        }

        /** Ends our write side: TLS close_notify if TLS, then FIN. Pending writes must have completed before. */
        Future<Void> shutdownOutput() {
            if (outputShutdown || !channel.isActive()) {
                return Future.succeededFuture();
            }
            outputShutdown = true;
            Promise<Void> done = Promise.promise();
            SslHandler ssl = channel.pipeline().get(SslHandler.class);
            if (ssl == null) {
                shutdownSocketOutput(done);
            } else {
                ssl.closeOutbound().addListener(f -> shutdownSocketOutput(done));
            }
            return done.future();
        }

        private void shutdownSocketOutput(Promise<Void> done) {
            channel.shutdownOutput().addListener(f -> {
                if (f.isSuccess()) {
                    done.tryComplete();
                } else {
                    done.tryFail(f.cause());
                }
            });
        }

        @Override
        public void userEventTriggered(ChannelHandlerContext ctx, Object evt) throws Exception {
            if (evt == ChannelInputShutdownEvent.INSTANCE && !inputShutdown) {
                inputShutdown = true;
                ctx.fireChannelRead(Unpooled.EMPTY_BUFFER);
                ctx.fireChannelReadComplete();
            }
            super.userEventTriggered(ctx, evt);
        }
    }
}
