package io.connectproxy.consul.wire;

import io.vertx.core.json.JsonObject;

import java.util.ArrayList;
import java.util.List;
import java.util.Map;

/** {@code GET /v1/agent/services}: every service registered on the local agent, keyed by id. */
public record AgentServices(Map<String, AgentService> byId) {

    public static AgentServices fromJson(JsonObject json) {
        WireReader.of(json, "");
        Map<String, AgentService> out = new java.util.LinkedHashMap<>();
        for (String id : json.fieldNames()) {
            Object v = json.getValue(id);
            if (!(v instanceof JsonObject o)) {
                throw new WireFormatException(id + ": expected object, got " + WireReader.typeName(v));
            }
            out.put(id, AgentService.fromJson(o, id));
        }
        return new AgentServices(Map.copyOf(out));
    }

    /**
     * The connect-proxy services whose destination is the service with this id (the sidecars of it). The id is
     * compared ignoring case, as Consul's {@code -sidecar-for} does.
     */
    public List<AgentService> sidecarsOf(String serviceId) {
        List<AgentService> out = new ArrayList<>();
        for (AgentService s : byId.values()) {
            if (s.isConnectProxy() && s.proxy() != null && serviceId.equalsIgnoreCase(s.proxy().destinationServiceId())) {
                out.add(s);
            }
        }
        out.sort(java.util.Comparator.comparing(AgentService::id));
        return out;
    }
}
