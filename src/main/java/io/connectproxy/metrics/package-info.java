/**
 * The meters the proxy records: the data plane's counters and gauges ({@link io.connectproxy.metrics.ProxyMetrics},
 * the only place meters are created, so names and labels stay consistent) and the JVM/process binders. The
 * {@code admin} package serves them; the data plane records into them without knowing about HTTP.
 */
package io.connectproxy.metrics;
