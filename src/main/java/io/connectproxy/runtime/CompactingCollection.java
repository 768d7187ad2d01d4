package io.connectproxy.runtime;

import com.sun.management.HotSpotDiagnosticMXBean;
import com.sun.management.VMOption;

import java.lang.management.ManagementFactory;
import java.util.logging.Level;
import java.util.logging.Logger;

/**
 * A full collection that leaves the heap no bigger than its live data needs: for {@link HeapReturn}, which runs one
 * when a quiet sidecar's heap is still at the size a connection burst grew it to.
 *
 * <p>A full collection gives back what exceeds {@code -XX:MaxHeapFreeRatio} of free heap, and the serial collector
 * sizes the young generation from the old one at the same time. The sidecar ships 50 % (conf/jvm.options): a
 * tighter ratio for the whole run gave the 1.2x-of-idle heap after a burst, but cost 8-14 % of throughput, because
 * every collection under load then kept the heap, and the young generation, small (bench/JVM.md). Here the tight
 * ratios apply to this one collection only: {@code MinHeapFreeRatio} and {@code MaxHeapFreeRatio} are manageable
 * flags, set for the collection and restored right after it, so the heap starts from the size a fresh sidecar has
 * and grows under the next load exactly as it would have without this.
 *
 * <p>Where the flags cannot be set (a JVM without {@code jdk.management}, or one started with ratios that make the
 * tight ones invalid) it is a plain {@link System#gc()}, said once in the log.
 */
public final class CompactingCollection implements Runnable {
    private static final Logger LOG = Logger.getLogger(CompactingCollection.class.getName());

    /** Free heap a collection may leave below which the heap is grown at once again (the JVM's default is 40). */
    static final int MIN_FREE_PERCENT = 10;
    /** Free heap above which the collection gives memory back (the sidecar ships 50, the JVM's default is 70). */
    static final int MAX_FREE_PERCENT = 20;

    private final HotSpotDiagnosticMXBean flags;
    private boolean saidFallback;

    private CompactingCollection(HotSpotDiagnosticMXBean flags) {
        this.flags = flags;
    }

    /** This JVM's; without the HotSpot diagnostic bean, every run is a plain full collection. */
    public static CompactingCollection ofThisJvm() {
        HotSpotDiagnosticMXBean bean;
        try {
            bean = ManagementFactory.getPlatformMXBean(HotSpotDiagnosticMXBean.class);
        } catch (RuntimeException | LinkageError e) {
            bean = null;
        }
        return new CompactingCollection(bean);
    }

    @Override
    public void run() {
        String min = null;
        String max = null;
        if (flags == null) {
            fallback("no HotSpotDiagnosticMXBean in this JVM");
        }
        try {
            if (flags != null) {
                VMOption minOption = flags.getVMOption("MinHeapFreeRatio");
                VMOption maxOption = flags.getVMOption("MaxHeapFreeRatio");
                min = minOption.getValue();
                max = maxOption.getValue();
                // Lower the minimum first and raise the maximum back first: the JVM refuses a minimum above the
                // maximum at every step.
                if (Integer.parseInt(min) > MIN_FREE_PERCENT) {
                    flags.setVMOption("MinHeapFreeRatio", Integer.toString(MIN_FREE_PERCENT));
                }
                if (Integer.parseInt(max) > MAX_FREE_PERCENT) {
                    flags.setVMOption("MaxHeapFreeRatio", Integer.toString(MAX_FREE_PERCENT));
                }
            }
        } catch (RuntimeException e) {
            fallback(e.toString());
        }
        try {
            System.gc();
        } finally {
            restore(min, max);
        }
    }

    private void restore(String min, String max) {
        if (min == null || max == null) {
            return;
        }
        try {
            flags.setVMOption("MaxHeapFreeRatio", max);
            flags.setVMOption("MinHeapFreeRatio", min);
        } catch (RuntimeException e) {
            // Cannot happen with values read from this JVM a moment ago; if it did, the heap would keep the tight
            // ratios and collect more often under load: worth a warning, not a crash.
            LOG.log(Level.WARNING, "could not restore the heap-free ratios MinHeapFreeRatio=" + min
                    + " MaxHeapFreeRatio=" + max + " after a heap return: " + e);
        }
    }

    private void fallback(String why) {
        if (!saidFallback) {
            saidFallback = true;
            LOG.info("heap return: cannot tighten the heap-free ratios for its collection (" + why
                    + "); plain full collections give back less after a burst");
        }
    }
}
