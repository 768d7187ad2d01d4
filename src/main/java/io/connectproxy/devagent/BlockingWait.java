package io.connectproxy.devagent;

import io.vertx.core.Future;
import io.vertx.core.Promise;
import io.vertx.core.Vertx;
import io.vertx.core.http.HttpServerResponse;

import java.time.Duration;
import java.util.concurrent.ThreadLocalRandom;
import java.util.function.BooleanSupplier;
import java.util.function.LongSupplier;
import java.util.function.Supplier;

/**
 * Parks a blocking query on a timer and the change feed, never on a thread. The future completes when the answer
 * changed or the wait ran out; either way the caller then renders the current answer.
 */
final class BlockingWait {

    private final Vertx vertx;
    private final ChangeFeed feed;

    BlockingWait(Vertx vertx, ChangeFeed feed) {
        this.vertx = vertx;
        this.feed = feed;
    }

    /** Index mode: waits until the answer's index exceeds {@code params.index()}; adds up to wait/16 jitter like Consul. */
    Future<Void> untilIndex(BlockingParams params, LongSupplier currentIndex, HttpServerResponse response) {
        if (params.index() == 0) {
            return Future.succeededFuture();
        }
        long waitMs = params.waitTime().toMillis();
        long jitter = waitMs / 16 > 0 ? ThreadLocalRandom.current().nextLong(waitMs / 16 + 1) : 0;
        return until(() -> currentIndex.getAsLong() > params.index(), Duration.ofMillis(waitMs + jitter), response);
    }

    /** Hash mode: waits until the answer's content hash differs from {@code params.hash()}. */
    Future<Void> untilHash(BlockingParams params, Supplier<String> currentHash, HttpServerResponse response) {
        if (params.hash() == null) {
            return Future.succeededFuture();
        }
        return until(() -> !params.hash().equals(currentHash.get()), params.waitTime(), response);
    }

    Future<Void> until(BooleanSupplier ready, Duration wait, HttpServerResponse response) {
        if (ready.getAsBoolean() || wait.isZero() || wait.isNegative()) {
            return Future.succeededFuture();
        }
        Promise<Void> promise = Promise.promise();
        Runnable[] listener = new Runnable[1];
        long timer = vertx.setTimer(Math.max(1, wait.toMillis()), id -> {
            feed.remove(listener[0]);
            promise.tryComplete();
        });
        listener[0] = () -> {
            if (ready.getAsBoolean()) {
                feed.remove(listener[0]);
                vertx.cancelTimer(timer);
                promise.tryComplete();
            }
        };
        feed.add(listener[0]);
        response.closeHandler(v -> {
            // the client went away (or the agent stopped listening): nothing to answer
            feed.remove(listener[0]);
            vertx.cancelTimer(timer);
            promise.tryFail("client closed the connection");
        });
        return promise.future();
    }
}
