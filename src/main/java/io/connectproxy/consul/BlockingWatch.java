package io.connectproxy.consul;

import io.vertx.core.Future;
import io.vertx.core.Vertx;

import java.time.Duration;
import java.util.Objects;
import java.util.function.BiConsumer;
import java.util.function.Consumer;
import java.util.function.Function;
import java.util.logging.Level;
import java.util.logging.Logger;

/**
 * A long-poll loop over one agent resource, in index mode ({@code X-Consul-Index}) or hash mode
 * ({@code X-Consul-ContentHash}). It follows Consul's client rules: an unchanged cursor is re-polled without
 * notifying, an index that goes backwards resets the cursor to 0, index 0 is sent as 1, errors back off with
 * capped jittered delays on Vert.x timers, and the last good value is kept while failing. Callbacks run on the
 * Vert.x context that called {@link #start()}.
 * <p>
 * A cursor is only meaningful to the agent process that issued it: a {@code -dev} agent restarted without its
 * state has a new CA but answers with the same small indexes (roots at 9 before and after). So after any
 * failed poll (refused, reset, timeout, 5xx) the next read is a non-blocking one whose <em>content</em> is
 * compared with the last value, whatever its index says; {@link #refresh()} does the same on demand.
 */
public final class BlockingWatch<T> {
    private static final Logger LOG = Logger.getLogger(BlockingWatch.class.getName());

    /** What one poll of the resource needs to know. */
    public enum Mode { INDEX, HASH }

    private final Vertx vertx;
    private final String name;
    private final Mode mode;
    private final Function<QueryOptions, Future<AgentResponse<T>>> fetch;
    private final Duration wait;
    private final Backoff backoff;

    private Consumer<T> changeHandler = v -> { };
    private BiConsumer<Throwable, Integer> errorHandler = (e, n) -> { };

    private volatile boolean running;
    private long index;
    private String hash = "";
    private T last;
    private int failures;
    private long timerId = -1;
    /** The next read must not trust the cursor: it is a fresh read compared by content. */
    private boolean resync;
    private boolean refreshing;

    public BlockingWatch(Vertx vertx, String name, Mode mode, Function<QueryOptions, Future<AgentResponse<T>>> fetch,
                         Duration wait, Backoff backoff) {
        this.vertx = Objects.requireNonNull(vertx);
        this.name = Objects.requireNonNull(name);
        this.mode = Objects.requireNonNull(mode);
        this.fetch = Objects.requireNonNull(fetch);
        this.wait = Objects.requireNonNull(wait);
        this.backoff = Objects.requireNonNull(backoff);
    }

    /** Called with each new value: the first one, and each one that differs from the previous. */
    public BlockingWatch<T> onChange(Consumer<T> handler) {
        this.changeHandler = Objects.requireNonNull(handler);
        return this;
    }

    /** Called with each failed poll and the number of consecutive failures so far (1 for the first). */
    public BlockingWatch<T> onError(BiConsumer<Throwable, Integer> handler) {
        this.errorHandler = Objects.requireNonNull(handler);
        return this;
    }

    public BlockingWatch<T> start() {
        if (!running) {
            running = true;
            poll();
        }
        return this;
    }

    public void stop() {
        running = false;
        if (timerId >= 0) {
            vertx.cancelTimer(timerId);
            timerId = -1;
        }
    }

    public String name() {
        return name;
    }

    /** The last good value, or null before the first. */
    public T last() {
        return last;
    }

    public int consecutiveFailures() {
        return failures;
    }

    /** The cursor the next poll will send (for tests and diagnostics). */
    public long index() {
        return index;
    }

    /**
     * Reads the resource at once, without blocking, beside the poll that may be parked at the agent, and notifies
     * when the content differs from the last value (for a caller that learned from elsewhere that its value is
     * stale, e.g. a leaf that does not chain to the roots). At most one refresh is in flight.
     */
    public void refresh() {
        if (!running || refreshing) {
            return;
        }
        refreshing = true;
        Future<AgentResponse<T>> result;
        try {
            result = fetch.apply(QueryOptions.NONE);
        } catch (RuntimeException e) {
            result = Future.failedFuture(e);
        }
        result.onComplete(ar -> {
            refreshing = false;
            if (!running) {
                return;
            }
            if (ar.failed()) {
                LOG.fine(() -> "watch " + name + ": refresh failed: " + ar.cause().getMessage());
                return;
            }
            AgentResponse<T> response = ar.result();
            if (!Objects.equals(response.body(), last)) {
                LOG.info(() -> "watch " + name + ": re-read found a new value (index " + response.index() + ")");
                adoptCursor(response);
                notifyChange(response.body());
            }
        });
    }

    private void poll() {
        if (!running) {
            return;
        }
        QueryOptions query;
        if (resync) {
            query = QueryOptions.NONE;
        } else if (mode == Mode.INDEX) {
            query = index > 0 ? QueryOptions.index(index, wait) : QueryOptions.NONE;
        } else {
            query = hash.isEmpty() ? QueryOptions.NONE : QueryOptions.hash(hash, wait);
        }
        Future<AgentResponse<T>> result;
        try {
            result = fetch.apply(query);
        } catch (RuntimeException e) {
            result = Future.failedFuture(e);
        }
        result.onComplete(ar -> {
            if (!running) {
                return;
            }
            if (ar.succeeded()) {
                onAnswer(ar.result());
            } else {
                onFailure(ar.cause());
            }
        });
    }

    private void onAnswer(AgentResponse<T> response) {
        failures = 0;
        boolean fresh = resync;
        resync = false;
        boolean cursorChanged;
        if (mode == Mode.INDEX) {
            cursorChanged = response.index() != index || last == null;
        } else {
            cursorChanged = !response.contentHash().equals(hash) || last == null;
        }
        adoptCursor(response);
        // after a failure the cursor proves nothing (a restarted agent reuses small indexes): compare the content
        if ((cursorChanged || fresh) && !Objects.equals(response.body(), last)) {
            notifyChange(response.body());
        }
        if (mode == Mode.INDEX && index == 0 && last != null) {
            // avoid a tight loop against an agent that never returns an index
            schedule(backoff.delayMillis(1));
        } else {
            poll();
        }
    }

    private void adoptCursor(AgentResponse<T> response) {
        if (mode == Mode.INDEX) {
            long newIndex = response.index();
            // the agent's index went backwards (restart, snapshot restore) or is missing: start over
            index = newIndex < index || newIndex <= 0 ? 0 : newIndex;
        } else {
            hash = response.contentHash();
        }
    }

    private void notifyChange(T value) {
        last = value;
        try {
            changeHandler.accept(value);
        } catch (RuntimeException e) {
            LOG.log(Level.WARNING, "watch " + name + ": change handler failed", e);
        }
    }

    private void onFailure(Throwable cause) {
        failures++;
        resync = true;
        long delay = backoff.delayMillis(failures);
        if (failures == 1 && AgentException.isOutage(cause)) {
            // the client logs an agent outage once for all watches; this watch's part is detail
            LOG.fine(() -> "watch " + name + ": " + cause.getMessage() + "; retrying in " + delay + " ms");
        } else if (failures == 1) {
            LOG.warning(() -> "watch " + name + ": " + cause.getMessage() + "; retrying in " + delay + " ms"
                    + (last == null ? "" : ", keeping the last good value"));
        } else {
            LOG.fine(() -> "watch " + name + ": attempt " + failures + " failed: " + cause.getMessage());
        }
        try {
            errorHandler.accept(cause, failures);
        } catch (RuntimeException e) {
            LOG.log(Level.WARNING, "watch " + name + ": error handler failed", e);
        }
        schedule(delay);
    }

    private void schedule(long delayMs) {
        if (!running) {
            return;
        }
        timerId = vertx.setTimer(Math.max(1, delayMs), id -> {
            timerId = -1;
            poll();
        });
    }
}
