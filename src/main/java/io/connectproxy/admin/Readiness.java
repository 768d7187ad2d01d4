package io.connectproxy.admin;

import io.vertx.core.json.JsonArray;
import io.vertx.core.json.JsonObject;

import java.util.List;

/**
 * The answer of {@code /ready}: ready only when nothing is missing; otherwise every reason, so an operator sees
 * at once whether the proxy waits for its config, its certificate, a listener, or is shutting down. With it, what
 * the proxy runs on ({@code runtime}: transport, TLS engines, JVM), as picked at start-up.
 *
 * @param reasons what is missing (empty: ready)
 * @param runtime what was picked at start-up, or null when not known (left out of the answer)
 */
public record Readiness(List<String> reasons, JsonObject runtime) {

    public static final Readiness READY = new Readiness(List.of());

    public Readiness {
        reasons = List.copyOf(reasons);
        runtime = runtime == null ? null : runtime.copy();
    }

    public Readiness(List<String> reasons) {
        this(reasons, null);
    }

    public static Readiness notReady(String... reasons) {
        return new Readiness(List.of(reasons));
    }

    public boolean ready() {
        return reasons.isEmpty();
    }

    public JsonObject toJson() {
        JsonObject json = new JsonObject().put("ready", ready()).put("reasons", new JsonArray(reasons));
        if (runtime != null) {
            json.put("runtime", runtime.copy());
        }
        return json;
    }
}
