package io.connectproxy.net;

import io.vertx.core.Vertx;
import io.vertx.core.shareddata.Shareable;

import java.util.concurrent.atomic.AtomicInteger;

/**
 * The count of one listener's open proxied connections across all event loops, against its bound
 * ({@code max_inbound_connections}, an upstream's {@code max_connections}). A connection is counted from the moment
 * its dial starts (the local app for the public listener, the mesh for an upstream) until its pipe ends; connections
 * still waiting in an {@link AdmissionGate} are not, as the gate bounds those itself and they cost no dial. Every
 * event loop's instance of a listener shares one count, so the bound is per process, not per core. Thread-safe.
 */
public final class ConnectionLimit implements Shareable {
    private static final String LOCAL_MAP = "connect-proxy.connection-limits";

    private final AtomicInteger open = new AtomicInteger();

    /** The count of the listener {@code name} in this Vert.x instance (one proxy per instance). */
    public static ConnectionLimit shared(Vertx vertx, String name) {
        return vertx.sharedData().<String, ConnectionLimit>getLocalMap(LOCAL_MAP)
                .computeIfAbsent(name, n -> new ConnectionLimit());
    }

    /** Whether one more would still fit under {@code max} (0: no bound); a cheap early refusal, counts nothing. */
    public boolean hasRoom(int max) {
        return max <= 0 || open.get() < max;
    }

    /** Counts one more connection unless {@code max} (0: no bound) are open; each true needs one {@link #release}. */
    public boolean tryAcquire(int max) {
        while (true) {
            int now = open.get();
            if (max > 0 && now >= max) {
                return false;
            }
            if (open.compareAndSet(now, now + 1)) {
                return true;
            }
        }
    }

    public void release() {
        open.decrementAndGet();
    }

    public int open() {
        return open.get();
    }
}
