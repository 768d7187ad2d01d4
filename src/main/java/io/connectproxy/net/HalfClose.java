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
 * <p>How: the channel is switched to {@code ALLOW_HALF_CLOSURE}, and a handler in front of Vert.x's turns the end
 * of the peer's stream into an empty buffer sent down the normal read path. Vert.x queues it behind any data still
 * buffered for a paused socket, so the reader sees "EOF" exactly after the last byte. The end of the peer's stream
 * is its FIN ({@link ChannelInputShutdownEvent}).
 *
 * <p>Our own write side is ended with a bare FIN ({@link DuplexChannel#shutdownOutput()}), on TLS too, without a
 * close_notify first. The reason is the peer's TLS engine: Netty's OpenSSL engine, the default on both ends of the
 * mesh, closes its own write direction when it reads a close_notify (ReferenceCountedOpenSslEngine on
 * SSL_ERROR_ZERO_RETURN), so a sidecar that sent one on its app's half-close cut off the answer (0 bytes for a
 * small request, the tail of a large one); in the other direction the app's half-close cut off what its client
 * sent afterwards. The close_notify is sent when the connection is closed whole (after both directions ended). A bare
 * FIN is what the peer would have seen before this class existed (the whole connection closed), so it opens no
 * truncation the proxy did not already pass on.
 *
 * <p>A peer that does send close_notify before its FIN (a TLS 1.3 client that is not this proxy) is still read to
 * the end and the app gets the EOF, but with Netty 4.2.18 the connection then ends whole with either engine (the
 * OpenSSL engine closes its write direction; with the JDK engine the channel is closed), so such a client gets no
 * answer; the pipe reports that as a close, never as a completion.
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

        /** True once the peer's stream has ended; the empty marker buffer that follows means end of stream. */
        boolean inputShutdown() {
            return inputShutdown;
        }

        /** Ends our write side with a FIN (no close_notify: see the class comment). Pending writes must be done. */
        Future<Void> shutdownOutput() {
            if (outputShutdown || !channel.isActive()) {
                return Future.succeededFuture();
            }
            outputShutdown = true;
            Promise<Void> done = Promise.promise();
            channel.shutdownOutput().addListener(f -> {
                if (f.isSuccess()) {
                    done.tryComplete();
                } else {
                    done.tryFail(f.cause());
                }
            });
            return done.future();
        }

        @Override
        public void userEventTriggered(ChannelHandlerContext ctx, Object evt) throws Exception {
            if (evt == ChannelInputShutdownEvent.INSTANCE) {
                endOfInput(ctx);
            }
            super.userEventTriggered(ctx, evt);
        }

        private void endOfInput(ChannelHandlerContext ctx) {
            if (!inputShutdown) {
                inputShutdown = true;
                ctx.fireChannelRead(Unpooled.EMPTY_BUFFER);
                ctx.fireChannelReadComplete();
            }
        }
    }
}
