package io.connectproxy.net;

import java.time.Duration;
import java.util.Objects;
import java.util.concurrent.TimeUnit;
import java.util.logging.Level;
import java.util.logging.Logger;

import io.vertx.core.Future;
import io.vertx.core.Promise;
import io.vertx.core.Vertx;
import io.vertx.core.buffer.Buffer;
import io.vertx.core.net.NetSocket;

/**
 * Joins two sockets both ways until the conversation is over: backpressure (a side is paused while the other's
 * write queue is above the high-water mark and resumed on drain), TCP half-close passed through (see
 * {@link HalfClose}), an optional idle timeout, and the other side closed when one closes or fails.
 * The result says how many bytes went each way and why it ended.
 *
 * <p>Both sockets must deliver their events on the same event loop as the caller of {@link #start} (the proxy
 * dials from the accepting verticle, so they do): the pipe keeps plain fields and no locks. Per chunk it does one
 * {@code write} and reads one clock; nothing else is allocated beyond what Vert.x does.
 */
public final class Pipe {

    private static final Logger LOG = Logger.getLogger(Pipe.class.getName());

    private final Vertx vertx;
    private final PipeOptions options;
    private final Side a;
    private final Side b;
    private final Promise<PipeResult> result = Promise.promise();
    private final long startNanos = System.nanoTime();
    private long lastActivityNanos = startNanos;
    private long idleTimerId = -1;
    private boolean finished;

    private Pipe(Vertx vertx, NetSocket a, NetSocket b, PipeOptions options) {
        this.vertx = vertx;
        this.options = options;
        this.a = new Side("A", a);
        this.b = new Side("B", b);
        this.a.other = this.b;
        this.b.other = this.a;
    }

    /** Starts forwarding between {@code a} and {@code b} (resuming them if the caller paused them). */
    public static Pipe start(Vertx vertx, NetSocket a, NetSocket b, PipeOptions options) {
        Objects.requireNonNull(vertx, "vertx");
        Pipe pipe = new Pipe(vertx, Objects.requireNonNull(a, "a"), Objects.requireNonNull(b, "b"),
                Objects.requireNonNull(options, "options"));
        pipe.wire(pipe.a);
        pipe.wire(pipe.b);
        pipe.scheduleIdleCheck(options.idleTimeout().toNanos());
        pipe.a.socket.resume();
        pipe.b.socket.resume();
        return pipe;
    }

    /**
     * Switches {@code socket} to half-close mode now, ahead of {@link #start}. Call it first thing in a connect
     * handler when the pipe starts only after asynchronous steps (authorization, dialing): a FIN that arrives
     * before half-close is on closes the whole channel, so the peer's "I am done sending" would otherwise cost it
     * the answer. The EOF is queued behind the data of the (paused) socket until the pipe reads it. Returns false
     * when the transport cannot do it (the pipe then closes both sides on the first EOF).
     */
    public static boolean enableHalfClose(NetSocket socket) {
        return HalfClose.enable(Objects.requireNonNull(socket, "socket")) != null;
    }

    /** Completes once both sockets are closed; never fails. */
    public Future<PipeResult> result() {
        return result.future();
    }

    public long bytesAToB() {
        return a.bytesRead;
    }

    public long bytesBToA() {
        return b.bytesRead;
    }

    /** Ends the pipe from our side: queued bytes are flushed, then both sockets are closed. */
    public Future<PipeResult> close() {
        finish(PipeResult.Reason.CLOSED_LOCALLY, null, true);
        return result.future();
    }

    private void wire(Side side) {
        NetSocket s = side.socket;
        s.setWriteQueueMaxSize(options.writeQueueHighWaterMark());
        if (options.halfClose()) {
            side.halfClose = HalfClose.enable(s);
        }
        s.handler(buffer -> onData(side, buffer));
        s.endHandler(v -> onClosedAndDrained(side));
        s.exceptionHandler(e -> onError(side, e));
        // our write queue towards `side` has room again: let the other side send more
        s.drainHandler(v -> onDrain(side.other));
    }

    private void onData(Side from, Buffer buffer) {
        if (finished) {
            return;
        }
        if (buffer.length() == 0) {
            // HalfClose's marker: queued behind all data, so everything before it has been forwarded
            if (from.halfClose != null && from.halfClose.inputShutdown()) {
                onHalfClosed(from);
            }
            return;
        }
        from.bytesRead += buffer.length();
        lastActivityNanos = System.nanoTime();
        Side to = from.other;
        to.lastWrite = to.socket.write(buffer);
        if (!from.paused && to.socket.writeQueueFull()) {
            from.paused = true;
            from.pauses++;
            from.socket.pause();
        }
    }

    private void onDrain(Side source) {
        if (source.paused && !finished) {
            source.paused = false;
            source.socket.resume();
        }
    }

    /** {@code from} sent FIN but still reads: pass the FIN on once what we wrote before it is out. */
    private void onHalfClosed(Side from) {
        if (from.ended) {
            return;
        }
        from.ended = true;
        if (from.other.ended) {
            finish(PipeResult.Reason.COMPLETED, null, true);
            return;
        }
        Side to = from.other;
        if (to.halfClose == null) {
            // the other side cannot take a half-close: closing it is the only way to signal EOF
            finish(from.closedReason(), null, true);
            return;
        }
        to.lastWrite.onComplete(written -> {
            if (finished) {
                return;
            }
            if (written.failed()) {
                finish(to.errorReason(), written.cause(), false);
            } else {
                to.halfClose.shutdownOutput().onFailure(e -> finish(to.errorReason(), e, false));
            }
        });
    }

    /** Vert.x's end: the channel is closed and all its data has been delivered. */
    private void onClosedAndDrained(Side side) {
        boolean cleanEnd = side.ended && side.other.ended;
        side.ended = true;
        finish(cleanEnd ? PipeResult.Reason.COMPLETED : side.closedReason(), null, true);
    }

    private void onError(Side side, Throwable e) {
        if (!finished) {
            LOG.log(Level.FINE, e, () -> "pipe side " + side.name + " failed");
        }
        finish(side.errorReason(), e, false);
    }

    private void scheduleIdleCheck(long delayNanos) {
        if (delayNanos <= 0 || finished) {
            return;
        }
        // one timer per idle period, not one per chunk: activity only moves a timestamp
        idleTimerId = vertx.setTimer(Math.max(1, TimeUnit.NANOSECONDS.toMillis(delayNanos)), id -> {
            long idle = System.nanoTime() - lastActivityNanos;
            long limit = options.idleTimeout().toNanos();
            if (idle >= limit) {
                finish(PipeResult.Reason.IDLE_TIMEOUT, null, false);
            } else {
                scheduleIdleCheck(limit - idle);
            }
        });
    }

    private void finish(PipeResult.Reason reason, Throwable cause, boolean flush) {
        if (finished) {
            return;
        }
        finished = true;
        if (idleTimerId >= 0) {
            vertx.cancelTimer(idleTimerId);
        }
        Future<Void> closeA = closeSide(a, flush);
        Future<Void> closeB = closeSide(b, flush);
        Future.join(closeA, closeB).onComplete(done -> {
            PipeResult r = new PipeResult(a.bytesRead, b.bytesRead, reason, cause, a.pauses, b.pauses,
                    Duration.ofNanos(System.nanoTime() - startNanos));
            LOG.fine(() -> "pipe " + a.socket.remoteAddress() + " <-> " + b.socket.remoteAddress() + " ended: " + r);
            result.complete(r);
        });
    }

    private static Future<Void> closeSide(Side side, boolean flush) {
        if (side.paused) {
            side.paused = false;
            side.socket.resume(); // let Vert.x deliver the close/end events of a paused socket
        }
        Future<Void> before = flush ? side.lastWrite.transform(ar -> Future.succeededFuture())
                : Future.succeededFuture();
        return before.compose(v -> side.socket.close()).recover(e -> Future.succeededFuture());
    }

    /** One socket and the state of the direction that reads from it. */
    private static final class Side {
        final String name;
        final NetSocket socket;
        Side other;
        HalfClose.Handle halfClose;
        long bytesRead;
        long pauses;
        boolean paused;
        /** We have seen this side's EOF (half-close or close). */
        boolean ended;
        /** The last write towards this socket; pass a FIN or close only after it. */
        Future<Void> lastWrite = Future.succeededFuture();

        Side(String name, NetSocket socket) {
            this.name = name;
            this.socket = socket;
        }

        PipeResult.Reason closedReason() {
            return "A".equals(name) ? PipeResult.Reason.A_CLOSED : PipeResult.Reason.B_CLOSED;
        }

        PipeResult.Reason errorReason() {
            return "A".equals(name) ? PipeResult.Reason.A_ERROR : PipeResult.Reason.B_ERROR;
        }
    }
}
