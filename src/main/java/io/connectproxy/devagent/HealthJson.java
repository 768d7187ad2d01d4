package io.connectproxy.devagent;

import io.vertx.core.json.JsonArray;
import io.vertx.core.json.JsonObject;

import java.util.List;

/**
 * Health entries {Node, Service, Checks} as /v1/health/connect, /v1/health/service and prepared queries answer.
 * Prepared-query answers pass through Consul's RPC encoding, which turns empty lists into null; {@code nullEmpty}
 * reproduces that.
 */
final class HealthJson {

    private HealthJson() {
    }

    static JsonObject entry(NodeInfo node, ServiceRecord s, List<CheckRecord> checks, boolean nullEmpty) {
        JsonArray checkJson = new JsonArray().add(serfHealth(node, nullEmpty));
        for (CheckRecord c : checks) {
            checkJson.add(check(node, c, s.tags(), nullEmpty));
        }
        return new JsonObject()
            .put("Node", node.toJson())
            .put("Service", service(s, nullEmpty))
            .put("Checks", checkJson);
    }

    static JsonObject service(ServiceRecord s, boolean nullEmpty) {
        JsonObject out = new JsonObject();
        ProxyJson.putIfNotEmpty(out, "Kind", s.kind());
        out.put("ID", s.id())
            .put("Service", s.name())
            .put("Tags", tags(s.tags(), nullEmpty))
            .put("Address", s.address());
        if (!s.taggedAddresses().isEmpty()) {
            out.put("TaggedAddresses", s.taggedAddresses().copy());
        }
        out.put("Meta", s.meta().isEmpty() ? null : s.meta().copy())
            .put("Port", s.port());
        ProxyJson.putIfNotEmpty(out, "SocketPath", s.socketPath());
        out.put("Weights", new JsonObject().put("Passing", s.weightPassing()).put("Warning", s.weightWarning()))
            .put("EnableTagOverride", s.enableTagOverride())
            .put("Proxy", ProxyJson.render(s.proxy() == null ? ProxySpec.empty() : s.proxy(), true))
            .put("Connect", connect(s))
            .put("CreateIndex", s.createIndex())
            .put("ModifyIndex", s.modifyIndex());
        return out;
    }

    static JsonObject connect(ServiceRecord s) {
        return s.connectNative() ? new JsonObject().put("Native", true) : new JsonObject();
    }

    static JsonObject check(NodeInfo node, CheckRecord c, List<String> serviceTags, boolean nullEmpty) {
        return new JsonObject()
            .put("Node", node.name())
            .put("CheckID", c.checkId())
            .put("Name", c.name())
            .put("Status", c.status())
            .put("Notes", c.notes())
            .put("Output", c.output())
            .put("ServiceID", c.serviceId())
            .put("ServiceName", c.serviceName())
            .put("ServiceTags", tags(serviceTags, nullEmpty))
            .put("Type", c.type())
            .put("ExposedPort", 0)
            .put("Definition", new JsonObject())
            .put("CreateIndex", c.createIndex())
            .put("ModifyIndex", c.modifyIndex());
    }

    /** The node's own check, always passing on a dev agent. */
    static JsonObject serfHealth(NodeInfo node, boolean nullEmpty) {
        return new JsonObject()
            .put("Node", node.name())
            .put("CheckID", "serfHealth")
            .put("Name", "Serf Health Status")
            .put("Status", CheckRecord.PASSING)
            .put("Notes", "")
            .put("Output", "Agent alive and reachable")
            .put("ServiceID", "")
            .put("ServiceName", "")
            .put("ServiceTags", tags(List.of(), nullEmpty))
            .put("Type", "")
            .put("ExposedPort", 0)
            .put("Definition", new JsonObject())
            .put("CreateIndex", 1)
            .put("ModifyIndex", 1);
    }

    private static JsonArray tags(List<String> tags, boolean nullEmpty) {
        return tags.isEmpty() && nullEmpty ? null : new JsonArray(List.copyOf(tags));
    }

    /** A catalog entry (/v1/catalog/connect, /v1/catalog/service): node and service fields flattened. */
    static JsonObject catalogEntry(NodeInfo node, ServiceRecord s) {
        JsonObject out = new JsonObject()
            .put("ID", node.id())
            .put("Node", node.name())
            .put("Address", node.address())
            .put("Datacenter", node.datacenter())
            .put("TaggedAddresses", node.taggedAddresses())
            .put("NodeMeta", new JsonObject().put("consul-network-segment", ""));
        out.put("ServiceKind", s.kind())
            .put("ServiceID", s.id())
            .put("ServiceName", s.name())
            .put("ServiceTags", new JsonArray(List.copyOf(s.tags())))
            .put("ServiceAddress", s.address());
        if (!s.taggedAddresses().isEmpty()) {
            out.put("ServiceTaggedAddresses", s.taggedAddresses().copy());
        }
        return out
            .put("ServiceWeights", new JsonObject().put("Passing", s.weightPassing()).put("Warning", s.weightWarning()))
            .put("ServiceMeta", s.meta().copy())
            .put("ServicePort", s.port())
            .put("ServiceSocketPath", s.socketPath())
            .put("ServiceEnableTagOverride", s.enableTagOverride())
            .put("ServiceProxy", ProxyJson.render(s.proxy() == null ? ProxySpec.empty() : s.proxy(), true))
            .put("ServiceConnect", connect(s))
            .put("CreateIndex", s.createIndex())
            .put("ModifyIndex", s.modifyIndex());
    }
}
