package io.connectproxy.metrics;

import io.micrometer.core.instrument.Gauge;
import io.micrometer.core.instrument.MeterRegistry;
import io.micrometer.core.instrument.Tags;
import io.micrometer.core.instrument.binder.MeterBinder;
import io.netty.buffer.ByteBufAllocator;
import io.netty.buffer.ByteBufAllocatorMetric;
import io.netty.buffer.ByteBufAllocatorMetricProvider;

/**
 * {@code netty_allocator_memory_used} of the allocator the proxy's connections take their buffers from: Netty's
 * default ({@link ByteBufAllocator#DEFAULT}, adaptive in Netty 4.2), which Vert.x gives its servers and clients. The
 * {@code netty_allocator_*} series vertx-micrometer binds on its own are those of Netty's pooled allocator, which no
 * connection of the proxy uses: they read 0 under any load (tagged {@code allocator_type="PooledByteBufAllocator"}).
 * Same names and tag keys as Micrometer's {@code NettyAllocatorMetrics}, so both land in one family, tagged with the
 * default allocator's type ({@code AdaptiveByteBufAllocator} unless {@code -Dio.netty.allocator.type} says
 * otherwise); registered here rather than through that binder because its gauges carry no help text.
 */
final class ConnectionBufferMeters implements MeterBinder {

    @Override
    public void bindTo(MeterRegistry registry) {
        if (!(ByteBufAllocator.DEFAULT instanceof ByteBufAllocatorMetricProvider provider)) {
            return;
        }
        ByteBufAllocatorMetric metric = provider.metric();
        Tags tags = Tags.of("id", String.valueOf(provider.hashCode()),
                "allocator.type", provider.getClass().getSimpleName());
        String help = "Memory a Netty buffer allocator holds, in bytes, by type (heap, direct)";
        Gauge.builder("netty.allocator.memory.used", metric, ByteBufAllocatorMetric::usedHeapMemory)
                .tags(tags).tag("memory.type", "heap").description(help).register(registry);
        Gauge.builder("netty.allocator.memory.used", metric, ByteBufAllocatorMetric::usedDirectMemory)
                .tags(tags).tag("memory.type", "direct").description(help).register(registry);
    }
}
