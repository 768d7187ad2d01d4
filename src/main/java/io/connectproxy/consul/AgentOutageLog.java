package io.connectproxy.consul;

import io.vertx.core.Vertx;
import io.vertx.core.shareddata.LocalMap;
import io.vertx.core.shareddata.Shareable;

import java.util.concurrent.TimeUnit;
import java.util.function.LongSupplier;
import java.util.logging.Logger;

/**
 * Tells the operator once that the agent is down and once that it is back, however many watches and clients
 * notice it: the first failed call of an outage is a WARN with the agent's address and what failed, later
 * failures are counted (with a reminder at INFO at most once a {@link #REMINDER_INTERVAL_MS}), and the first
 * answer after it is an INFO with how long it lasted. Outages that flap are rate-limited too: a new outage within
 * the reminder interval of the last WARN is logged at INFO. One instance per agent address per Vert.x instance
 * (shared through its local map), because the config watcher, the identity and discovery each own a client.
 * Thread-safe: clients on several event loops report to it.
 */
public final class AgentOutageLog implements Shareable {
    private static final Logger LOG = Logger.getLogger(AgentOutageLog.class.getName());
    static final long REMINDER_INTERVAL_MS = 60_000;
    private static final String MAP = "connect-proxy.agent-outages";

    private final String address;
    private final LongSupplier clock;
    private boolean down;
    private long downSinceNanos;
    private long lastRecoveredNanos;
    private long lastReminderNanos;
    private long failedCalls;
    private boolean recoveredOnce;
    /** The process is shutting down: calls cut by closing clients are not an outage worth a WARN. */
    private boolean stopping;

    AgentOutageLog(String address, LongSupplier nanoClock) {
        this.address = address;
        this.clock = nanoClock;
    }

    /** The one instance for this agent address in this Vert.x instance. */
    static AgentOutageLog of(Vertx vertx, String address) {
        LocalMap<String, AgentOutageLog> map = vertx.sharedData().getLocalMap(MAP);
        AgentOutageLog fresh = new AgentOutageLog(address, System::nanoTime);
        AgentOutageLog existing = map.putIfAbsent(address, fresh);
        return existing == null ? fresh : existing;
    }

    /**
     * The proxy in this Vert.x instance is shutting down: its clients and the agent's connections are being
     * closed, and the failures that causes ("Connection was closed") are logged at FINE, not as an outage: a
     * normal shutdown logs no WARN.
     */
    public static void stopping(Vertx vertx) {
        LocalMap<String, AgentOutageLog> map = vertx.sharedData().getLocalMap(MAP);
        for (AgentOutageLog log : map.values()) {
            synchronized (log) {
                log.stopping = true;
            }
        }
    }

    /** True between the first failed call of an outage and the next answer. */
    public synchronized boolean down() {
        return down;
    }

    /** A call failed because the agent is not serving ({@link AgentException#isOutage()}). */
    synchronized void failed(AgentException cause) {
        if (stopping) {
            LOG.fine(() -> "agent call ended by the shutdown: " + cause.getMessage());
            return;
        }
        long now = clock.getAsLong();
        failedCalls++;
        if (!down) {
            down = true;
            downSinceNanos = now;
            lastReminderNanos = now;
            failedCalls = 1;
            String line = "Consul agent at " + address + " is not answering (" + cause.getMessage()
                    + "); retrying with backoff, keeping the last good config, identity and endpoints";
            if (recoveredOnce && now - lastRecoveredNanos < TimeUnit.MILLISECONDS.toNanos(REMINDER_INTERVAL_MS)) {
                LOG.info(line + " (again within a minute)");
            } else {
                LOG.warning(line);
            }
        } else if (now - lastReminderNanos >= TimeUnit.MILLISECONDS.toNanos(REMINDER_INTERVAL_MS)) {
            lastReminderNanos = now;
            long seconds = TimeUnit.NANOSECONDS.toSeconds(now - downSinceNanos);
            LOG.info(() -> "Consul agent at " + address + " still not answering after " + seconds + " s ("
                    + failedCalls + " failed calls): " + cause.getMessage());
        }
    }

    /** A call got an answer (any status that is not an outage). */
    void answered() {
        long millis;
        long calls;
        synchronized (this) {
            if (!down) {
                return;
            }
            down = false;
            long now = clock.getAsLong();
            recoveredOnce = true;
            lastRecoveredNanos = now;
            millis = TimeUnit.NANOSECONDS.toMillis(now - downSinceNanos);
            calls = failedCalls;
        }
        LOG.info(() -> "Consul agent at " + address + " answering again after " + millis + " ms (" + calls
                + " failed calls)");
    }
}
