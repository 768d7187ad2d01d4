package io.connectproxy.consul.wire;

import io.vertx.core.json.JsonObject;

/** One intention as listed by {@code /v1/connect/intentions/match}. */
public record Intention(String id, String sourceNs, String sourceName, String destinationNs,
                        String destinationName, String action, int precedence) {

    public static Intention fromJson(JsonObject json, String path) {
        WireReader r = WireReader.of(json, path);
        return new Intention(r.string("ID"), r.string("SourceNS"), r.requiredString("SourceName"),
                r.string("DestinationNS"), r.requiredString("DestinationName"), r.string("Action"),
                r.integer("Precedence", 0));
    }
}
