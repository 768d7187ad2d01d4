package io.connectproxy.devagent;

import io.vertx.core.Future;
import io.vertx.core.http.HttpMethod;
import io.vertx.core.json.JsonArray;

import java.util.List;

/**
 * /v1/health/connect, /v1/health/service, /v1/health/checks, /v1/catalog/connect, /v1/catalog/service:
 * index-blocking.
 */
final class HealthEndpoints {

    private final AgentState state;

    HealthEndpoints(AgentState state) {
        this.state = state;
    }

    void register(Router router) {
        router.on(HttpMethod.GET, "/v1/health/connect/", r -> health(r, true))
            .on(HttpMethod.GET, "/v1/health/service/", r -> health(r, false))
            .on(HttpMethod.GET, "/v1/health/checks/", this::checks)
            .on(HttpMethod.GET, "/v1/catalog/connect/", r -> catalog(r, true))
            .on(HttpMethod.GET, "/v1/catalog/service/", r -> catalog(r, false));
    }

    private Future<ApiResponse> health(ApiRequest request, boolean connect) {
        String service = request.requireTail("service name");
        state.requireLocalDatacenter(request);
        BlockingParams params = BlockingParams.from(request);
        boolean passingOnly = request.flag("passing");
        String tag = request.param("tag");
        String topic = connect ? ModifyIndex.connect(service) : ModifyIndex.health(service);
        return state.blocking.untilIndex(params, () -> state.index.of(topic), request.response()).map(v -> {
            JsonArray out = new JsonArray();
            for (ServiceRecord s : instances(service, connect)) {
                if (passingOnly && !state.health.passing(s)) {
                    continue;
                }
                if (tag != null && !tag.isEmpty() && !s.tags().contains(tag)) {
                    continue;
                }
                out.add(HealthJson.entry(state.node, s, state.health.checks(s), false));
            }
            return ApiResponse.json(out).index(state.index.of(topic));
        });
    }

    /** The checks of every instance named {@code service}, as Consul lists them (sorted by check id). */
    private Future<ApiResponse> checks(ApiRequest request) {
        String service = request.requireTail("service name");
        state.requireLocalDatacenter(request);
        BlockingParams params = BlockingParams.from(request);
        String topic = ModifyIndex.health(service);
        return state.blocking.untilIndex(params, () -> state.index.of(topic), request.response()).map(v -> {
            JsonArray out = new JsonArray();
            for (ServiceRecord s : state.health.instances(service)) {
                for (CheckRecord c : state.health.checks(s)) {
                    out.add(HealthJson.check(state.node, c, s.tags(), false));
                }
            }
            return ApiResponse.json(out).index(state.index.of(topic));
        });
    }

    private Future<ApiResponse> catalog(ApiRequest request, boolean connect) {
        String service = request.requireTail("service name");
        state.requireLocalDatacenter(request);
        BlockingParams params = BlockingParams.from(request);
        String topic = connect ? ModifyIndex.connect(service) : ModifyIndex.health(service);
        return state.blocking.untilIndex(params, () -> state.index.of(topic), request.response()).map(v -> {
            JsonArray out = new JsonArray();
            for (ServiceRecord s : instances(service, connect)) {
                out.add(HealthJson.catalogEntry(state.node, s));
            }
            return ApiResponse.json(out).index(state.index.of(topic));
        });
    }

    private List<ServiceRecord> instances(String service, boolean connect) {
        return connect ? state.health.connectInstances(service) : state.health.instances(service);
    }
}
