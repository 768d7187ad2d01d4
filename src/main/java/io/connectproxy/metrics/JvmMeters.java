package io.connectproxy.metrics;

import io.micrometer.core.instrument.FunctionCounter;
import io.micrometer.core.instrument.Meter;
import io.micrometer.core.instrument.MeterRegistry;
import io.micrometer.core.instrument.binder.MeterBinder;
import io.micrometer.core.instrument.binder.jvm.ClassLoaderMetrics;
import io.micrometer.core.instrument.binder.jvm.JvmCompilationMetrics;
import io.micrometer.core.instrument.binder.jvm.JvmGcMetrics;
import io.micrometer.core.instrument.binder.jvm.JvmHeapPressureMetrics;
import io.micrometer.core.instrument.binder.jvm.JvmInfoMetrics;
import io.micrometer.core.instrument.binder.jvm.JvmMemoryMetrics;
import io.micrometer.core.instrument.binder.jvm.JvmThreadMetrics;
import io.micrometer.core.instrument.binder.system.ProcessorMetrics;
import io.micrometer.core.instrument.binder.system.UptimeMetrics;

import java.util.List;
import java.util.concurrent.CompletionStage;
import java.util.concurrent.ExecutionException;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.TimeoutException;
import java.util.logging.Level;
import java.util.logging.Logger;

/**
 * The JVM and process meters of {@code /metrics} ({@code jvm_*}, {@code process_*}, {@code system_*}), in base
 * units (bytes, seconds): the binders vertx-micrometer-metrics binds with {@code setJvmMetricsEnabled(true)} plus
 * {@link ProcessMeters} (file descriptors and CPU time under Prometheus' standard names) and
 * {@link ConnectionBufferMeters} (the memory of the connections' buffers), bound here on a daemon thread
 * instead, because binding them (JMX beans, GC notification listeners, ~100 classes) took 30–80 ms of Vert.x's
 * creation, which every later start-up step waits for. They appear in {@code /metrics} a few tens of milliseconds
 * after start, well before the proxy is ready. One set per process (proxy mode), kept until the JVM exits: the GC
 * listeners are not removed when Vert.x closes, as vertx-micrometer's own would be.
 */
public final class JvmMeters {
    private static final Logger LOG = Logger.getLogger(JvmMeters.class.getName());

    private JvmMeters() {
    }

    /**
     * Longest wait for readiness before the meters are bound anyway: a sidecar waiting minutes for its agent must
     * still show its JVM on /metrics.
     */
    static final long BIND_AT_THE_LATEST_MS = 5_000;

    /**
     * Starts binding every JVM and process meter to the registry on a daemon thread, once {@code ready} completes
     * (either way) or after {@link #BIND_AT_THE_LATEST_MS}; returns that thread. Why wait: the binders load ~300
     * classes and the JVM's management beans; done while the sidecar starts they took CPU from its start-up chain
     * on a 2-core machine (start to ready, JDK 25 + AOT cache, three runs each: 552-662 ms against 640-730 before,
     * bench/JVM.md, session 5).
     */
    public static Thread bindInBackground(MeterRegistry registry, CompletionStage<?> ready) {
        Thread t = new Thread(() -> {
            try {
                ready.toCompletableFuture().get(BIND_AT_THE_LATEST_MS, TimeUnit.MILLISECONDS);
            } catch (InterruptedException e) {
                Thread.currentThread().interrupt();
                return;
            } catch (ExecutionException | TimeoutException | RuntimeException e) {
                // not started (yet): the meters are wanted all the same
            }
            bind(registry);
        }, "connect-proxy-jvm-meters");
        t.setDaemon(true);
        t.start();
        return t;
    }

    static void bind(MeterRegistry registry) {
        List<MeterBinder> binders = List.of(new ClassLoaderMetrics(), new JvmCompilationMetrics(),
                new JvmGcMetrics(), new JvmHeapPressureMetrics(), new JvmInfoMetrics(), new JvmMemoryMetrics(),
                new JvmThreadMetrics(), new ProcessorMetrics(), new UptimeMetrics(),
                new ProcessMeters(), new ConnectionBufferMeters());
        for (MeterBinder b : binders) {
            try {
                b.bindTo(registry);
            } catch (RuntimeException e) {
                LOG.log(Level.WARNING, "JVM meters of " + b.getClass().getSimpleName() + " unavailable: " + e, e);
            }
        }
        // ProcessorMetrics' process.cpu.time is in nanoseconds: ProcessMeters has it in seconds
        Meter nanos = registry.find("process.cpu.time").meter();
        if (nanos != null) {
            registry.remove(nanos);
        }
        inSeconds(registry);
    }

    /**
     * Prometheus wants base units: counters the binders keep in milliseconds or nanoseconds (jvm.compilation.time)
     * are registered again in seconds, under the same name and tags.
     */
    static void inSeconds(MeterRegistry registry) {
        for (Meter m : List.copyOf(registry.getMeters())) {
            String unit = m.getId().getBaseUnit();
            double perSecond = "ms".equals(unit) || "milliseconds".equals(unit) ? 1e3
                    : "ns".equals(unit) || "nanoseconds".equals(unit) ? 1e9 : 0;
            if (perSecond == 0 || !(m instanceof FunctionCounter c)) {
                continue;
            }
            registry.remove(m);
            FunctionCounter.builder(m.getId().getName(), c, x -> x.count() / perSecond).baseUnit("seconds")
                    .tags(m.getId().getTags()).description(m.getId().getDescription()).register(registry);
        }
    }
}
