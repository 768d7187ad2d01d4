package io.connectproxy.devagent;

import io.vertx.core.json.JsonArray;
import io.vertx.core.json.JsonObject;

/** The Proxy block in Consul's two encodings: the agent's (no Mode) and the catalog's (Mode always present). */
final class ProxyJson {

    private ProxyJson() {
    }

    static JsonObject render(ProxySpec p, boolean catalogShape) {
        JsonObject out = new JsonObject();
        putIfNotEmpty(out, "DestinationServiceName", p.destinationServiceName());
        putIfNotEmpty(out, "DestinationServiceID", p.destinationServiceId());
        putIfNotEmpty(out, "LocalServiceAddress", p.localServiceAddress());
        if (p.localServicePort() > 0) {
            out.put("LocalServicePort", p.localServicePort());
        }
        putIfNotEmpty(out, "LocalServiceSocketPath", p.localServiceSocketPath());
        if (catalogShape || !p.mode().isEmpty()) {
            out.put("Mode", p.mode());
        }
        if (!p.config().isEmpty()) {
            out.put("Config", p.config().copy());
        }
        if (!p.upstreams().isEmpty()) {
            out.put("Upstreams", upstreams(p, true));
        }
        out.put("MeshGateway", p.meshGateway().copy());
        out.put("Expose", p.expose().copy());
        return out;
    }

    /** Upstreams; Consul 1.5 had no MeshGateway field, the legacy endpoint leaves it out. */
    static JsonArray upstreams(ProxySpec p, boolean withMeshGateway) {
        JsonArray out = new JsonArray();
        for (UpstreamSpec u : p.upstreams()) {
            JsonObject json = new JsonObject();
            putIfNotEmpty(json, "DestinationType", u.destinationType());
            putIfNotEmpty(json, "DestinationNamespace", u.destinationNamespace());
            json.put("DestinationName", u.destinationName());
            putIfNotEmpty(json, "Datacenter", u.datacenter());
            putIfNotEmpty(json, "LocalBindAddress", u.localBindAddress());
            if (u.localBindPort() > 0) {
                json.put("LocalBindPort", u.localBindPort());
            }
            putIfNotEmpty(json, "LocalBindSocketPath", u.localBindSocketPath());
            putIfNotEmpty(json, "LocalBindSocketMode", u.localBindSocketMode());
            if (!u.config().isEmpty()) {
                json.put("Config", u.config().copy());
            }
            if (withMeshGateway) {
                json.put("MeshGateway", u.meshGateway().copy());
            }
            out.add(json);
        }
        return out;
    }

    static void putIfNotEmpty(JsonObject json, String key, String value) {
        if (value != null && !value.isEmpty()) {
            json.put(key, value);
        }
    }
}
