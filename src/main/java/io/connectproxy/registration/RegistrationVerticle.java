package io.connectproxy.registration;

import io.connectproxy.admin.Readiness;
import io.connectproxy.consul.AgentClient;
import io.connectproxy.consul.AgentException;
import io.connectproxy.consul.AgentSettings;
import io.vertx.core.Future;
import io.vertx.core.Promise;
import io.vertx.core.VerticleBase;

import java.util.function.Supplier;
import java.util.logging.Logger;

/**
 * {@code -register}: registers the proxy with the local agent, keeps its TTL check passing only while the proxy
 * is ready (checked every second, a heartbeat at least every third of the TTL), and deregisters when stopped,
 * retrying a few times so a briefly unreachable agent does not leave a stale registration behind.
 * Registration itself is retried with backoff until it succeeds: an agent that is not up yet is not fatal.
 */
public final class RegistrationVerticle extends VerticleBase {
    private static final Logger LOG = Logger.getLogger(RegistrationVerticle.class.getName());
    private static final long POLL_MS = 1_000;
    private static final int DEREGISTER_ATTEMPTS = 4;
    private static final long DEREGISTER_RETRY_MS = 500;
    private static final long REGISTER_RETRY_MAX_MS = 10_000;

    private final AgentSettings settings;
    private final ProxyRegistration registration;
    private final Supplier<Readiness> readiness;
    private AgentClient agent;
    private long timer = -1;
    private boolean registered;
    private boolean stopping;
    private Boolean lastSentReady;
    private long lastSentAt;
    private boolean updateInFlight;
    private long registerRetryMs = 500;

    public RegistrationVerticle(AgentSettings settings, ProxyRegistration registration,
                                Supplier<Readiness> readiness) {
        this.settings = settings;
        this.registration = registration;
        this.readiness = readiness;
    }

    @Override
    public Future<?> start() {
        agent = AgentClient.create(vertx, settings);
        register();
        timer = vertx.setPeriodic(POLL_MS, t -> heartbeat());
        return Future.succeededFuture();
    }

    /** Turns the check critical at once (shutdown has begun), ahead of the next poll. */
    public Future<Void> markShuttingDown() {
        Promise<Void> done = Promise.promise();
        context.runOnContext(v -> {
            if (!registered) {
                done.complete();
                return;
            }
            lastSentReady = false;
            lastSentAt = System.nanoTime();
            agent.updateTtlCheck(registration.checkId(), "fail", "shutting down").onComplete(ar -> done.complete());
        });
        return done.future();
    }

    @Override
    public Future<?> stop() {
        stopping = true;
        vertx.cancelTimer(timer);
        if (!registered) {
            agent.close();
            return Future.succeededFuture();
        }
        Promise<Void> done = Promise.promise();
        deregister(1, done);
        return done.future().onComplete(ar -> agent.close());
    }

    private void register() {
        if (stopping) {
            return;
        }
        agent.registerService(registration.definition()).onComplete(ar -> {
            if (ar.succeeded()) {
                registered = true;
                LOG.info(() -> "registered as " + registration.serviceId() + " (connect-proxy for "
                        + registration.config().serviceName() + ", TTL check " + registration.checkId() + ")");
                heartbeat();
            } else {
                long wait = registerRetryMs;
                registerRetryMs = Math.min(REGISTER_RETRY_MAX_MS, registerRetryMs * 2);
                LOG.warning(() -> "could not register " + registration.serviceId() + " with the agent, retrying in "
                        + wait + " ms: " + ar.cause().getMessage());
                vertx.setTimer(wait, t -> register());
            }
        });
    }

    private void heartbeat() {
        if (!registered || stopping || updateInFlight) {
            return;
        }
        Readiness r = readiness.get();
        boolean changed = lastSentReady == null || lastSentReady != r.ready();
        boolean due = System.nanoTime() - lastSentAt >= registration.ttl().toNanos() / 3;
        if (!changed && !due) {
            return;
        }
        updateInFlight = true;
        String status = r.ready() ? "pass" : "fail";
        String note = r.ready() ? "ready" : String.join("; ", r.reasons());
        agent.updateTtlCheck(registration.checkId(), status, note).onComplete(ar -> {
            updateInFlight = false;
            if (ar.succeeded()) {
                lastSentReady = r.ready();
                lastSentAt = System.nanoTime();
            } else if (ar.cause() instanceof AgentException e && e.status() == 404) {
                // the agent lost the registration (restarted without it): put it back
                LOG.warning(() -> "TTL check " + registration.checkId() + " unknown to the agent; registering again");
                registered = false;
                lastSentReady = null;
                register();
            } else {
                LOG.warning(() -> "TTL check update failed: " + ar.cause().getMessage());
            }
        });
    }

    private void deregister(int attempt, Promise<Void> done) {
        agent.deregisterService(registration.serviceId()).onComplete(ar -> {
            if (ar.succeeded()) {
                LOG.info(() -> "deregistered " + registration.serviceId());
                done.complete();
            } else if (attempt < DEREGISTER_ATTEMPTS) {
                LOG.warning(() -> "deregistering " + registration.serviceId() + " failed (attempt " + attempt + " of "
                        + DEREGISTER_ATTEMPTS + "), retrying: " + ar.cause().getMessage());
                vertx.setTimer(DEREGISTER_RETRY_MS * attempt, t -> deregister(attempt + 1, done));
            } else {
                LOG.warning(() -> "could not deregister " + registration.serviceId() + " after " + DEREGISTER_ATTEMPTS
                        + " attempts; the agent will keep it until removed: " + ar.cause().getMessage());
                done.complete();
            }
        });
    }
}
