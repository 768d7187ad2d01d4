package io.connectproxy.devagent;

import io.vertx.core.json.JsonArray;
import io.vertx.core.json.JsonObject;

import java.util.List;

/** The agent's view of services and checks: /v1/agent/services, /v1/agent/service/&lt;id&gt;, /v1/agent/checks. */
final class AgentServiceJson {

    private AgentServiceJson() {
    }

    /** One service without ContentHash (as in the services map). */
    static JsonObject service(ServiceRecord s, String datacenter) {
        return render(s, datacenter, false);
    }

    /** One service with its ContentHash field, hashed over everything else. */
    static JsonObject serviceWithHash(ServiceRecord s, String datacenter) {
        return render(s, datacenter, true);
    }

    private static JsonObject render(ServiceRecord s, String datacenter, boolean withHash) {
        JsonObject out = new JsonObject();
        ProxyJson.putIfNotEmpty(out, "Kind", s.kind());
        out.put("ID", s.id())
            .put("Service", s.name())
            .put("Tags", new JsonArray(List.copyOf(s.tags())))
            .put("Meta", s.meta().copy())
            .put("Port", s.port())
            .put("Address", s.address())
            .put("SocketPath", s.socketPath());
        if (!s.taggedAddresses().isEmpty()) {
            out.put("TaggedAddresses", s.taggedAddresses().copy());
        }
        out.put("Weights", new JsonObject().put("Passing", s.weightPassing()).put("Warning", s.weightWarning()))
            .put("EnableTagOverride", s.enableTagOverride());
        JsonObject tail = new JsonObject();
        if (s.proxy() != null) {
            tail.put("Proxy", ProxyJson.render(s.proxy(), false));
        }
        if (s.connectNative()) {
            tail.put("Connect", new JsonObject().put("Native", true));
        }
        tail.put("Datacenter", datacenter);
        if (withHash) {
            JsonObject hashed = out.copy().mergeIn(tail);
            out.put("ContentHash", ContentHash.of(hashed));
        }
        return out.mergeIn(tail);
    }

    /** A check as {@code /v1/agent/checks} lists it: the health shape without the catalog's port and indexes. */
    static JsonObject check(CheckRecord c, NodeInfo node, List<String> serviceTags) {
        // the agent's local view: Consul 1.10.1 sends the index fields there too, always 0
        return HealthJson.check(node, c, serviceTags, false).put("CreateIndex", 0).put("ModifyIndex", 0);
    }
}
