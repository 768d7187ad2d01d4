package io.connectproxy.consul;

import java.time.Duration;

/**
 * Blocking-query parameters of one request: index mode ({@code index}&gt;0) or hash mode ({@code hash}), and the
 * longest the agent may hold the request. {@link #NONE} asks for the current value at once.
 */
public record QueryOptions(long index, String hash, Duration waitTime) {

    public static final QueryOptions NONE = new QueryOptions(0, null, null);
    /** The agent caps waits at 10 minutes. */
    public static final Duration MAX_WAIT = Duration.ofMinutes(10);

    public static QueryOptions index(long index, Duration waitTime) {
        return new QueryOptions(index, null, waitTime);
    }

    public static QueryOptions hash(String hash, Duration waitTime) {
        return new QueryOptions(0, hash, waitTime);
    }

    public boolean blocking() {
        return waitTime != null && (index > 0 || (hash != null && !hash.isEmpty()));
    }

    /** Consul's wait syntax: {@code 5s}, {@code 250ms}, {@code 5m}. */
    static String goDuration(Duration d) {
        long ms = d.toMillis();
        if (ms % 1000 == 0) {
            return (ms / 1000) + "s";
        }
        return ms + "ms";
    }
}
