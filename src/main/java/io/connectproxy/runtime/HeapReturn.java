package io.connectproxy.runtime;

import io.vertx.core.Vertx;

import java.lang.management.GarbageCollectorMXBean;
import java.lang.management.ManagementFactory;
import java.lang.management.MemoryMXBean;
import java.util.List;
import java.util.function.LongSupplier;
import java.util.logging.Level;
import java.util.logging.Logger;

/**
 * Gives the heap a connection burst grew back to the operating system once the sidecar is quiet again.
 *
 * <p>The sidecar ships with the serial collector (bench/JVM.md: G1's own structures cost more than a sidecar's
 * whole live heap). A burst of thousands of connections promotes their state to the old generation; once they
 * close it is garbage, but the serial collector only looks at the old generation, and only gives memory back
 * (down to {@code -XX:MaxHeapFreeRatio}), in a full collection, which an idle sidecar never triggers: the heap stays
 * at its burst size for good. So, every {@link #CHECK_MS}, on a timer that only reads counters: when the heap's
 * committed size has grown by more than {@link #SLACK_BYTES} since the last return and no collection at all ran
 * during the last interval (a quiet sidecar; one under load collects its young generation all the time and gets
 * nothing from this), one full collection is requested on a worker thread. Its pause, on an idle sidecar, is a few
 * tens of milliseconds; it runs once per growth: the committed size after it is the new baseline, so a sidecar
 * that really holds a thousand connections is collected once, not every interval. The collection is a
 * {@link CompactingCollection}: tighter heap-free ratios for it alone, so that the heap comes back to about what a
 * fresh sidecar has instead of twice its live data.
 */
public final class HeapReturn {
    private static final Logger LOG = Logger.getLogger(HeapReturn.class.getName());

    /** How often the counters are read. */
    public static final long CHECK_MS = 10_000;
    /** Growth of the committed heap below which nothing is worth a full collection. */
    public static final long SLACK_BYTES = 8L << 20;

    private final LongSupplier committedBytes;
    private final LongSupplier collections;
    private long baseline;
    private long lastCollections;

    /**
     * @param committedBytes the heap's committed size now
     * @param collections    the number of collections (all collectors) so far
     */
    public HeapReturn(LongSupplier committedBytes, LongSupplier collections) {
        this.committedBytes = committedBytes;
        this.collections = collections;
        this.baseline = committedBytes.getAsLong();
        this.lastCollections = collections.getAsLong();
    }

    /** This JVM's heap and collectors. */
    public static HeapReturn ofThisJvm() {
        MemoryMXBean memory = ManagementFactory.getMemoryMXBean();
        List<GarbageCollectorMXBean> gcs = ManagementFactory.getGarbageCollectorMXBeans();
        return new HeapReturn(() -> memory.getHeapMemoryUsage().getCommitted(),
                () -> gcs.stream().mapToLong(g -> Math.max(0, g.getCollectionCount())).sum());
    }

    /**
     * Checks this JVM every {@link #CHECK_MS} on the Vert.x timer and runs the full collection on a worker thread
     * (it stops the whole JVM either way, but not from an event loop's task). One per process: proxy mode.
     */
    public static void watch(Vertx vertx) {
        HeapReturn heap = ofThisJvm();
        CompactingCollection fullCollection = CompactingCollection.ofThisJvm();
        vertx.setPeriodic(CHECK_MS, CHECK_MS, id -> {
            if (heap.due()) {
                vertx.executeBlocking(() -> {
                    heap.collect(fullCollection);
                    return null;
                }, false).onFailure(e -> LOG.log(Level.WARNING, "heap return failed: " + e, e));
            }
        });
    }

    /**
     * One check: whether a full collection is due now (the heap grew by more than the slack since the last
     * return, and no collection ran since the previous check).
     */
    public synchronized boolean due() {
        long gcs = collections.getAsLong();
        boolean quiet = gcs == lastCollections;
        lastCollections = gcs;
        return quiet && committedBytes.getAsLong() > baseline + SLACK_BYTES;
    }

    /** Runs the full collection and takes the committed size after it as the new baseline. */
    public void collect(Runnable fullCollection) {
        long before = committedBytes.getAsLong();
        fullCollection.run();
        long after = committedBytes.getAsLong();
        synchronized (this) {
            baseline = after;
            lastCollections = collections.getAsLong();
        }
        LOG.fine(() -> "heap returned after a quiet interval: committed " + (before >> 20) + " MB -> "
                + (after >> 20) + " MB");
    }
}
