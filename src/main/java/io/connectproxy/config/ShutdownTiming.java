package io.connectproxy.config;

import java.time.Duration;
import java.util.Objects;

/**
 * How a SIGTERM is drained; part of {@link ProxyTuning}, read from the opaque proxy config map so every source
 * (file, agent registration, legacy managed proxy) shares the keys.
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

    public ShutdownTiming {
        Objects.requireNonNull(shutdownGrace, "shutdownGrace");
        Objects.requireNonNull(drainTimeout, "drainTimeout");
        if (shutdownGrace.isNegative() || drainTimeout.isNegative()) {
            throw new IllegalArgumentException("shutdown timing must not be negative");
        }
    }
}
