package io.connectproxy.consul.wire;

import io.vertx.core.json.JsonObject;

import java.util.List;

/** {@code GET /v1/query/<name-or-id>/execute?connect=true}. */
public record PreparedQueryResult(String service, String datacenter, List<HealthServiceEntry> nodes) {

    public static PreparedQueryResult fromJson(JsonObject json) {
        WireReader r = WireReader.of(json, "");
        return new PreparedQueryResult(r.string("Service"), r.string("Datacenter"),
                r.list("Nodes", HealthServiceEntry::fromJson));
    }
}
