package io.connectproxy.identity;

import java.util.ArrayList;
import java.util.List;

import io.netty.handler.ssl.OpenSslSessionStats;
import io.vertx.core.Vertx;
import io.vertx.core.shareddata.Shareable;

/**
 * How many of the public listener's TLS handshakes resumed a session from a ticket, over every TLS context this
 * proxy built for it (BoringSSL counts them per context). Contexts of an identity that was replaced are read one
 * last time and dropped, so a rotation neither loses their count nor keeps them alive. Thread-safe.
 */
public final class ResumedHandshakes implements Shareable {
    private static final String LOCAL_MAP = "connect-proxy.resumed-handshakes";
    /** Contexts tracked at once; Vert.x builds one per event loop and options, so more means a leak upstream. */
    private static final int MAX_TRACKED = 64;

    private record Tracked(Object identityKey, OpenSslSessionStats stats) {
    }

    private final List<Tracked> live = new ArrayList<>();
    private long retired;

    /** The count of the public listener of the proxy that runs on {@code vertx} (one proxy per Vert.x). */
    public static ResumedHandshakes shared(Vertx vertx) {
        return vertx.sharedData().<String, ResumedHandshakes>getLocalMap(LOCAL_MAP)
                .computeIfAbsent("public", k -> new ResumedHandshakes());
    }

    /** A new server context for {@code identityKey}; contexts of other identities are folded into the total. */
    synchronized void track(Object identityKey, OpenSslSessionStats stats) {
        live.removeIf(t -> {
            if (!t.identityKey().equals(identityKey) || live.size() > MAX_TRACKED) {
                retired += resumed(t.stats());
                return true;
            }
            return false;
        });
        live.add(new Tracked(identityKey, stats));
    }

    /** Handshakes resumed so far. */
    public synchronized long count() {
        long sum = retired;
        for (Tracked t : live) {
            sum += resumed(t.stats());
        }
        return sum;
    }

    private static long resumed(OpenSslSessionStats stats) {
        return stats.ticketKeyResume();
    }
}
