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
        if (!logger.isLoggable(level)) {
            return;
        }
        long now = System.nanoTime() / 1_000_000_000L;
        long start = windowStart.get();
        if (now != start && windowStart.compareAndSet(start, now)) {
            inWindow.set(0);
        }
        if (inWindow.incrementAndGet() > perSecond) {
            suppressed.incrementAndGet();
            return;
        }
        long dropped = suppressed.getAndSet(0);
        String line = message.get();
        logger.log(level, dropped == 0 ? line : line + " (" + dropped + " similar lines suppressed)");
    }
}
