package io.connectproxy.net;

import io.netty.buffer.ByteBuf;
import io.netty.channel.Channel;
import io.netty.channel.ChannelHandlerContext;
import io.netty.channel.ChannelInboundHandlerAdapter;
import io.netty.channel.ChannelPipeline;
import io.vertx.core.Future;
import io.vertx.core.Promise;
import io.vertx.core.internal.net.StreamChannelInternal;
import io.vertx.core.net.NetSocket;

/**
 * Tells when a socket first has something for its reader (bytes, an end of stream, or a close) without taking it:
 * everything still goes to the socket's own queue, so a paused socket handed to {@link Pipe#start} afterwards is
 * read in full, its half-close included. The upstream listener uses it to know, before it starts the pipe,
 * whether the app has sent anything yet and whether the mesh server has answered or ended the session: a session
 * the server ended before either side spoke can be given up and the app's connection taken to another instance
 * without replaying a byte.
 * <p>
 * A Netty handler placed just in front of Vert.x's own, like {@link HalfClose}'s (it sees HalfClose's end-of-stream
 * marker too when installed after it); it removes itself once it has fired. Without access below the public API
 * the future completes at once with {@link Kind#UNKNOWN}, so a caller simply starts its pipe.
 */
public final class FirstRead {
    private static final String HANDLER_NAME = "connect-proxy-first-read";

    /** What came first. */
    public enum Kind {
        /** Bytes to read. */
        DATA,
        /** The peer ended its sending side (half-close) before sending a byte. */
        END,
        /** The connection closed (or failed) before anything was read. */
        CLOSED,
        /** Cannot tell (no access to the channel): treat as "something to read". */
        UNKNOWN
    }

    private FirstRead() {
    }

    /**
     * Starts watching {@code socket}. Call it before the socket can have read anything that matters (in the
     * connect handler, or right after a dial completes with the socket paused). Idempotent: a second call returns
     * the first call's future.
     */
    public static Future<Kind> watch(NetSocket socket) {
        if (!(socket instanceof StreamChannelInternal internal) || internal.channelHandlerContext() == null) {
            return Future.succeededFuture(Kind.UNKNOWN);
        }
        ChannelHandlerContext vertxHandler = internal.channelHandlerContext();
        Channel channel = vertxHandler.channel();
        ChannelPipeline pipeline = channel.pipeline();
        if (pipeline.get(HANDLER_NAME) instanceof Watcher existing) {
            return existing.result.future();
        }
        if (!channel.isActive()) {
            return Future.succeededFuture(Kind.CLOSED);
        }
        Watcher w = new Watcher();
        try {
            pipeline.addBefore(vertxHandler.name(), HANDLER_NAME, w);
        } catch (RuntimeException e) {
            return Future.succeededFuture(Kind.UNKNOWN);
        }
        return w.result.future();
    }

    private static final class Watcher extends ChannelInboundHandlerAdapter {
        final Promise<Kind> result = Promise.promise();

        private void fire(ChannelHandlerContext ctx, Kind kind) {
            if (result.tryComplete(kind)) {
                ctx.pipeline().remove(this);
            }
        }

        @Override
        public void channelRead(ChannelHandlerContext ctx, Object msg) {
            boolean empty = msg instanceof ByteBuf b && !b.isReadable();
            ctx.fireChannelRead(msg);
            // HalfClose's end-of-stream marker is an empty buffer; anything else is data
            fire(ctx, empty ? Kind.END : Kind.DATA);
        }

        @Override
        public void channelInactive(ChannelHandlerContext ctx) throws Exception {
            result.tryComplete(Kind.CLOSED);
            super.channelInactive(ctx);
        }

        @Override
        public void exceptionCaught(ChannelHandlerContext ctx, Throwable cause) {
            result.tryComplete(Kind.CLOSED);
            ctx.fireExceptionCaught(cause);
        }

        @Override
        public void handlerRemoved(ChannelHandlerContext ctx) {
            result.tryComplete(Kind.CLOSED);
        }
    }
}
