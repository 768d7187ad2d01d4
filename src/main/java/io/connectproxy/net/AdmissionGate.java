package io.connectproxy.net;

import io.vertx.core.Future;
import io.vertx.core.Vertx;
import io.vertx.core.net.NetSocket;

import java.util.ArrayDeque;
import java.util.function.Supplier;

/**
 * Bounds how many connection set-ups (a TLS handshake on the public listener, a mesh dial on an upstream listener)
 * one event loop runs at once; the connections beyond the bound wait, and their set-up (and its timeout) starts
 * when a slot frees up. Why: a burst of thousands of set-ups started together shares the event loop among all of
 * them, so each finishes only when nearly all are done, past the handshake timeouts on both sides; bounded, each
 * takes its own few milliseconds while the rest wait where no timer runs.
 * <p>
 * Which waiting connection goes next: the newest, unless the oldest has waited {@code urgentAfterMs}, then the
 * oldest. Newest first keeps a connection that arrives during a burst from waiting for the whole burst (its peer is
 * most likely still there; a short queue behaves the same either way); the urgent rule keeps the first ones of a
 * long burst from waiting into their peers' timeouts. bench/RESULTS.md has the measurements of the alternatives.
 * <p>
 * A slot is held until the set-up ends, but at most {@link #LEASE_MS}: a peer that connects and sends nothing must
 * not hold others back for a whole timeout. Not thread-safe: one instance per event loop, used on it only.
 */
public final class AdmissionGate {
    /** How long one set-up may hold its slot; a healthy one takes a few milliseconds. */
    static final long LEASE_MS = 250;
    /** Connections waiting per event loop before new ones are refused at once. */
    public static final int MAX_WAITING = 20_000;

    private final Vertx vertx;
    private final boolean holdReads;
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
     * @param holdReads     leave a waiting socket's bytes in the kernel ({@link ReadHold}): for sockets that are
     *                      upgraded to TLS when their turn comes, whose ClientHello must reach the TLS handler
     * @param limit         set-ups at once; 0 = no bound
     * @param urgentAfterMs a connection that has waited this long goes before newer ones
     */
    public AdmissionGate(Vertx vertx, boolean holdReads, int limit, long urgentAfterMs) {
        this.vertx = vertx;
        this.holdReads = holdReads;
        this.limit = limit;
        this.urgentAfterNanos = urgentAfterMs * 1_000_000L;
    }

    /** New settings (config change); waiting connections are let in if the bound grew. */
    public void limit(int next, long urgentAfterMs) {
        limit = next;
        urgentAfterNanos = urgentAfterMs * 1_000_000L;
        pump();
    }

    public int inFlight() {
        return inFlight;
    }

    public int waiting() {
        return waiting;
    }

    /**
     * Runs {@code start} now when a slot is free, or later; its future ends the set-up. Call it from the connect
     * handler, before any byte was read. Returns false when too many wait already: the caller refuses the
     * connection. A waiting socket that closes is dropped (its close handler is this gate's until it starts).
     */
    public boolean admit(NetSocket socket, Supplier<Future<?>> start) {
        if (limit <= 0 || (inFlight < limit && waiting == 0)) {
            run(start);
            return true;
        }
        if (waiting >= MAX_WAITING) {
            return false;
        }
        if (holdReads && !ReadHold.hold(socket)) {
            // its bytes cannot stay in the kernel: waiting would lose its ClientHello, so no bound for this one
            run(start);
            return true;
        }
        Waiting w = new Waiting(socket, start);
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
