package io.connectproxy.inbound;

import io.connectproxy.net.ReadHold;
import io.vertx.core.Future;
import io.vertx.core.Vertx;
import io.vertx.core.net.NetSocket;

import java.util.ArrayDeque;
import java.util.function.Supplier;

/**
 * Bounds the TLS handshakes one event loop runs at once; the connections beyond the bound wait with their bytes
 * left in the kernel ({@link ReadHold}), and their handshake (and its timeout) starts when a slot frees up. Why: a
 * burst of thousands of handshakes started together shares the event loop among all of them, so each finishes only
 * when nearly all are done, and many pass the handshake timeout; bounded, each takes its own few milliseconds.
 * <p>
 * Which waiting connection goes next: the newest, unless the oldest has waited {@code urgentAfterMs} (half the
 * handshake timeout), then the oldest. Newest first keeps a connection that arrives during a burst from waiting
 * for the whole burst (its caller is most likely still there, and a short queue behaves the same either way); the
 * urgent rule keeps the first ones of a long burst from waiting until their callers' own handshake timeouts,
 * which are usually this side's. bench/RESULTS.md has the measurements of the alternatives.
 * <p>
 * A slot is held until the handshake ends, but at most {@link #LEASE_MS}: a peer that connects and sends nothing
 * must not keep others waiting for the whole handshake timeout. Not thread-safe: one instance per event loop,
 * used on it only.
 */
final class HandshakeGate {
    /** How long one handshake may hold its slot; a healthy one takes a few milliseconds of the loop's time. */
    static final long LEASE_MS = 250;
    /** Connections waiting for a slot per event loop before new ones are refused at once. */
    static final int MAX_WAITING = 20_000;

    private final Vertx vertx;
    private final ArrayDeque<Waiting> queue = new ArrayDeque<>();
    private int limit;
    private long urgentAfterNanos;
    private int inFlight;
    private int waiting;

    private static final class Waiting {
        final NetSocket socket;
        final Supplier<Future<?>> start;
        final long sinceNanos = System.nanoTime();
        boolean gone;

        Waiting(NetSocket socket, Supplier<Future<?>> start) {
            this.socket = socket;
            this.start = start;
        }
    }

    /**
     * @param limit         handshakes at once; 0 = no bound
     * @param urgentAfterMs a connection that has waited this long goes before newer ones
     */
    HandshakeGate(Vertx vertx, int limit, long urgentAfterMs) {
        this.vertx = vertx;
        this.limit = limit;
        this.urgentAfterNanos = urgentAfterMs * 1_000_000L;
    }

    /** New settings (config change); waiting connections are let in if the bound grew. */
    void limit(int next, long urgentAfterMs) {
        limit = next;
        urgentAfterNanos = urgentAfterMs * 1_000_000L;
        pump();
    }

    int inFlight() {
        return inFlight;
    }

    int waiting() {
        return waiting;
    }

    /**
     * Runs {@code start} (the handshake) now when a slot is free, or later in arrival order. Call it from the
     * connect handler, before any byte was read. Returns false when too many are waiting already: the caller
     * refuses the connection.
     */
    boolean admit(NetSocket socket, Supplier<Future<?>> start) {
        if (limit <= 0 || (inFlight < limit && queue.isEmpty())) {
            run(start);
            return true;
        }
        if (waiting >= MAX_WAITING) {
            return false;
        }
        if (!ReadHold.hold(socket)) {
            // cannot keep its bytes in the kernel: waiting would lose its ClientHello, so no bound for this one
            run(start);
            return true;
        }
        Waiting w = new Waiting(socket, start);
        // a peer that gives up while waiting (its FIN or RST is still seen) leaves no slot behind
        socket.closeHandler(v -> {
            if (!w.gone) {
                w.gone = true;
                waiting--;
            }
        });
        queue.add(w);
        waiting++;
        return true;
    }

    private void run(Supplier<Future<?>> start) {
        inFlight++;
        boolean[] released = {false};
        Runnable release = () -> {
            if (!released[0]) {
                released[0] = true;
                inFlight--;
                pump();
            }
        };
        long lease = vertx.setTimer(LEASE_MS, t -> release.run());
        Future<?> done;
        try {
            done = start.get();
        } catch (RuntimeException e) {
            vertx.cancelTimer(lease);
            release.run();
            throw e;
        }
        done.onComplete(ar -> {
            vertx.cancelTimer(lease);
            release.run();
        });
    }

    private void pump() {
        while ((limit <= 0 || inFlight < limit) && !queue.isEmpty()) {
            Waiting oldest = queue.peekFirst();
            if (oldest.gone) {
                queue.pollFirst();
                continue;
            }
            Waiting w = System.nanoTime() - oldest.sinceNanos >= urgentAfterNanos ? queue.pollFirst()
                    : queue.pollLast();
            if (w.gone) {
                continue;
            }
            w.gone = true;
            waiting--;
            w.socket.closeHandler(null);
            run(w.start);
        }
    }
}
