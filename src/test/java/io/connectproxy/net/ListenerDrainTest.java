package io.connectproxy.net;

import io.vertx.core.Context;
import io.vertx.core.Future;
import io.vertx.core.Promise;
import io.vertx.core.Vertx;
import io.vertx.junit5.Timeout;
import io.vertx.junit5.VertxExtension;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.extension.ExtendWith;

import java.time.Duration;
import java.util.concurrent.Callable;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.AtomicInteger;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;

/** The drain on a real event loop: it ends when the last connection closes, or at the deadline. */
@ExtendWith(VertxExtension.class)
class ListenerDrainTest {
    private static final Duration LONG = Duration.ofMinutes(5);

    @Test
    @Timeout(value = 10, timeUnit = TimeUnit.SECONDS)
    void completesWhenTheLastOpenConnectionCloses(Vertx vertx) throws Exception {
        Context ctx = vertx.getOrCreateContext();
        ListenerDrain drain = new ListenerDrain();
        AtomicInteger closes = new AtomicInteger();
        on(ctx, () -> {
            drain.opened();
            drain.opened();
            return null;
        });
        Future<Void> done = drain.drain(ctx, LONG, () -> {
            closes.incrementAndGet();
            return Future.succeededFuture();
        });
        assertEquals(true, on(ctx, drain::draining), "accepting stops at once");
        on(ctx, () -> {
            drain.closed();
            return null;
        });
        // tasks on one context run in order: anything the first close set off has run by now
        assertEquals(0, on(ctx, closes::get), "listeners closed while a connection was still open");
        assertFalse(done.isComplete(), "drain ended while a connection was still open");
        on(ctx, () -> {
            drain.closed();
            return null;
        });
        done.toCompletionStage().toCompletableFuture().get(5, TimeUnit.SECONDS);
        assertEquals(1, closes.get(), "listeners closed once, on the last close, long before the deadline");
    }

    @Test
    @Timeout(value = 10, timeUnit = TimeUnit.SECONDS)
    void closesTheListenersAtTheDeadlineWithConnectionsStillOpen(Vertx vertx) throws Exception {
        Context ctx = vertx.getOrCreateContext();
        ListenerDrain drain = new ListenerDrain();
        AtomicInteger openAtClose = new AtomicInteger(-1);
        on(ctx, () -> {
            drain.opened();
            return null;
        });
        drain.drain(ctx, Duration.ofMillis(100), () -> {
            openAtClose.set(drain.open());
            return Future.succeededFuture();
        }).toCompletionStage().toCompletableFuture().get(5, TimeUnit.SECONDS);
        assertEquals(1, openAtClose.get(), "connections open when the deadline closed the listeners");
    }

    @Test
    @Timeout(value = 10, timeUnit = TimeUnit.SECONDS)
    void anIdleListenerClosesAtOnceAndAFailedCloseStillEndsTheDrain(Vertx vertx) throws Exception {
        Context ctx = vertx.getOrCreateContext();
        ListenerDrain drain = new ListenerDrain();
        AtomicInteger closes = new AtomicInteger();
        drain.drain(ctx, LONG, () -> {
            closes.incrementAndGet();
            return Future.failedFuture("already closed");
        }).toCompletionStage().toCompletableFuture().get(5, TimeUnit.SECONDS);
        assertEquals(1, closes.get(), "listeners closed");
    }

    private static <T> T on(Context ctx, Callable<T> task) throws Exception {
        Promise<T> p = Promise.promise();
        ctx.runOnContext(v -> {
            try {
                p.complete(task.call());
            } catch (Exception e) {
                p.fail(e);
            }
        });
        return p.future().toCompletionStage().toCompletableFuture().get(5, TimeUnit.SECONDS);
    }
}
