package io.connectproxy.consul.wire;

import io.vertx.core.json.JsonObject;

import java.util.List;

/** The legacy managed-proxy config of Consul 1.3–1.5: {@code GET /v1/agent/connect/proxy/<proxy-id>}. */
public record ManagedProxyConfig(String proxyServiceId, String targetServiceId, String targetServiceName,
                                 String contentHash, String execMode, List<String> command, JsonObject config,
                                 List<WireUpstream> upstreams) {

    public static ManagedProxyConfig fromJson(JsonObject json) {
        WireReader r = WireReader.of(json, "");
        return new ManagedProxyConfig(
                r.requiredString("ProxyServiceID"),
                r.requiredString("TargetServiceID"),
                r.requiredString("TargetServiceName"),
                r.string("ContentHash"),
                r.string("ExecMode"),
                r.strings("Command"),
                r.object("Config"),
                r.list("Upstreams", WireUpstream::fromJson));
    }
}
