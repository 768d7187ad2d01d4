package io.connectproxy.config;

import io.connectproxy.consul.AgentClient;
import io.connectproxy.consul.Backoff;
import io.connectproxy.consul.wire.AgentService;
import io.vertx.core.Future;
import io.vertx.core.Promise;
import io.vertx.core.Vertx;

import java.util.List;
import java.util.logging.Logger;
import java.util.stream.Collectors;

/**
 * Finds the id of the sidecar proxy registered for a service ({@code -sidecar-for}). The sidecar may be
 * registered after the proxy starts (or the agent may be down), so 0 matches and failures are retried with
 * backoff; more than one match cannot be resolved automatically and fails with an error naming them.
 */
final class SidecarLocator {
    private static final Logger LOG = Logger.getLogger(SidecarLocator.class.getName());

    private final Vertx vertx;
    private final AgentClient client;
    private final String serviceId;
    private final Backoff backoff;
    private final AgentWaitLog waitLog;
    private final Promise<String> result = Promise.promise();

    private int attempts;
    private long timerId = -1;
    private boolean stopped;
    private boolean reportedNone;

    SidecarLocator(Vertx vertx, AgentClient client, String serviceId, Backoff backoff, AgentWaitLog waitLog) {
        this.vertx = vertx;
        this.client = client;
        this.serviceId = serviceId;
        this.backoff = backoff;
        this.waitLog = waitLog;
    }

    /** The sidecar's service id, once found. */
    Future<String> locate() {
        attempt();
        return result.future();
    }

    void stop() {
        stopped = true;
        if (timerId >= 0) {
            vertx.cancelTimer(timerId);
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
