package io.connectproxy.net;

import java.net.SocketAddress;
import java.util.concurrent.ThreadFactory;

import io.netty.bootstrap.Bootstrap;
import io.netty.bootstrap.ServerBootstrap;
import io.netty.channel.Channel;
import io.netty.channel.ChannelFactory;
import io.netty.channel.IoHandle;
import io.netty.channel.IoHandler;
import io.netty.channel.IoHandlerContext;
import io.netty.channel.IoHandlerFactory;
import io.netty.channel.IoOps;
import io.netty.channel.IoRegistration;
import io.netty.channel.ServerChannel;
import io.netty.channel.epoll.EpollIoOps;
import io.netty.channel.socket.DatagramChannel;
import io.netty.channel.socket.InternetProtocolFamily;
import io.vertx.core.datagram.DatagramSocketOptions;
import io.vertx.core.net.TcpConfig;
import io.vertx.core.transport.Transport;

/**
 * Vert.x's epoll transport with a Netty 4.2.18 defect worked around that loses the data of half-closed
 * connections. When a channel's epoll interest set becomes empty, Netty removes its descriptor from epoll
 * ({@code EPOLL_CTL_DEL}) but keeps its registration marked as added, so the next interest change is an
 * {@code EPOLL_CTL_MOD} that fails with ENOENT. Open connections never get there (they always listen for the
 * peer's FIN); a half-closed one does as soon as it is paused or has nothing left to write. The next resume then
 * fails the socket, and the next write that finds the kernel buffer full fails with it: through the mesh, a
 * 50 MB answer to {@code nc -N} lost up to 30 %.
 *
 * <p>The workaround: an empty interest set is passed to epoll as {@code EPOLLET} alone: the descriptor stays
 * registered, reports nothing but an edge of error or hang-up (which the channel handles as it would any), and
 * later changes are valid modifications again. Everything else is Vert.x's epoll transport unchanged.
 */
public final class HalfCloseSafeTransport implements Transport {


    private final Transport epoll;

    private HalfCloseSafeTransport(Transport epoll) {
        this.epoll = epoll;
    }

    /**
     * The native transport to build a Vert.x with, or null when epoll is not available here (NIO is used). Asks
     * Vert.x first and touches no epoll class before: where the native library cannot be loaded (a read-only temp
     * directory it would be extracted to), loading one would throw UnsatisfiedLinkError instead of falling back.
     */
    public static Transport nativeTransport() {
        return Transport.EPOLL.available() ? new HalfCloseSafeTransport(Transport.EPOLL) : null;
    }

    /**
     * A builder of the Vert.x every proxy runs on: this transport when epoll is available, else NIO. The one place
     * a proxy's Vert.x is made (proxy mode, the dev mesh's sidecars, tests), so none runs on the defective one.
     */
    public static io.vertx.core.VertxBuilder vertxBuilder(io.vertx.core.VertxOptions options) {
        Transport epoll = nativeTransport();
        io.vertx.core.VertxBuilder builder = io.vertx.core.Vertx.builder().with(options);
        return epoll == null ? builder : builder.withTransport(epoll);
    }

    @Override
    public String name() {
        return epoll.name();
    }

    @Override
    public boolean available() {
        return epoll.available();
    }

    @Override
    public Throwable unavailabilityCause() {
        return epoll.unavailabilityCause();
    }

    @Override
    public io.vertx.core.spi.transport.Transport implementation() {
        return new Implementation(epoll.implementation());
    }

    /** Vert.x's epoll transport, with its event loops' registrations wrapped. */
    private record Implementation(io.vertx.core.spi.transport.Transport delegate)
            implements io.vertx.core.spi.transport.Transport {

        @Override
        public IoHandlerFactory ioHandlerFactory() {
            IoHandlerFactory factory = delegate.ioHandlerFactory();
            return new IoHandlerFactory() {
                @Override
                public IoHandler newHandler(io.netty.util.concurrent.ThreadAwareExecutor executor) {
                    return new Handler(factory.newHandler(executor));
                }

                @Override
                public boolean isChangingThreadSupported() {
                    return factory.isChangingThreadSupported();
                }
            };
        }

        @Override
        public io.netty.channel.EventLoopGroup eventLoopGroup(int type, int threads, ThreadFactory threadFactory,
                                                              int ioRatio) {
            // the interface's default builds the group from ioHandlerFactory(), i.e. the wrapped one
            return io.vertx.core.spi.transport.Transport.super.eventLoopGroup(type, threads, threadFactory, ioRatio);
        }

        @Override
        public boolean supportsDomainSockets() {
            return delegate.supportsDomainSockets();
        }

        @Override
        public boolean supportFileRegion() {
            return delegate.supportFileRegion();
        }

        @Override
        public boolean isAvailable() {
            return delegate.isAvailable();
        }

        @Override
        public Throwable unavailabilityCause() {
            return delegate.unavailabilityCause();
        }

        @Override
        public SocketAddress convert(io.vertx.core.net.SocketAddress address) {
            return delegate.convert(address);
        }

        @Override
        public io.vertx.core.net.SocketAddress convert(SocketAddress address) {
            return delegate.convert(address);
        }

        @Override
        public DatagramChannel datagramChannel(InternetProtocolFamily family) {
            return delegate.datagramChannel(family);
        }

        @Override
        public ChannelFactory<? extends DatagramChannel> datagramChannelFactory() {
            return delegate.datagramChannelFactory();
        }

        @Override
        public ChannelFactory<? extends Channel> channelFactory(boolean domainSocket) {
            return delegate.channelFactory(domainSocket);
        }

        @Override
        public ChannelFactory<? extends ServerChannel> serverChannelFactory(boolean domainSocket) {
            return delegate.serverChannelFactory(domainSocket);
        }

        @Override
        public void configure(DatagramChannel channel, DatagramSocketOptions options) {
            delegate.configure(channel, options);
        }

        @Override
        public void configure(TcpConfig config, boolean domainSocket, Bootstrap bootstrap) {
            delegate.configure(config, domainSocket, bootstrap);
        }

        @Override
        public void configure(TcpConfig config, boolean domainSocket, ServerBootstrap bootstrap) {
            delegate.configure(config, domainSocket, bootstrap);
        }
    }

    /** One event loop's epoll handler; only {@link #register} differs. */
    private record Handler(IoHandler delegate) implements IoHandler {
        @Override
        public void initialize() {
            delegate.initialize();
        }

        @Override
        public int run(IoHandlerContext context) {
            return delegate.run(context);
        }

        @Override
        public void prepareToDestroy() {
            delegate.prepareToDestroy();
        }

        @Override
        public void destroy() {
            delegate.destroy();
        }

        @Override
        public IoRegistration register(IoHandle handle) throws Exception {
            return new Registration(delegate.register(handle));
        }

        @Override
        public void wakeup() {
            delegate.wakeup();
        }

        @Override
        public boolean isCompatible(Class<? extends IoHandle> handleType) {
            return delegate.isCompatible(handleType);
        }
    }

    /**
     * Never hands epoll an empty interest set once the descriptor is in it (see the class comment). Before that
     * (a socket still connecting) an empty set keeps meaning "not added yet", as in Netty: adding an unconnected
     * socket to epoll would report hang-ups until it connects.
     */
    private static final class Registration implements IoRegistration {
        private final IoRegistration delegate;
        /** Written on the channel's event loop only, like every submit. */
        private boolean added;

        Registration(IoRegistration delegate) {
            this.delegate = delegate;
        }

        @Override
        public <T> T attachment() {
            return delegate.attachment();
        }

        @Override
        public long submit(IoOps ops) {
            boolean empty = ops instanceof EpollIoOps epollOps && epollOps.value() == EpollIoOps.NONE.value();
            if (empty && added) {
                return delegate.submit(EpollIoOps.EPOLLET);
            }
            long result = delegate.submit(ops);
            if (!empty && result >= 0) {
                added = true;
            }
            return result;
        }

        @Override
        public boolean isValid() {
            return delegate.isValid();
        }

        @Override
        public boolean cancel() {
            return delegate.cancel();
        }
    }
}
