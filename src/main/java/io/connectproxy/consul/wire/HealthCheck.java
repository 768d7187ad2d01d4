package io.connectproxy.consul.wire;

import io.vertx.core.json.JsonObject;

/** One health check of a health entry. */
public record HealthCheck(String node, String checkId, String name, String status, String serviceId) {

    public static final String PASSING = "passing";

    public static HealthCheck fromJson(JsonObject json, String path) {
        WireReader r = WireReader.of(json, path);
        return new HealthCheck(r.string("Node"), r.requiredString("CheckID"), r.string("Name"),
                r.requiredString("Status"), r.string("ServiceID"));
    }
}
