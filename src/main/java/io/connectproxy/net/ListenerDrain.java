package io.connectproxy.net;

import io.vertx.core.Context;
import io.vertx.core.Future;
import io.vertx.core.Promise;

import java.time.Duration;
import java.util.Objects;
import java.util.function.Supplier;

/**
 * The graceful end of a listener verticle's life (SIGTERM): stop accepting, let the open connections finish, close
 * the listeners when the last one ends or at the deadline, whichever comes first. Shared by the public and the
 * upstream listeners so both drain the same way.
 * <p>
 * The verticle tells it when a connection opens and closes; the close that brings the count to zero while
 * draining completes the drain at once, so no timer polls the count. Not {@code NetServer.shutdown(timeout)}:
 * Vert.x 5.2 closes every open connection of a shared (fixed-port) server at once whatever the timeout, so the
 * port stays bound until this instance is idle.
 * <p>
 * Not thread-safe: one instance per verticle, used on its event loop; {@link #drain} may be called from anywhere.
 */
public final class ListenerDrain {
    private int open;
    private boolean draining;
    private Promise<Void> idle;

    /** True once a drain started: new connections are to be closed on arrival. */
    public boolean draining() {
        return draining;
    }

    /** Connections counted as open now. */
    public int open() {
        return open;
    }

    /** A connection the drain must wait for has begun. */
    public void opened() {
        open++;
    }

    /** A connection counted by {@link #opened()} has ended. */
    public void closed() {
        open--;
        if (open <= 0 && idle != null) {
            idle.tryComplete();
        }
    }

    /**
     * Stops accepting, then runs {@code closeListeners} when no connection is open or {@code timeout} has passed
     * (closing a listener cuts what is left). Completes when the listeners have closed, failed or not.
     *
     * @param context the verticle's context, where the count lives
     */
    public Future<Void> drain(Context context, Duration timeout, Supplier<Future<?>> closeListeners) {
        Objects.requireNonNull(closeListeners);
        Promise<Void> done = Promise.promise();
        context.runOnContext(v -> {
            draining = true;
            if (idle == null) {
                idle = Promise.promise();
            }
            long timer = open <= 0 || timeout.toMillis() <= 0 ? -1
                    : context.owner().setTimer(timeout.toMillis(), t -> idle.tryComplete());
            if (timer == -1) {
                idle.tryComplete();
            }
            idle.future()
                    .compose(x -> {
                        context.owner().cancelTimer(timer);
                        return closeListeners.get();
                    })
                    .onComplete(ar -> done.complete());
        });
        return done.future();
    }
}
