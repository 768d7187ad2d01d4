package io.connectproxy.devagent;

import io.vertx.core.json.JsonObject;

import java.util.List;

/** The Proxy block of a connect-proxy service. Config is opaque to Consul and kept as registered. */
record ProxySpec(String destinationServiceName, String destinationServiceId, String localServiceAddress,
                 int localServicePort, String localServiceSocketPath, String mode, JsonObject config,
                 List<UpstreamSpec> upstreams, JsonObject meshGateway, JsonObject expose) {

    ProxySpec withDefaults(String destName, String destId, String localAddress, int localPort) {
        return new ProxySpec(
            destinationServiceName.isEmpty() ? destName : destinationServiceName,
            destinationServiceId.isEmpty() ? destId : destinationServiceId,
            localServiceAddress.isEmpty() ? localAddress : localServiceAddress,
            localServicePort < 1 ? localPort : localServicePort,
            localServiceSocketPath, mode, config, upstreams, meshGateway, expose);
    }

    static ProxySpec empty() {
        return new ProxySpec("", "", "", 0, "", "", new JsonObject(), List.of(), new JsonObject(), new JsonObject());
    }
}
