package io.connectproxy.devagent;

import io.vertx.core.Future;
import io.vertx.core.http.HttpMethod;
import io.vertx.core.json.JsonObject;

/** CA roots, leaf certificates and the CA configuration (whose PUT rotates the root). */
final class CaEndpoints {

    private final AgentState state;

    CaEndpoints(AgentState state) {
        this.state = state;
    }

    void register(Router router) {
        router.on(HttpMethod.GET, "/v1/agent/connect/ca/roots", this::roots)
            .on(HttpMethod.GET, "/v1/connect/ca/roots", this::roots)
            .on(HttpMethod.GET, "/v1/agent/connect/ca/leaf/", this::leaf)
            .on(HttpMethod.GET, "/v1/connect/ca/configuration", this::configuration)
            .on(HttpMethod.PUT, "/v1/connect/ca/configuration", this::reconfigure);
    }

    private Future<ApiResponse> roots(ApiRequest request) {
        state.requireLocalDatacenter(request);
        BlockingParams params = BlockingParams.from(request);
        return state.blocking.untilIndex(params, () -> state.index.of(ModifyIndex.ROOTS), request.response())
            .map(v -> ApiResponse.json(CaJson.roots(state.connectCa.ca()))
                .index(state.index.of(ModifyIndex.ROOTS)));
    }

    private Future<ApiResponse> leaf(ApiRequest request) {
        String service = request.requireTail("service name");
        BlockingParams params = BlockingParams.from(request);
        LeafCertificates leaves = state.connectCa.leaves();
        // the first request issues the leaf, so the index to compare against exists from here on
        leaves.get(service);
        String topic = ModifyIndex.leaf(service);
        return state.blocking.untilIndex(params, () -> state.index.of(topic), request.response()).map(v -> {
            LeafCertificates.Leaf leaf = leaves.get(service);
            return ApiResponse.json(CaJson.leaf(leaf)).index(leaf.index());
        });
    }

    private Future<ApiResponse> configuration(ApiRequest request) {
        state.requireLocalDatacenter(request);
        long at = state.connectCa.configIndex();
        JsonObject body = new JsonObject()
            .put("ClusterID", state.connectCa.ca().clusterId())
            .put("Provider", "consul")
            .put("Config", state.connectCa.providerConfig())
            .put("ForceWithoutCrossSigning", false)
            .put("CreateIndex", at)
            .put("ModifyIndex", at);
        return Future.succeededFuture(ApiResponse.json(body).index(at));
    }

    private Future<ApiResponse> reconfigure(ApiRequest request) {
        state.requireLocalDatacenter(request);
        JsonObject body = request.jsonBody();
        String provider = body.getValue("Provider") instanceof String p ? p : "consul";
        if (!provider.isEmpty() && !provider.equals("consul")) {
            throw ApiException.badRequest("the dev agent supports only the consul CA provider, got " + provider);
        }
        Object config = body.getValue("Config");
        if (config != null && !(config instanceof JsonObject)) {
            throw ApiException.badRequest("Request decode failed: Config: expected an object");
        }
        state.connectCa.reconfigure(config == null ? new JsonObject() : (JsonObject) config);
        return Future.succeededFuture(ApiResponse.empty());
    }
}
