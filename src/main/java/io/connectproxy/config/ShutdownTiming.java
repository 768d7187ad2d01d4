package io.connectproxy.config;

import java.time.Duration;

/**
 * How a SIGTERM is drained, read from the opaque proxy config map ({@code connect.proxy.config} in a file,
 * {@code Proxy.Config} on the agent) so both sources and the legacy managed mode share the keys.
 *
 * @param shutdownGrace how long upstream listeners keep accepting after the signal: the app may still need its
 *                      upstreams while it shuts down
 * @param drainTimeout  how long open connections of a listener that stopped accepting get to finish before they
 *                      are closed
 */
public record ShutdownTiming(Duration shutdownGrace, Duration drainTimeout) {
    public static final String SHUTDOWN_GRACE_MS = "shutdown_grace_ms";
    public static final String DRAIN_TIMEOUT_MS = "drain_timeout_ms";
    /** Defaults that fit in {@code docker stop}'s 10 s before SIGKILL: 3 s grace + 5 s drain at the most. */
    public static final long DEFAULT_SHUTDOWN_GRACE_MS = 3_000;
    public static final long DEFAULT_DRAIN_TIMEOUT_MS = 5_000;
    public static final ShutdownTiming DEFAULT = new ShutdownTiming(Duration.ofMillis(DEFAULT_SHUTDOWN_GRACE_MS),
            Duration.ofMillis(DEFAULT_DRAIN_TIMEOUT_MS));

    /**
     * @throws ConfigException naming the key when a value is not a whole number of milliseconds &gt;= 0
     */
    public static ShutdownTiming of(ProxyConfig config) {
        JsonFields opaque = JsonFields.weak(config.proxyConfig(), "proxy.config");
        return new ShutdownTiming(
                Duration.ofMillis(opaque.millis(SHUTDOWN_GRACE_MS, DEFAULT_SHUTDOWN_GRACE_MS, 0)),
                Duration.ofMillis(opaque.millis(DRAIN_TIMEOUT_MS, DEFAULT_DRAIN_TIMEOUT_MS, 0)));
    }
}
