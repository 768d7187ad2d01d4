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

    private void poll() {
        if (!running) {
            return;
        }
        QueryOptions query;
        if (mode == Mode.INDEX) {
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
        if (failures > 0) {
            LOG.info(() -> "watch " + name + ": agent answering again after " + failures + " failed attempts");
        }
        failures = 0;
        boolean cursorChanged;
        if (mode == Mode.INDEX) {
            long newIndex = response.index();
            cursorChanged = newIndex != index || last == null;
            if (newIndex < index || newIndex <= 0) {
                // the agent's index went backwards (restart, snapshot restore) or is missing: start over
                index = 0;
            } else {
                index = newIndex;
            }
        } else {
            cursorChanged = !response.contentHash().equals(hash) || last == null;
            hash = response.contentHash();
        }
        if (cursorChanged && !Objects.equals(response.body(), last)) {
            last = response.body();
            try {
                changeHandler.accept(last);
            } catch (RuntimeException e) {
                LOG.log(Level.WARNING, "watch " + name + ": change handler failed", e);
            }
        }
        if (mode == Mode.INDEX && index == 0 && last != null) {
            // avoid a tight loop against an agent that never returns an index
            schedule(backoff.delayMillis(1));
        } else {
            poll();
        }
    }

    private void onFailure(Throwable cause) {
        failures++;
        long delay = backoff.delayMillis(failures);
        if (failures == 1) {
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
