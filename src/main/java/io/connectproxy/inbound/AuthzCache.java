package io.connectproxy.inbound;

import io.connectproxy.consul.wire.AuthorizeResult;
import io.vertx.core.Vertx;
import io.vertx.core.shareddata.Shareable;

import java.util.Map;
import java.util.concurrent.ConcurrentHashMap;

/**
 * The agent's authorization answers for one target, shared by the inbound acceptors of all event loops of a
 * proxy: a client decided on one loop is known on every loop, which is what keeps it connecting while the agent
 * is down (with a per-loop cache, its next connection could land on a loop that never saw it). Thread-safe.
 * <p>
 * The generation counts invalidations: an answer asked for before an invalidation is not stored after it.
 */
public final class AuthzCache implements Shareable {
    private static final String LOCAL_MAP = "connect-proxy.authz";

    /** One answer and when it was fetched (nanoTime of the authorizer's clock). */
    record Entry(AuthorizeResult result, long fetchedAt) {
    }

    private final Map<String, Entry> entries = new ConcurrentHashMap<>();
    private long generation;

    /** The cache of {@code target} in this Vert.x instance (one proxy per instance). */
    public static AuthzCache shared(Vertx vertx, String target) {
        return vertx.sharedData().<String, AuthzCache>getLocalMap(LOCAL_MAP)
                .computeIfAbsent(target, t -> new AuthzCache());
    }

    Entry get(String clientUri) {
        return entries.get(clientUri);
    }

    /** Stores {@code entry} unless the cache was invalidated since {@code askedInGeneration}. */
    synchronized void put(String clientUri, Entry entry, long askedInGeneration) {
        if (askedInGeneration == generation) {
            entries.put(clientUri, entry);
        }
    }

    synchronized long generation() {
        return generation;
    }

    synchronized void invalidate() {
        generation++;
        entries.clear();
    }

    int size() {
        return entries.size();
    }
}
