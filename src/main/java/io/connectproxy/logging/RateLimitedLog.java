package io.connectproxy.logging;

import java.util.concurrent.atomic.AtomicLong;
import java.util.function.Supplier;
import java.util.logging.Level;
import java.util.logging.Logger;

/**
 * Writes at most {@code perSecond} lines a second for one kind of event; the rest are counted and the count is
 * reported with the next line that gets through. A flood of bad peers thus costs a bounded amount of log,
 * while a single failure is still logged at once. Thread-safe (several event loops share one instance).
 */
public final class RateLimitedLog {
    private final Logger logger;
    private final Level level;
    private final int perSecond;
    private final AtomicLong windowStart = new AtomicLong();
    private final AtomicLong inWindow = new AtomicLong();
    private final AtomicLong suppressed = new AtomicLong();

    public RateLimitedLog(Logger logger, Level level, int perSecond) {
        this.logger = logger;
        this.level = level;
        this.perSecond = perSecond;
    }

    public void log(Supplier<String> message) {
        long dropped = admit();
        if (dropped < 0) {
            return;
        }
        String line = message.get();
        logger.log(level, dropped == 0 ? line : line + " (" + dropped + " similar lines suppressed)");
    }

    /**
     * As {@link #log(Supplier)}, with the facts as {@link LogFields} ({@code "peer", addr, "reason", r, …}); the
     * count of lines suppressed before this one is the field {@code suppressed}.
     */
    public void log(String message, Object... namesAndValues) {
        long dropped = admit();
        if (dropped < 0) {
            return;
        }
        if (dropped == 0) {
            LogFields.log(logger, level, message, namesAndValues);
            return;
        }
        Object[] withCount = java.util.Arrays.copyOf(namesAndValues, namesAndValues.length + 2);
        withCount[namesAndValues.length] = "suppressed";
        withCount[namesAndValues.length + 1] = dropped;
        LogFields.log(logger, level, message + " (" + dropped + " similar lines suppressed)", withCount);
    }

    /** -1 when this line is not to be written, else how many were suppressed since the last one written. */
    private long admit() {
        if (!logger.isLoggable(level)) {
            return -1;
        }
        long now = System.nanoTime() / 1_000_000_000L;
        long start = windowStart.get();
        if (now != start && windowStart.compareAndSet(start, now)) {
            inWindow.set(0);
        }
        if (inWindow.incrementAndGet() > perSecond) {
            suppressed.incrementAndGet();
            return -1;
        }
        return suppressed.getAndSet(0);
    }
}
