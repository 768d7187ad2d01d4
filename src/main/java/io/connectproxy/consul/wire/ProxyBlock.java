package io.connectproxy.consul.wire;

import io.vertx.core.json.JsonObject;

import java.util.List;

/** The {@code Proxy} block of a connect-proxy service registration. {@code config} is Consul's opaque map. */
public record ProxyBlock(
        String destinationServiceName,
        String destinationServiceId,
        String localServiceAddress,
        int localServicePort,
        String localServiceSocketPath,
        String mode,
        JsonObject config,
        List<WireUpstream> upstreams) {

    public static ProxyBlock fromJson(JsonObject json, String path) {
        WireReader r = WireReader.of(json, path);
        return new ProxyBlock(
                r.string("DestinationServiceName"),
                r.string("DestinationServiceID"),
                r.string("LocalServiceAddress"),
                r.integer("LocalServicePort", 0),
                r.string("LocalServiceSocketPath"),
                r.string("Mode"),
                r.object("Config"),
                r.list("Upstreams", WireUpstream::fromJson));
    }
}
