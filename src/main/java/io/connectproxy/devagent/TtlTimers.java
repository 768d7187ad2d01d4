package io.connectproxy.devagent;

import io.vertx.core.Vertx;

import java.time.Duration;
import java.util.HashMap;
import java.util.Map;
import java.util.function.Consumer;

/** One Vert.x timer per TTL check: a check not updated within its TTL turns critical, like Consul's. */
final class TtlTimers {

    private final Vertx vertx;
    private final Consumer<String> onExpired;
    private final Map<String, Long> timers = new HashMap<>();

    TtlTimers(Vertx vertx, Consumer<String> onExpired) {
        this.vertx = vertx;
        this.onExpired = onExpired;
    }

    void arm(String checkId, Duration ttl) {
        cancel(checkId);
        long id = vertx.setTimer(Math.max(1, ttl.toMillis()), t -> {
            timers.remove(checkId);
            onExpired.accept(checkId);
        });
        timers.put(checkId, id);
    }

    void cancel(String checkId) {
        Long id = timers.remove(checkId);
        if (id != null) {
            vertx.cancelTimer(id);
        }
    }

    void cancelAll() {
        timers.values().forEach(vertx::cancelTimer);
        timers.clear();
    }
}
