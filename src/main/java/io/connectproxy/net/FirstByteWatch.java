package io.connectproxy.net;

import io.netty.buffer.ByteBuf;
import io.netty.buffer.ByteBufAllocator;
import io.netty.channel.Channel;
import io.netty.channel.ChannelConfig;
import io.netty.channel.RecvByteBufAllocator;
import io.netty.util.UncheckedBooleanSupplier;
import io.vertx.core.internal.net.StreamChannelInternal;
import io.vertx.core.net.NetSocket;

import java.util.Objects;
import java.util.logging.Level;
import java.util.logging.Logger;

/**
 * Whether a peer has sent any byte on a socket, as the transport read it: below the TLS handler, so bytes that
 * never made a whole TLS record count too. Tells a health probe (connect, close, no byte: Consul's and Nomad's
 * TCP checks, Kubernetes' tcpSocket probes) apart from a client that failed its handshake. Vert.x has no public
 * per-connection byte count; like {@link HalfClose}, this reaches below the public API and stays in this package.
 *
 * <p>How: the channel's receive-buffer allocator is wrapped; its per-channel handle is told the size of every
 * read ({@code lastBytesRead}). Not a pipeline handler: Vert.x puts its TLS handler first in the pipeline when the
 * socket is upgraded, so a handler would only ever see decrypted bytes. The handle is created at the channel's
 * first read, so {@link #start} must run in the connect handler, before anything is read.
 */
public final class FirstByteWatch {

    private static final Logger LOG = Logger.getLogger(FirstByteWatch.class.getName());

    /** Written and read on the channel's event loop only. */
    private boolean sawByte;

    private FirstByteWatch() {
    }

    /**
     * Starts watching {@code socket}. When the transport does not allow it, the watch reports that a byte was
     * seen: a failure then counts as a failure, never as a probe.
     */
    public static FirstByteWatch start(NetSocket socket) {
        Objects.requireNonNull(socket, "socket");
        FirstByteWatch watch = new FirstByteWatch();
        if (!(socket instanceof StreamChannelInternal internal)) {
            watch.sawByte = true;
            return watch;
        }
        Channel channel = internal.channelHandlerContext().channel();
        ChannelConfig config = channel.config();
        try {
            config.setRecvByteBufAllocator(new Watching(config.getRecvByteBufAllocator(), watch));
        } catch (RuntimeException e) {
            LOG.log(Level.FINE, "first-byte watch not available on " + channel, e);
            watch.sawByte = true;
        }
        return watch;
    }

    /** True once the peer has sent at least one byte (or when the watch could not be installed). */
    public boolean sawByte() {
        return sawByte;
    }

    private record Watching(RecvByteBufAllocator delegate, FirstByteWatch watch) implements RecvByteBufAllocator {
        @Override
        public Handle newHandle() {
            return new WatchingHandle((ExtendedHandle) delegate.newHandle(), watch);
        }
    }

    /** Forwards everything; notes the first read that returned data. */
    private static final class WatchingHandle implements RecvByteBufAllocator.ExtendedHandle {
        private final RecvByteBufAllocator.ExtendedHandle delegate;
        private final FirstByteWatch watch;

        WatchingHandle(RecvByteBufAllocator.ExtendedHandle delegate, FirstByteWatch watch) {
            this.delegate = delegate;
            this.watch = watch;
        }

        @Override
        public void lastBytesRead(int bytes) {
            if (bytes > 0) {
                watch.sawByte = true;
            }
            delegate.lastBytesRead(bytes);
        }

        @Override
        public ByteBuf allocate(ByteBufAllocator alloc) {
            return delegate.allocate(alloc);
        }

        @Override
        public int guess() {
            return delegate.guess();
        }

        @Override
        public void reset(ChannelConfig config) {
            delegate.reset(config);
        }

        @Override
        public void incMessagesRead(int numMessages) {
            delegate.incMessagesRead(numMessages);
        }

        @Override
        public int lastBytesRead() {
            return delegate.lastBytesRead();
        }

        @Override
        public void attemptedBytesRead(int bytes) {
            delegate.attemptedBytesRead(bytes);
        }

        @Override
        public int attemptedBytesRead() {
            return delegate.attemptedBytesRead();
        }

        @Override
        public boolean continueReading() {
            return delegate.continueReading();
        }

        @Override
        public boolean continueReading(UncheckedBooleanSupplier maybeMoreDataSupplier) {
            return delegate.continueReading(maybeMoreDataSupplier);
        }

        @Override
        public void readComplete() {
            delegate.readComplete();
        }
    }
}
