package io.connectproxy.runtime;

import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.Timeout;

import java.lang.management.ManagementFactory;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.AtomicInteger;
import java.util.concurrent.atomic.AtomicLong;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertTrue;

/**
 * When the sidecar asks for a full collection to give a burst's heap back: only after the heap grew beyond the slack
 * and a whole check interval passed without any collection, and once per growth. The heap's committed size and the
 * collection count are the inputs, set here as a burst and its aftermath would set them.
 */
class HeapReturnTest {
    private static final long MB = 1 << 20;

    private final AtomicLong committed = new AtomicLong(16 * MB);
    private final AtomicLong collections = new AtomicLong(3);
    private final HeapReturn heap = new HeapReturn(committed::get, collections::get);

    @Test
    @Timeout(value = 10, unit = TimeUnit.SECONDS)
    void aQuietSidecarWhoseHeapGrewIsCollectedOnceAndThenLeftAlone() {
        assertFalse(heap.due(), "nothing grew yet: no collection due");

        // the burst: the heap grows to its maximum while the young generation is collected all the time
        committed.set(64 * MB);
        collections.addAndGet(40);
        assertFalse(heap.due(), "collections ran during the interval (a busy sidecar): no full collection");
        collections.addAndGet(5);
        assertFalse(heap.due(), "still collecting: still busy");

        // the connections closed; an interval without a single collection
        assertTrue(heap.due(), "grown by 48 MB and quiet for an interval: a full collection is due");
        AtomicInteger ran = new AtomicInteger();
        heap.collect(() -> {
            ran.incrementAndGet();
            collections.incrementAndGet();
            committed.set(40 * MB); // a thousand connections still open: the live heap keeps it at 40 MB
        });
        assertEquals(1, ran.get(), "the full collection ran once");

        // the committed size after the collection is the new baseline: no collection every interval for a heap
        // that is really in use
        assertFalse(heap.due(), "40 MB is the baseline now: nothing due");
        assertFalse(heap.due(), "and still nothing a quiet interval later");

        // the next burst grows it again beyond the slack: due again once quiet
        committed.set(40 * MB + HeapReturn.SLACK_BYTES + MB);
        assertTrue(heap.due(), "grown by more than the slack over the new baseline, quiet: due again");
    }

    @Test
    @Timeout(value = 10, unit = TimeUnit.SECONDS)
    void growthWithinTheSlackIsNotWorthAFullCollection() {
        committed.set(16 * MB + HeapReturn.SLACK_BYTES);
        assertFalse(heap.due(), "grown by exactly the slack (" + (HeapReturn.SLACK_BYTES / MB) + " MB): not due");
        committed.set(16 * MB + HeapReturn.SLACK_BYTES + 1);
        assertTrue(heap.due(), "one byte over the slack and quiet: due");
    }

    @Test
    @Timeout(value = 30, unit = TimeUnit.SECONDS)
    void readsThisJvmsHeapAndCollectors() {
        HeapReturn jvm = HeapReturn.ofThisJvm();
        long before = ManagementFactory.getGarbageCollectorMXBeans().stream()
                .mapToLong(g -> Math.max(0, g.getCollectionCount())).sum();
        // a real full collection through the real beans: the count it reads afterwards has moved, so the next
        // check sees the interval as not quiet
        jvm.collect(System::gc);
        long after = ManagementFactory.getGarbageCollectorMXBeans().stream()
                .mapToLong(g -> Math.max(0, g.getCollectionCount())).sum();
        assertTrue(after > before, "collections before System.gc() " + before + ", after " + after);
        assertFalse(jvm.due(), "right after the collection the heap is at its baseline: nothing due");
    }
}
