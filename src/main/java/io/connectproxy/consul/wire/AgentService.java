package io.connectproxy.consul.wire;

import io.vertx.core.json.JsonObject;

import java.util.List;

/**
 * A service as the local agent knows it: {@code GET /v1/agent/service/<id>} and the values of
 * {@code GET /v1/agent/services}. {@code proxy} is null unless the service has a {@code Proxy} block.
 */
public record AgentService(
        String kind,
        String id,
        String service,
        List<String> tags,
        String address,
        int port,
        String socketPath,
        ProxyBlock proxy,
        boolean connectNative,
        String datacenter,
        String namespace,
        String contentHash) {

    public static final String KIND_CONNECT_PROXY = "connect-proxy";

    public static AgentService fromJson(JsonObject json, String path) {
        WireReader r = WireReader.of(json, path);
        return new AgentService(
                r.string("Kind"),
                r.requiredString("ID"),
                r.requiredString("Service"),
                r.strings("Tags"),
                r.string("Address"),
                r.integer("Port", 0),
                r.string("SocketPath"),
                json.getValue("Proxy") == null ? null : ProxyBlock.fromJson(r.object("Proxy"), r.path("Proxy")),
                r.nested("Connect").bool("Native"),
                r.string("Datacenter"),
                r.string("Namespace"),
                r.string("ContentHash"));
    }

    public static AgentService fromJson(JsonObject json) {
        return fromJson(json, "");
    }

    public boolean isConnectProxy() {
        return KIND_CONNECT_PROXY.equals(kind);
    }
}
