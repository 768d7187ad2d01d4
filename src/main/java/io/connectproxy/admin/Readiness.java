package io.connectproxy.admin;

import io.vertx.core.json.JsonArray;
import io.vertx.core.json.JsonObject;

import java.util.List;

/**
 * The answer of {@code /ready}: ready only when nothing is missing; otherwise every reason, so an operator sees
 * at once whether the proxy waits for its config, its certificate, a listener, or is shutting down.
 */
public record Readiness(List<String> reasons) {

    public static final Readiness READY = new Readiness(List.of());

    public Readiness {
        reasons = List.copyOf(reasons);
    }

    public static Readiness notReady(String... reasons) {
        return new Readiness(List.of(reasons));
    }

    public boolean ready() {
        return reasons.isEmpty();
    }

    public JsonObject toJson() {
        return new JsonObject().put("ready", ready()).put("reasons", new JsonArray(reasons));
    }
}
