package io.connectproxy.config;

import io.connectproxy.bus.Addresses;
import io.connectproxy.consul.Backoff;
import io.vertx.core.Future;
import io.vertx.core.Vertx;
import io.vertx.core.eventbus.ReplyException;

import java.time.Duration;
import java.util.concurrent.BlockingQueue;
import java.util.concurrent.ExecutionException;
import java.util.concurrent.LinkedBlockingQueue;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.TimeoutException;

/** Helpers for the config tests (watchers drive their steps from the test thread, never an event loop). */
final class WatcherTestSupport {
    /** Fast retries and scans; a long blocking wait so a held request is distinguishable from a re-poll. */
    static final ConfigWatcherVerticle.Timing FAST = new ConfigWatcherVerticle.Timing(Duration.ofSeconds(20),
            new Backoff(Duration.ofMillis(50), Duration.ofMillis(200)), 100, Duration.ofSeconds(60));

    /** A minimal -conf service file: web on 8080 with one upstream to redis on 1234. */
    static final String EXAMPLE = """
            {"service": {"name": "web", "port": 8080,
               "connect": {"proxy": {"config": {"upstreams": [{"destination_name": "redis", "local_bind_port": 1234}]}}}}}
            """;

    private WatcherTestSupport() {
    }

    static <T> T await(Future<T> f) throws Exception {
        try {
            return f.toCompletionStage().toCompletableFuture().get(5, TimeUnit.SECONDS);
        } catch (ExecutionException e) {
            if (e.getCause() instanceof Exception cause) {
                throw cause;
            }
            throw e;
        }
    }

    /** Every config published on the bus, in order. */
    static BlockingQueue<ProxyConfig> published(Vertx vertx) throws Exception {
        BlockingQueue<ProxyConfig> q = new LinkedBlockingQueue<>();
        await(vertx.eventBus().<ProxyConfig>consumer(Addresses.CONFIG, m -> q.add(m.body())).completion());
        return q;
    }

    static ProxyConfig next(BlockingQueue<ProxyConfig> q) throws InterruptedException, TimeoutException {
        ProxyConfig c = q.poll(5, TimeUnit.SECONDS);
        if (c == null) {
            throw new TimeoutException("no config published within 5 s");
        }
        return c;
    }

    static ProxyConfig current(Vertx vertx) throws Exception {
        return (ProxyConfig) await(vertx.eventBus().request(Addresses.CONFIG_CURRENT, null)).body();
    }

    static ReplyException currentFailure(Vertx vertx) throws Exception {
        try {
            await(vertx.eventBus().request(Addresses.CONFIG_CURRENT, null));
        } catch (ReplyException e) {
            return e;
        }
        throw new AssertionError("CONFIG_CURRENT answered although no config was expected");
    }
}
