package io.connectproxy.config;

import io.connectproxy.consul.AgentClient;
import io.connectproxy.consul.Backoff;
import io.connectproxy.consul.wire.AgentService;
import io.vertx.core.Future;
import io.vertx.core.Promise;
import io.vertx.core.Vertx;

import java.util.List;
import java.util.concurrent.TimeUnit;
import java.util.logging.Logger;
import java.util.stream.Collectors;

/**
 * Finds the id of the sidecar proxy registered for a service ({@code -sidecar-for}). The sidecar may be
 * registered after the proxy starts (or the agent may be down), so 0 matches and failures are retried with
 * backoff (Consul's proxy exits at once instead), and what it waits for is restated at INFO every 10 s; more than
 * one match cannot be resolved automatically and fails with an error naming them.
 */
final class SidecarLocator {
    private static final Logger LOG = Logger.getLogger(SidecarLocator.class.getName());
    /**
     * How often the wait is restated at INFO: Consul's proxy exits at once when no sidecar is registered; this one
     * waits, so an operator looking at the log must always find, within 10 s, what it is waiting for.
     */
    static final long WAITING_INFO_INTERVAL_MS = 10_000;

    private final Vertx vertx;
    private final AgentClient client;
    private final String serviceId;
    private final Backoff backoff;
    private final AgentWaitLog waitLog;
    private final Promise<String> result = Promise.promise();

    private final long waitingInfoIntervalMs;

    private int attempts;
    private long timerId = -1;
    private long waitingTimerId = -1;
    private long startedAt;
    private boolean stopped;
    private boolean reportedNone;
    /** Why the last attempt did not find it, for the periodic INFO line. */
    private String lastOutcome = "no answer from the agent yet";

    SidecarLocator(Vertx vertx, AgentClient client, String serviceId, Backoff backoff, AgentWaitLog waitLog) {
        this(vertx, client, serviceId, backoff, waitLog, WAITING_INFO_INTERVAL_MS);
    }

    SidecarLocator(Vertx vertx, AgentClient client, String serviceId, Backoff backoff, AgentWaitLog waitLog,
                   long waitingInfoIntervalMs) {
        this.vertx = vertx;
        this.client = client;
        this.serviceId = serviceId;
        this.backoff = backoff;
        this.waitLog = waitLog;
        this.waitingInfoIntervalMs = waitingInfoIntervalMs;
    }

    /** The sidecar's service id, once found. */
    Future<String> locate() {
        startedAt = System.nanoTime();
        waitingTimerId = vertx.setPeriodic(waitingInfoIntervalMs, id -> logWaiting());
        result.future().onComplete(ar -> cancelWaitingLog());
        attempt();
        return result.future();
    }

    void stop() {
        stopped = true;
        if (timerId >= 0) {
            vertx.cancelTimer(timerId);
        }
        cancelWaitingLog();
    }

    /** What the proxy waits for, as the INFO line and a -wait-timeout exit say it. */
    String waitingFor() {
        return "a connect-proxy registered for service id " + serviceId + " (Proxy.DestinationServiceID) on the "
                + "Consul agent at " + client.address();
    }

    private void logWaiting() {
        if (stopped || result.future().isComplete()) {
            return;
        }
        long waitedS = TimeUnit.NANOSECONDS.toSeconds(System.nanoTime() - startedAt);
        LOG.info(() -> "waiting for " + waitingFor() + ": " + lastOutcome + " [" + waitedS + " s so far]");
    }

    private void cancelWaitingLog() {
        if (waitingTimerId >= 0) {
            vertx.cancelTimer(waitingTimerId);
            waitingTimerId = -1;
        }
    }

    private void attempt() {
        if (stopped) {
            return;
        }
        client.agentServices().onComplete(ar -> {
            if (stopped) {
                return;
            }
            if (ar.failed()) {
                lastOutcome = "the agent did not answer (" + ar.cause().getMessage() + ")";
                waitLog.failed(ar.cause());
                retry();
                return;
            }
            waitLog.answered();
            List<AgentService> sidecars = ar.result().sidecarsOf(serviceId);
            if (sidecars.size() == 1) {
                String id = sidecars.get(0).id();
                LOG.info(() -> "sidecar proxy for service " + serviceId + ": " + id);
                result.tryComplete(id);
            } else if (sidecars.isEmpty()) {
                lastOutcome = "none is registered yet";
                if (!reportedNone) {
                    LOG.warning(() -> "no connect-proxy is registered on the agent for service id " + serviceId
                            + " (Proxy.DestinationServiceID); waiting for it to be registered");
                    reportedNone = true;
                }
                retry();
            } else {
                result.tryFail(new ConfigException("-sidecar-for", sidecars.size() + " sidecar proxies are "
                        + "registered for service " + serviceId + " (" + sidecars.stream().map(AgentService::id)
                        .collect(Collectors.joining(", ")) + "); choose one with -proxy-id"));
            }
        });
    }

    private void retry() {
        attempts++;
        timerId = vertx.setTimer(backoff.delayMillis(attempts), id -> {
            timerId = -1;
            attempt();
        });
    }
}
