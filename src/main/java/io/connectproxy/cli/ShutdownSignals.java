package io.connectproxy.cli;

import java.util.concurrent.atomic.AtomicInteger;
import java.util.function.Consumer;
import java.util.logging.Logger;

/**
 * SIGTERM and SIGINT handled by the proxy instead of the JVM: the first starts a graceful drain, a second one
 * ends the process at once. The JVM's own handling cannot do either: it runs the shutdown hooks (where a drain
 * would end in exit code 143) and ignores further signals while they run. Uses {@code sun.misc.Signal} (module
 * jdk.unsupported, present in every JDK 17+); where it is unavailable the shutdown hook still closes the proxy.
 */
final class ShutdownSignals {
    private static final Logger LOG = Logger.getLogger(ShutdownSignals.class.getName());
    static final String[] SIGNALS = {"TERM", "INT"};

    private ShutdownSignals() {
    }

    /**
     * @param first  called once, on the signal thread, with the signal name; must not block for long
     * @return true when the handlers are installed
     */
    static boolean install(Consumer<String> first) {
        AtomicInteger count = new AtomicInteger();
        try {
            for (String name : SIGNALS) {
                sun.misc.Signal.handle(new sun.misc.Signal(name), signal -> {
                    if (count.incrementAndGet() == 1) {
                        first.accept("SIG" + signal.getName());
                    } else {
                        LOG.warning(() -> "SIG" + signal.getName() + " again: exiting now without draining");
                        Runtime.getRuntime().halt(128 + signal.getNumber());
                    }
                });
            }
            return true;
        } catch (IllegalArgumentException | LinkageError e) {
            // e.g. -Xrs, or a signal the VM reserves on this platform
            LOG.fine(() -> "signal handlers not installed, shutdown hook only: " + e);
            return false;
        }
    }
}
