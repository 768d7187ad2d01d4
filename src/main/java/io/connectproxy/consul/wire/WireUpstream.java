package io.connectproxy.consul.wire;

import io.vertx.core.json.JsonObject;

/** One entry of {@code Proxy.Upstreams} in an agent service registration (or a legacy managed proxy config). */
public record WireUpstream(
        String destinationType,
        String destinationNamespace,
        String destinationName,
        String datacenter,
        String localBindAddress,
        int localBindPort,
        String localBindSocketPath,
        String localBindSocketMode,
        JsonObject config) {

    public static WireUpstream fromJson(JsonObject json, String path) {
        WireReader r = WireReader.of(json, path);
        return new WireUpstream(
                r.string("DestinationType"),
                r.string("DestinationNamespace"),
                r.requiredString("DestinationName"),
                r.string("Datacenter"),
                r.string("LocalBindAddress"),
                r.integer("LocalBindPort", 0),
                r.string("LocalBindSocketPath"),
                r.string("LocalBindSocketMode"),
                r.object("Config"));
    }
}
