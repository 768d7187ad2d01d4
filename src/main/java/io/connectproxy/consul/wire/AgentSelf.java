package io.connectproxy.consul.wire;

import io.vertx.core.json.JsonObject;

/** The parts of {@code GET /v1/agent/self} the proxy reads. {@code grpcPort} is -1 when gRPC is off. */
public record AgentSelf(String datacenter, String nodeName, String version, int grpcPort, int httpPort,
                        int httpsPort) {

    public static AgentSelf fromJson(JsonObject json) {
        WireReader r = WireReader.of(json, "");
        WireReader config = r.nested("Config");
        WireReader debug = r.nested("DebugConfig");
        return new AgentSelf(
                config.requiredString("Datacenter"),
                config.string("NodeName"),
                config.string("Version"),
                debug.integer("GRPCPort", -1),
                debug.integer("HTTPPort", -1),
                debug.integer("HTTPSPort", -1));
    }
}
