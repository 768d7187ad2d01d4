package io.connectproxy.testsupport;

import java.time.Duration;
import java.util.function.BooleanSupplier;

/**
 * The one "wait until" of the tests, for conditions observed from the test thread (never an event loop): polls
 * every 10 ms and fails with what was awaited, so a timeout says what never happened.
 */
public final class Await {
    private static final long POLL_MS = 10;

    private Await() {
    }

    /** Returns the milliseconds it took for {@code condition} to hold; fails after {@code within}. */
    public static long until(Duration within, String what, BooleanSupplier condition) throws InterruptedException {
        long start = System.nanoTime();
        long deadline = start + within.toNanos();
        while (!condition.getAsBoolean()) {
            if (System.nanoTime() > deadline) {
                throw new AssertionError("not within " + within + ": " + what);
            }
            Thread.sleep(POLL_MS);
        }
        return (System.nanoTime() - start) / 1_000_000L;
    }
}
