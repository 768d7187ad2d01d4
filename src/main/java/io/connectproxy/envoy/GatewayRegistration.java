package io.connectproxy.envoy;

import io.vertx.core.json.JsonObject;

/**
 * The agent service definition {@code -register} sends for a gateway, as Consul 1.10 builds it: tagged LAN/WAN
 * addresses, a TCP check on the LAN address, {@code -bind-address} overrides (or bind-to-tagged-addresses when both
 * are local), and the WAN federation meta key with {@code -expose-servers}.
 */
final class GatewayRegistration {

    /** Consul's structs.MetaWANFederationKey. */
    static final String WAN_FEDERATION_META = "consul-wan-federation";

    private GatewayRegistration() {
    }

    /**
     * @param lanBindable whether the LAN address is assigned to a local interface
     * @param wanBindable whether the WAN address is
     * @throws EnvoyException when a LAN address is given that this host cannot bind
     */
    static JsonObject toJson(EnvoyOptions o, String proxyId, boolean lanBindable, boolean wanBindable) {
        ServiceAddress lan = o.lanAddress().orDefault();
        ServiceAddress wan = o.wanAddress().orDefault();
        JsonObject tagged = new JsonObject();
        if (!lan.address().isEmpty()) {
            tagged.put("lan", address(lan));
        }
        if (!wan.address().isEmpty()) {
            tagged.put("wan", address(wan));
        }
        JsonObject proxy = null;
        if (!o.bindAddresses().isEmpty()) {
            // -bind-address overrides every default binding rule: Envoy binds exactly the given addresses
            JsonObject binds = new JsonObject();
            o.bindAddresses().forEach((name, a) -> binds.put(name, address(a)));
            proxy = new JsonObject().put("Config", new JsonObject()
                    .put("envoy_gateway_no_default_bind", true)
                    .put("envoy_gateway_bind_addresses", binds));
        } else if (lanBindable && wanBindable) {
            proxy = new JsonObject().put("Config", new JsonObject()
                    .put("envoy_gateway_no_default_bind", true)
                    .put("envoy_gateway_bind_tagged_addresses", true));
        } else if (!lanBindable && !lan.address().isEmpty()) {
            throw new EnvoyException(EnvoyException.Reason.USAGE, "-address: the LAN address \"" + lan.address()
                    + "\" is not bindable on this host (not a local interface address)");
        }
        // the gateway shares the agent's network namespace, so localhost reaches it when no address is given
        String checkHost = lan.address().isEmpty() ? "127.0.0.1" : lan.address();
        String checkAddr = checkHost.contains(":") ? "[" + checkHost + "]:" + lan.port() : checkHost + ":" + lan.port();
        JsonObject svc = new JsonObject()
                .put("Kind", o.gateway().serviceKind())
                .put("ID", proxyId)
                .put("Name", o.gatewayServiceName());
        if (!lan.address().isEmpty()) {
            svc.put("Address", lan.address());
        }
        svc.put("Port", lan.port());
        if (o.exposeServers()) {
            // what the servers look for to route WAN federation through this mesh gateway
            svc.put("Meta", new JsonObject().put(WAN_FEDERATION_META, "1"));
        }
        if (!tagged.isEmpty()) {
            svc.put("TaggedAddresses", tagged);
        }
        if (proxy != null) {
            svc.put("Proxy", proxy);
        }
        svc.put("Check", new JsonObject()
                .put("Name", o.gateway().serviceKind() + " listening")
                .put("TCP", checkAddr)
                .put("Interval", "10s")
                .put("DeregisterCriticalServiceAfter", o.deregisterAfterCritical()));
        return svc;
    }

    private static JsonObject address(ServiceAddress a) {
        return new JsonObject().put("Address", a.address()).put("Port", a.port());
    }
}
