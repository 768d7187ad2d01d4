package io.connectproxy.metrics;

import io.micrometer.core.instrument.MeterRegistry;
import io.micrometer.core.instrument.binder.MeterBinder;
import io.micrometer.core.instrument.binder.netty4.NettyAllocatorMetrics;
import io.netty.buffer.ByteBufAllocator;
import io.netty.buffer.ByteBufAllocatorMetricProvider;

/**
 * {@code netty_allocator_*} of the allocator the proxy's connections take their buffers from: Netty's default
 * ({@link ByteBufAllocator#DEFAULT}, adaptive in Netty 4.2), which Vert.x gives its servers and clients. The
 * {@code netty_allocator_*} series vertx-micrometer binds on its own are those of Netty's pooled allocator, which no
 * connection of the proxy uses: they read 0 under any load (tagged {@code allocator_type="PooledByteBufAllocator"}).
 * These are tagged with the default allocator's type ({@code AdaptiveByteBufAllocator} unless
 * {@code -Dio.netty.allocator.type} says otherwise).
 */
final class ConnectionBufferMeters implements MeterBinder {

    @Override
    public void bindTo(MeterRegistry registry) {
        if (ByteBufAllocator.DEFAULT instanceof ByteBufAllocatorMetricProvider provider) {
            new NettyAllocatorMetrics(provider).bindTo(registry);
        }
    }
}
