package io.connectproxy.consul;

import java.time.Duration;
import java.util.concurrent.ThreadLocalRandom;

/**
 * Capped exponential backoff with jitter: attempt n waits a random time in [d/2, d] with
 * d = min(cap, base * 2^(n-1)). The jitter keeps many proxies from hitting a recovering agent in lockstep;
 * the cap bounds how long after an agent comes back the proxy notices (Consul's own client goes up to 180 s, which
 * leaves a restarted agent's new CA unseen for minutes). 5 s keeps recovery well inside 10 s; against a local
 * agent a refused connection every 5 s per watch costs nothing.
 */
public record Backoff(Duration base, Duration cap) {

    public static final Backoff DEFAULT = new Backoff(Duration.ofSeconds(1), Duration.ofSeconds(5));

    public Backoff {
        if (base.isNegative() || base.isZero() || cap.compareTo(base) < 0) {
            throw new IllegalArgumentException("backoff: need 0 < base <= cap, got base=" + base + " cap=" + cap);
        }
    }

    /** Delay before retry number {@code attempt} (1 = first retry). */
    public long delayMillis(int attempt) {
        long baseMs = base.toMillis();
        long capMs = cap.toMillis();
        int shift = Math.min(Math.max(attempt - 1, 0), 30);
        long d = baseMs << shift;
        if (d <= 0 || d > capMs) {
            d = capMs;
        }
        long half = Math.max(1, d / 2);
        return half + ThreadLocalRandom.current().nextLong(d - half + 1);
    }
}
