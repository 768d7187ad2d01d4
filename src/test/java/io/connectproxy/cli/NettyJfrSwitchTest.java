package io.connectproxy.cli;

import io.netty.buffer.ByteBuf;
import io.netty.buffer.ByteBufAllocator;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.Timeout;

import java.io.File;
import java.nio.charset.StandardCharsets;
import java.util.ArrayList;
import java.util.List;
import java.util.concurrent.TimeUnit;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertTrue;

/**
 * Netty's first buffer allocation registers its JFR event classes with the Flight Recorder (~100 ms of a cold
 * sidecar's start), unless {@link Main#nettyJfrOffUnlessAsked()} ran first; an operator's explicit
 * {@code -Dio.netty.jfr.enabled=true} still wins. Each case in a fresh child JVM, whose class loading is the evidence:
 * the test JVM's Netty was initialised long ago.
 */
class NettyJfrSwitchTest {
    /** Loaded only when Netty registered its allocator events with the Flight Recorder. */
    private static final String REGISTERED = "jdk.jfr.internal.MetadataRepository";
    private static final String NETTY_EVENT = "io.netty.buffer.AllocateChunkEvent";

    @Test
    @Timeout(value = 60, unit = TimeUnit.SECONDS)
    void withoutTheSwitchNettyRegistersItsEvents() throws Exception {
        String classes = firstAllocation(false);
        assertTrue(classes.contains(NETTY_EVENT) && classes.contains(REGISTERED),
                "the cost the switch avoids is there without it (if not, Netty changed and the switch can go): "
                        + tail(classes));
    }

    @Test
    @Timeout(value = 60, unit = TimeUnit.SECONDS)
    void theSwitchKeepsTheFlightRecorderOutOfTheFirstAllocation() throws Exception {
        String classes = firstAllocation(true);
        assertFalse(classes.contains(NETTY_EVENT), "Netty's JFR events were loaded: " + tail(classes));
        assertFalse(classes.contains(REGISTERED), "the Flight Recorder's metadata was loaded: " + tail(classes));
    }

    @Test
    @Timeout(value = 60, unit = TimeUnit.SECONDS)
    void anExplicitSettingWins() throws Exception {
        String classes = firstAllocation(true, "-D" + Main.NETTY_JFR_PROPERTY + "=true");
        assertTrue(classes.contains(NETTY_EVENT), "-Dio.netty.jfr.enabled=true was overridden: " + tail(classes));
    }

    /** The class-load log of a child JVM that makes one Netty allocation, with or without the switch first. */
    private static String firstAllocation(boolean switchFirst, String... jvmFlags) throws Exception {
        String java = System.getProperty("java.home") + File.separator + "bin" + File.separator + "java";
        List<String> cmd = new ArrayList<>(List.of(java, "-verbose:class"));
        cmd.addAll(List.of(jvmFlags));
        cmd.addAll(List.of("-cp", System.getProperty("java.class.path"), FirstAllocation.class.getName(),
                Boolean.toString(switchFirst)));
        Process child = new ProcessBuilder(cmd).redirectErrorStream(true).start();
        String out = new String(child.getInputStream().readAllBytes(), StandardCharsets.UTF_8);
        assertTrue(child.waitFor(50, TimeUnit.SECONDS), "child JVM did not finish: " + tail(out));
        assertEquals(0, child.exitValue(), "child JVM failed: " + tail(out));
        assertTrue(out.contains("allocated"), "the child did not allocate: " + tail(out));
        return out;
    }

    private static String tail(String out) {
        return out.length() <= 2_000 ? out : "..." + out.substring(out.length() - 2_000);
    }

    /** The child: the switch (when asked), then one direct buffer, as the first agent request makes. */
    public static final class FirstAllocation {
        public static void main(String[] args) {
            if (Boolean.parseBoolean(args[0])) {
                Main.nettyJfrOffUnlessAsked();
            }
            ByteBuf b = ByteBufAllocator.DEFAULT.directBuffer(256);
            b.writeBytes(new byte[100]);
            b.release();
            System.out.println("allocated");
        }
    }
}
