package io.connectproxy.metrics;

import io.micrometer.core.instrument.FunctionCounter;
import io.micrometer.core.instrument.Gauge;
import io.micrometer.core.instrument.MeterRegistry;
import io.micrometer.core.instrument.binder.MeterBinder;

import java.lang.management.ManagementFactory;
import java.lang.management.OperatingSystemMXBean;

/**
 * The process meters every Prometheus client exports under these names ({@code process_open_fds},
 * {@code process_max_fds}, {@code process_cpu_seconds_total}), which dashboards and alerts made for other
 * exporters already use: Micrometer's own binders call them {@code process_files_open_files} and
 * {@code process_cpu_time_ns_total} (nanoseconds). A proxy runs out of descriptors before anything else, so these
 * are the ones to alert on. Absent where the JVM cannot tell (non-Unix).
 */
final class ProcessMeters implements MeterBinder {
    @Override
    public void bindTo(MeterRegistry registry) {
        OperatingSystemMXBean os = ManagementFactory.getOperatingSystemMXBean();
        if (os instanceof com.sun.management.UnixOperatingSystemMXBean unix) {
            Gauge.builder("process.open.fds", unix, com.sun.management.UnixOperatingSystemMXBean::getOpenFileDescriptorCount)
                    .description("Open file descriptors of the process").register(registry);
            Gauge.builder("process.max.fds", unix, com.sun.management.UnixOperatingSystemMXBean::getMaxFileDescriptorCount)
                    .description("The process' limit of open file descriptors").register(registry);
        }
        if (os instanceof com.sun.management.OperatingSystemMXBean sun && sun.getProcessCpuTime() >= 0) {
            FunctionCounter.builder("process.cpu", sun, b -> b.getProcessCpuTime() / 1e9).baseUnit("seconds")
                    .description("CPU time the process used, user and system").register(registry);
        }
    }
}
