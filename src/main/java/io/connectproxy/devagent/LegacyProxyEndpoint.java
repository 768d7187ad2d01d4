package io.connectproxy.devagent;

import io.vertx.core.Future;
import io.vertx.core.http.HttpMethod;
import io.vertx.core.json.JsonArray;
import io.vertx.core.json.JsonObject;

/**
 * GET /v1/agent/connect/proxy/&lt;proxy-id&gt;: the managed-proxy configuration of Consul 1.3–1.5, hash-blocking,
 * for services registered with a Connect.Proxy block.
 */
final class LegacyProxyEndpoint {

    private final AgentState state;

    LegacyProxyEndpoint(AgentState state) {
        this.state = state;
    }

    void register(Router router) {
        router.on(HttpMethod.GET, "/v1/agent/connect/proxy/", this::config);
    }

    private Future<ApiResponse> config(ApiRequest request) {
        String id = request.requireTail("proxy ID");
        BlockingParams params = BlockingParams.from(request);
        if (render(id) == null) {
            throw ApiException.notFound("unknown proxy service ID: " + id);
        }
        return state.blocking.untilHash(params, () -> {
            JsonObject body = render(id);
            return body == null ? "" : body.getString("ContentHash");
        }, request.response()).map(v -> {
            JsonObject body = render(id);
            if (body == null) {
                throw ApiException.notFound("unknown proxy service ID: " + id);
            }
            return ApiResponse.json(body).contentHash(body.getString("ContentHash"));
        });
    }

    /** The 1.5.3 answer for a managed proxy, or null when {@code id} is not one. */
    private JsonObject render(String id) {
        ServiceRecord proxy = state.catalog.service(id);
        if (proxy == null || proxy.managedProxy() == null || proxy.proxy() == null) {
            return null;
        }
        ProxySpec p = proxy.proxy();
        JsonObject config = p.config().copy();
        if (!config.containsKey("telemetry")) {
            // Consul 1.5 handed its own telemetry settings to managed proxies, with a per-service prefix
            config.put("telemetry", new JsonObject()
                .put("filter_default", true)
                .put("metrics_prefix", "consul.proxy." + p.destinationServiceName()));
        }
        JsonObject hashed = new JsonObject()
            .put("ProxyServiceID", proxy.id())
            .put("TargetServiceID", p.destinationServiceId())
            .put("TargetServiceName", p.destinationServiceName())
            .put("ExecMode", proxy.managedProxy().execMode())
            .put("Command", new JsonArray(proxy.managedProxy().command()))
            .put("Config", config)
            .put("Upstreams", ProxyJson.upstreams(p, false));
        String hash = ContentHash.of(hashed);
        return new JsonObject()
            .put("ProxyServiceID", proxy.id())
            .put("TargetServiceID", p.destinationServiceId())
            .put("TargetServiceName", p.destinationServiceName())
            .put("ContentHash", hash)
            .put("ExecMode", proxy.managedProxy().execMode())
            .put("Command", new JsonArray(proxy.managedProxy().command()))
            .put("Config", config)
            .put("Upstreams", ProxyJson.upstreams(p, false));
    }
}
