package io.connectproxy.consul.wire;

import io.vertx.core.json.JsonObject;

import java.util.List;

/**
 * One entry of {@code GET /v1/health/connect/<svc>} or of a prepared query's {@code Nodes}: the node, the
 * connect-capable service instance (a sidecar proxy, or a connect-native service) and its checks.
 */
public record HealthServiceEntry(String nodeName, String nodeAddress, String nodeDatacenter,
                                 AgentService service, List<HealthCheck> checks) {

    public static HealthServiceEntry fromJson(JsonObject json, String path) {
        WireReader r = WireReader.of(json, path);
        WireReader node = r.nested("Node");
        return new HealthServiceEntry(
                node.string("Node"),
                node.string("Address"),
                node.string("Datacenter"),
                AgentService.fromJson(r.object("Service"), r.path("Service")),
                r.list("Checks", HealthCheck::fromJson));
    }

    /** The address to dial: the service's own address, or the node's when the service has none. */
    public String dialAddress() {
        return service.address().isEmpty() ? nodeAddress : service.address();
    }

    /** The service name the instance's certificate must carry. */
    public String expectedServiceName() {
        if (service.isConnectProxy() && service.proxy() != null) {
            return service.proxy().destinationServiceName();
        }
        return service.service();
    }

    public boolean allChecksPassing() {
        return checks.stream().allMatch(c -> HealthCheck.PASSING.equals(c.status()));
    }
}
