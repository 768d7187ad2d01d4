package io.connectproxy.net;

import java.time.Duration;
import java.util.Objects;
import java.util.concurrent.TimeUnit;
import java.util.logging.Level;
import java.util.logging.Logger;

import io.connectproxy.logging.LogFields;
import io.netty.buffer.ByteBuf;
import io.netty.util.ReferenceCountUtil;
import io.vertx.core.Future;
import io.vertx.core.Promise;
import io.vertx.core.Vertx;
import io.vertx.core.buffer.Buffer;
import io.vertx.core.internal.net.NetSocketInternal;
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
 *
 * <p>Two ways to move a read (see {@link PipeOptions.Forwarding}). Vert.x's public API hands every read to the
 * application as a heap copy of Netty's pooled buffer, and under a stream that copy is most of a sidecar's
 * allocation and a good part of its CPU. So by default, when both sockets are Vert.x's own, the pipe takes the
 * reads as Netty delivered them ({@link NetSocketInternal#messageHandler}) and writes that same buffer to the other
 * socket ({@code writeMessage}), which hands it to Netty to release once written (or once the write fails). Every
 * buffer the pipe takes and does not write is released here. Backpressure, half-close and byte counts are the same
 * on both paths: Vert.x still queues reads of a paused socket (with the HalfClose marker behind them) and counts
 * queued writes the same way. The public-API path stays as the fallback for sockets of another implementation and
 * for an operator who sets {@value #FORWARDING_PROPERTY}{@code =copy}.
 */
public final class Pipe {

    /** System property: {@code copy} makes {@link PipeOptions.Forwarding#DEFAULT} the public-API (copying) path. */
    public static final String FORWARDING_PROPERTY = "connectproxy.pipe.forwarding";

    private static final Logger LOG = Logger.getLogger(Pipe.class.getName());
    /** How the FINE end-of-pipe line names the path taken (tests of both paths check it). */
    static final String PASSED_THROUGH = "buffers passed through";
    static final String COPIED = "reads copied";
    /** The last unrecognised {@value #FORWARDING_PROPERTY} value warned about, so that it is said once, not per pipe. */
    private static volatile String warnedForwardingValue;

    private final Vertx vertx;
    private final PipeOptions options;
    private final Side a;
    private final Side b;
    private final Promise<PipeResult> result = Promise.promise();
    private final long startNanos = System.nanoTime();
    private long lastActivityNanos = startNanos;
    private long idleTimerId = -1;
    private boolean finished;
    /** Reads are Netty's buffers, written on without a copy. */
    private final boolean passThrough;

    private Pipe(Vertx vertx, NetSocket a, NetSocket b, PipeOptions options) {
        this.vertx = vertx;
        this.options = options;
        this.passThrough = resolve(options.forwarding()) == PipeOptions.Forwarding.PASS_THROUGH
                && a instanceof NetSocketInternal && b instanceof NetSocketInternal;
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

    /** True when this pipe forwards Netty's buffers without copying them (for tests of both paths). */
    boolean passesBuffersThrough() {
        return passThrough;
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
        if (passThrough) {
            ((NetSocketInternal) s).messageHandler(msg -> onMessage(side, msg));
        } else {
            s.handler(buffer -> onData(side, buffer));
        }
        s.endHandler(v -> onClosedAndDrained(side));
        s.exceptionHandler(e -> onError(side, e));
        // our write queue towards `side` has room again: let the other side send more
        s.drainHandler(v -> onDrain(side.other));
    }

    /** The pass-through path: what Vert.x read, as Netty delivered it (ours to write or to release). */
    private void onMessage(Side from, Object msg) {
        if (msg instanceof ByteBuf buf) {
            onByteBuf(from, buf);
        } else if (msg instanceof Buffer buffer) {
            // read while the socket waited for the pipe, under Vert.x's default handler: already a copy
            onData(from, buffer);
        } else {
            ReferenceCountUtil.release(msg); // not data; Vert.x's own handler drops such messages too
        }
    }

    private void onByteBuf(Side from, ByteBuf buf) {
        int length = buf.readableBytes();
        if (finished || length == 0) {
            buf.release();
            if (!finished) {
                onEndMarker(from);
            }
            return;
        }
        forwarded(from, length, from.other.internal.writeMessage(buf));
    }

    /** The public-API path: each read is a heap copy Vert.x made. */
    private void onData(Side from, Buffer buffer) {
        if (finished) {
            return;
        }
        if (buffer.length() == 0) {
            onEndMarker(from);
            return;
        }
        forwarded(from, buffer.length(), from.other.socket.write(buffer));
    }

    /** An empty read: HalfClose's marker, queued behind all data, so everything before it has been forwarded. */
    private void onEndMarker(Side from) {
        if (from.halfClose != null && from.halfClose.inputShutdown()) {
            onHalfClosed(from);
        }
    }

    /** {@code length} bytes read from {@code from} were handed to the other side as {@code write}. */
    private void forwarded(Side from, int length, Future<Void> write) {
        from.bytesRead += length;
        lastActivityNanos = System.nanoTime();
        Side to = from.other;
        to.lastWrite = write;
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

    private static PipeOptions.Forwarding resolve(PipeOptions.Forwarding requested) {
        if (requested != PipeOptions.Forwarding.DEFAULT) {
            return requested;
        }
        String value = System.getProperty(FORWARDING_PROPERTY);
        if (value == null || value.isBlank() || value.equalsIgnoreCase("pass-through")) {
            return PipeOptions.Forwarding.PASS_THROUGH;
        }
        if (value.equalsIgnoreCase("copy")) {
            return PipeOptions.Forwarding.COPY;
        }
        if (!value.equals(warnedForwardingValue)) {
            warnedForwardingValue = value;
            LogFields.log(LOG, Level.WARNING, "unknown pipe forwarding, using pass-through", "property",
                    FORWARDING_PROPERTY, "value", value, "allowed", "pass-through, copy");
        }
        return PipeOptions.Forwarding.PASS_THROUGH;
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
            LOG.fine(() -> "pipe " + a.socket.remoteAddress() + " <-> " + b.socket.remoteAddress() + " ended ("
                    + (passThrough ? PASSED_THROUGH : COPIED) + "): " + r);
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
        /** The same socket where the pass-through path can use it, else null. */
        final NetSocketInternal internal;
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
            this.internal = socket instanceof NetSocketInternal i ? i : null;
        }

        PipeResult.Reason closedReason() {
            return "A".equals(name) ? PipeResult.Reason.A_CLOSED : PipeResult.Reason.B_CLOSED;
        }

        PipeResult.Reason errorReason() {
            return "A".equals(name) ? PipeResult.Reason.A_ERROR : PipeResult.Reason.B_ERROR;
        }
    }
}
