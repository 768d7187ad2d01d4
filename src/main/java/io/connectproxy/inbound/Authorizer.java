package io.connectproxy.inbound;

import io.connectproxy.consul.AgentClient;
import io.connectproxy.consul.wire.AuthorizeRequest;
import io.connectproxy.consul.wire.AuthorizeResult;
import io.vertx.core.Future;
import io.vertx.core.Promise;

import java.time.Duration;
import java.util.HashMap;
import java.util.Map;
import java.util.function.LongSupplier;

/**
 * Answers "may this client connect to the proxied service?" with an agent {@code authorize} call, cached per
 * client SPIFFE id. Consul's own proxy calls the agent on every connection with no timeout; here the common case
 * costs no round-trip, a miss is bounded by {@code timeout}, concurrent misses for one client share one call, and
 * an agent that is down leaves cached answers usable (stale ones included) while an unknown client is denied.
 * <p>
 * Entries are dropped by {@link #invalidateAll()} when intentions or roots change, and refreshed after
 * {@code maxAge} so a missed invalidation cannot keep a stale allow for ever. One instance per inbound verticle
 * instance (one event loop), so calls in flight are per loop; the answers themselves live in an
 * {@link AuthzCache} shared by all loops.
 */
public final class Authorizer {
    private final AgentClient agent;
    private final String target;
    private final Duration timeout;
    private final long maxAgeNanos;
    private final LongSupplier clock;
    private final AuthzCache cache;
    private final Map<String, Future<AuthzDecision>> inFlight = new HashMap<>();

    public Authorizer(AgentClient agent, String target, Duration timeout, Duration maxAge, AuthzCache cache) {
        this(agent, target, timeout, maxAge, cache, System::nanoTime);
    }

    Authorizer(AgentClient agent, String target, Duration timeout, Duration maxAge, AuthzCache cache,
               LongSupplier clock) {
        this.cache = cache;
        this.agent = agent;
        this.target = target;
        this.timeout = timeout;
        this.maxAgeNanos = maxAge.toNanos();
        this.clock = clock;
    }

    public String target() {
        return target;
    }

    public Future<AuthzDecision> authorize(String clientUri, String clientSerial) {
        AuthzCache.Entry cached = cache.get(clientUri);
        long now = clock.getAsLong();
        if (cached != null && now - cached.fetchedAt() < maxAgeNanos) {
            return Future.succeededFuture(decision(cached.result(), true));
        }
        return ask(clientUri, clientSerial, cached);
    }

    /**
     * Asks the agent again whatever the cache holds (the periodic re-check of open connections: without this a
     * cached allow would keep them open until {@code maxAge}), and caches the new answer. When the agent cannot
     * answer, the cached answer is returned as it was (an open connection is not cut because the agent is down).
     */
    public Future<AuthzDecision> recheck(String clientUri, String clientSerial) {
        return ask(clientUri, clientSerial, cache.get(clientUri));
    }

    /** Bumped by {@link #invalidateAll()}: a decision taken in an older generation may be stale. */
    public long generation() {
        return cache.generation();
    }

    private Future<AuthzDecision> ask(String clientUri, String clientSerial, AuthzCache.Entry cached) {
        Future<AuthzDecision> pending = inFlight.get(clientUri);
        if (pending != null) {
            return pending;
        }
        Promise<AuthzDecision> promise = Promise.promise();
        inFlight.put(clientUri, promise.future());
        long askedInGeneration = cache.generation();
        agent.authorize(new AuthorizeRequest(target, clientUri, clientSerial), timeout).onComplete(ar -> {
            inFlight.remove(clientUri);
            if (ar.succeeded()) {
                cache.put(clientUri, new AuthzCache.Entry(ar.result(), clock.getAsLong()), askedInGeneration);
                promise.complete(decision(ar.result(), false));
            } else if (cached != null) {
                // agent unreachable but we decided for this client before: keep serving that answer
                promise.complete(decision(cached.result(), true));
            } else {
                promise.complete(AuthzDecision.agentUnavailable(ar.cause().getMessage()));
            }
        });
        return promise.future();
    }

    /** Intentions or roots changed: every cached answer may be wrong now. */
    public void invalidateAll() {
        cache.invalidate();
    }

    /** Cached answers, for tests and diagnostics. */
    public int size() {
        return cache.size();
    }

    private static AuthzDecision decision(AuthorizeResult r, boolean fromCache) {
        return new AuthzDecision(r.authorized(), r.reason(), fromCache, false);
    }
}
