package io.connectproxy.net;

import static org.junit.jupiter.api.Assertions.assertTrue;

import java.util.List;
import java.util.logging.Level;
import java.util.logging.Logger;

import io.connectproxy.testsupport.LogCapture;

/**
 * Runs the in-process proxies of a test on one of the pipe's two paths ({@value Pipe#FORWARDING_PROPERTY}, read at
 * every pipe start) and checks afterwards, from the pipes' own end-of-pipe lines, that the path was taken: a
 * socket that is not Vert.x's own would silently fall back to copying, and a test of "both paths" would then test
 * one twice. Restores the property and the log level on close.
 */
public final class PipePath implements AutoCloseable {

    private final String forwarding;
    private final String previous;
    private final Logger pipeLog = Logger.getLogger(Pipe.class.getName());
    private final Level previousLevel;
    private final LogCapture log;

    private PipePath(String forwarding) {
        this.forwarding = forwarding;
        this.previous = System.getProperty(Pipe.FORWARDING_PROPERTY);
        this.previousLevel = pipeLog.getLevel();
        System.setProperty(Pipe.FORWARDING_PROPERTY, forwarding);
        pipeLog.setLevel(Level.FINE);
        this.log = new LogCapture(Pipe.class);
    }

    /** {@code forwarding}: {@code pass-through} or {@code copy}. */
    public static PipePath select(String forwarding) {
        if (!forwarding.equals("pass-through") && !forwarding.equals("copy")) {
            throw new IllegalArgumentException("forwarding must be pass-through or copy, got " + forwarding);
        }
        return new PipePath(forwarding);
    }

    /** Pipes have ended during the test, and every one of them on the selected path. */
    public void assertTaken() {
        String want = forwarding.equals("copy") ? Pipe.COPIED : Pipe.PASSED_THROUGH;
        String other = forwarding.equals("copy") ? Pipe.PASSED_THROUGH : Pipe.COPIED;
        // one snapshot: pipes of the test's last connections may still be ending while this runs
        List<String> ended = log.messages.stream().filter(m -> m.contains(" ended (")).toList();
        long onPath = ended.stream().filter(m -> m.contains("(" + want + ")")).count();
        boolean noneOther = ended.stream().noneMatch(m -> m.contains("(" + other + ")"));
        assertTrue(!ended.isEmpty() && onPath == ended.size() && noneOther,
                "forwarding " + forwarding + ": " + onPath + " of " + ended.size() + " pipes ended with \"" + want
                        + "\"; lines: " + ended.stream().limit(5).toList());
    }

    @Override
    public void close() {
        log.close();
        pipeLog.setLevel(previousLevel);
        if (previous == null) {
            System.clearProperty(Pipe.FORWARDING_PROPERTY);
        } else {
            System.setProperty(Pipe.FORWARDING_PROPERTY, previous);
        }
    }
}
