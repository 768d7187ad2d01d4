package io.connectproxy.config;

import io.connectproxy.consul.AgentException;

import java.util.concurrent.TimeUnit;
import java.util.function.LongSupplier;
import java.util.logging.Level;
import java.util.logging.Logger;

/**
 * Tells the operator why the proxy has no config yet without flooding the log: the first failure of a kind is
 * a warning ({@code waiting for Consul agent at http://127.0.0.1:8500}), repeats are logged at most once per
 * interval, and the recovery is logged once. Used from one Vert.x context only.
 */
final class AgentWaitLog {
    private static final Logger LOG = Logger.getLogger(AgentWaitLog.class.getName());

    private final String agentAddress;
    private final String what;
    private final long intervalNanos;
    private final LongSupplier clock;

    private String lastKind;
    private long lastLoggedAt;
    private int failures;

    /**
     * @param agentAddress the agent as shown to the operator
     * @param what         what is being read, e.g. {@code proxy registration web-sidecar-proxy}
     */
    AgentWaitLog(String agentAddress, String what, long intervalMs) {
        this(agentAddress, what, intervalMs, System::nanoTime);
    }

    AgentWaitLog(String agentAddress, String what, long intervalMs, LongSupplier clock) {
        this.agentAddress = agentAddress;
        this.what = what;
        this.intervalNanos = TimeUnit.MILLISECONDS.toNanos(intervalMs);
        this.clock = clock;
    }

    /** @return the message that was logged, or null when this failure was rate-limited */
    String failed(Throwable cause) {
        failures++;
        String kind;
        String message;
        if (cause instanceof AgentException ae && (ae.reason() == AgentException.Reason.UNREACHABLE
                || ae.reason() == AgentException.Reason.TIMEOUT)) {
            kind = "unreachable";
            message = "waiting for Consul agent at " + agentAddress + " (" + ae.reason().name().toLowerCase()
                    + ")";
        } else if (cause instanceof AgentException ae && ae.isNotFound()) {
            kind = "missing";
            message = "waiting for the " + what + " to be registered with the Consul agent at " + agentAddress;
        } else if (cause instanceof AgentException ae && ae.status() == 403) {
            kind = "denied";
            message = "the Consul agent at " + agentAddress + " denied reading the " + what + " (" + ae.body()
                    + "); check the token; retrying";
        } else {
            kind = "other";
            message = "reading the " + what + " from the Consul agent at " + agentAddress + " failed: "
                    + cause.getMessage() + "; retrying";
        }
        long now = clock.getAsLong();
        boolean newKind = !kind.equals(lastKind);
        if (newKind || now - lastLoggedAt >= intervalNanos) {
            String line = newKind ? message : message + " [" + failures + " attempts so far]";
            // an unreachable agent is already a WARN from the agent client's outage log, once for all readers
            boolean warn = newKind && !kind.equals("unreachable");
            LOG.log(warn ? Level.WARNING : Level.INFO, line);
            lastKind = kind;
            lastLoggedAt = now;
            return line;
        }
        return null;
    }

    /** @return the message that was logged, or null when there was nothing to report */
    String answered() {
        if (lastKind == null) {
            failures = 0;
            return null;
        }
        String line = "Consul agent at " + agentAddress + " answered the " + what + " after " + failures
                + " failed attempts";
        LOG.info(line);
        lastKind = null;
        failures = 0;
        return line;
    }
}
