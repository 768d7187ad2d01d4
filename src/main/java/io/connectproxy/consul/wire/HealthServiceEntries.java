package io.connectproxy.consul.wire;

import io.vertx.core.json.JsonArray;
import io.vertx.core.json.JsonObject;

import java.util.List;

/** Parses the array answer of {@code GET /v1/health/connect/<svc>}. */
public final class HealthServiceEntries {
    private HealthServiceEntries() {
    }

    public static List<HealthServiceEntry> fromJson(JsonArray array) {
        if (array == null) {
            return List.of();
        }
        return WireReader.of(new JsonObject().put("entries", array), "").list("entries",
                (o, p) -> HealthServiceEntry.fromJson(o, p.substring("entries".length())));
    }
}
