package io.connectproxy.consul.wire;

import io.vertx.core.json.JsonArray;
import io.vertx.core.json.JsonObject;

import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;

/** {@code GET /v1/connect/intentions/match?by=destination&name=X}: intentions per name, highest precedence first. */
public record IntentionMatch(Map<String, List<Intention>> byName) {

    public static IntentionMatch fromJson(JsonObject json) {
        WireReader.of(json, "");
        Map<String, List<Intention>> out = new LinkedHashMap<>();
        for (String name : json.fieldNames()) {
            Object v = json.getValue(name);
            if (v != null && !(v instanceof JsonArray)) {
                throw new WireFormatException(name + ": expected array, got " + WireReader.typeName(v));
            }
            out.put(name, WireReader.of(new JsonObject().put("v", v), "").list("v",
                    (o, p) -> Intention.fromJson(o, name + p.substring(1))));
        }
        return new IntentionMatch(Map.copyOf(out));
    }

    public List<Intention> forName(String name) {
        return byName.getOrDefault(name, List.of());
    }
}
