package io.connectproxy.runtime;

import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.Timeout;

import java.io.File;
import java.lang.management.ManagementFactory;
import java.lang.management.MemoryUsage;
import java.nio.charset.StandardCharsets;
import java.util.ArrayList;
import java.util.List;
import java.util.concurrent.TimeUnit;
import java.util.regex.Matcher;
import java.util.regex.Pattern;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

/**
 * A heap return's collection on a JVM started with the sidecar's heap flags (a child JVM: the test JVM's collector
 * and heap are not the sidecar's): after a burst's garbage it leaves the heap smaller than a plain full collection
 * under the shipped ratios, and the ratios are the shipped ones again afterwards.
 */
class CompactingCollectionTest {
    private static final Pattern RESULT = Pattern.compile(
            "plain=(\\d+) compacting=(\\d+) live=(\\d+) min=(\\d+) max=(\\d+)");

    @Test
    @Timeout(value = 60, unit = TimeUnit.SECONDS)
    void leavesLessHeapThanAPlainCollectionAndRestoresTheRatios() throws Exception {
        String java = System.getProperty("java.home") + File.separator + "bin" + File.separator + "java";
        Process child = new ProcessBuilder(java, "-XX:+UseSerialGC", "-Xms16m", "-Xmx64m",
                "-XX:MaxHeapFreeRatio=50", "-XX:-ShrinkHeapInSteps",
                "-cp", System.getProperty("java.class.path"), AfterABurst.class.getName())
                .redirectErrorStream(true).start();
        String out = new String(child.getInputStream().readAllBytes(), StandardCharsets.UTF_8);
        assertTrue(child.waitFor(50, TimeUnit.SECONDS), "child JVM did not finish: " + out);
        assertEquals(0, child.exitValue(), "child JVM failed: " + out);
        Matcher m = RESULT.matcher(out);
        assertTrue(m.find(), "no result line in: " + out);
        long plain = Long.parseLong(m.group(1));
        long compacting = Long.parseLong(m.group(2));
        long live = Long.parseLong(m.group(3));
        assertTrue(compacting < plain, "committed heap after the compacting collection " + (compacting >> 10)
                + " KB, after a plain one " + (plain >> 10) + " KB (live " + (live >> 10) + " KB): " + out);
        assertEquals("40", m.group(4), "MinHeapFreeRatio restored to the JVM's default: " + out);
        assertEquals("50", m.group(5), "MaxHeapFreeRatio restored to the value it was started with: " + out);
    }

    /** The child: a burst's worth of old-generation garbage, collected plainly, then again with the return's. */
    public static final class AfterABurst {
        /** What a sidecar keeps live through a burst (~9-12 MB measured): above -Xms, so the ratios decide. */
        private static final List<byte[]> LIVE = new ArrayList<>();

        public static void main(String[] args) {
            for (int i = 0; i < 12 * 16; i++) {
                LIVE.add(new byte[64 * 1024]);
            }
            long plain = afterBurst(System::gc);
            long compacting = afterBurst(CompactingCollection.ofThisJvm());
            MemoryUsage heap = ManagementFactory.getMemoryMXBean().getHeapMemoryUsage();
            var flags = ManagementFactory.getPlatformMXBean(com.sun.management.HotSpotDiagnosticMXBean.class);
            System.out.println("plain=" + plain + " compacting=" + compacting + " live=" + heap.getUsed()
                    + " min=" + flags.getVMOption("MinHeapFreeRatio").getValue()
                    + " max=" + flags.getVMOption("MaxHeapFreeRatio").getValue());
        }

        /** Grows the heap to ~36 MB more of long-lived objects, drops them, collects, returns the committed size. */
        private static long afterBurst(Runnable collection) {
            List<byte[]> held = new ArrayList<>();
            for (int i = 0; i < 36 * 16; i++) {
                held.add(new byte[64 * 1024]); // survives young collections: promoted, as a burst's state is
            }
            System.gc();
            held.clear();
            collection.run();
            return ManagementFactory.getMemoryMXBean().getHeapMemoryUsage().getCommitted();
        }
    }
}
