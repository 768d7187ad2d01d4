package io.connectproxy.devagent;

import io.vertx.core.Future;
import io.vertx.core.http.HttpMethod;
import io.vertx.core.json.JsonArray;
import io.vertx.core.json.JsonObject;

import java.util.ArrayList;
import java.util.Collections;
import java.util.List;

/**
 * Prepared queries: POST /v1/query, GET /v1/query[/&lt;id&gt;], DELETE /v1/query/&lt;id&gt;, and
 * GET /v1/query/&lt;id-or-name&gt;/execute[?connect=true]. Execution is not blocking (clients poll), shuffles the
 * instances like Consul, and drops critical ones (and warning ones with OnlyPassing).
 */
final class QueryEndpoints {

    private static final String EXECUTE = "/execute";

    private final AgentState state;

    QueryEndpoints(AgentState state) {
        this.state = state;
    }

    void register(Router router) {
        router.on(HttpMethod.POST, "/v1/query", this::create)
            .on(HttpMethod.GET, "/v1/query", this::list)
            .on(HttpMethod.GET, "/v1/query/", this::getOrExecute)
            .on(HttpMethod.DELETE, "/v1/query/", this::delete);
    }

    private Future<ApiResponse> create(ApiRequest request) {
        state.requireLocalDatacenter(request);
        String id = state.queries.create(request.jsonBody());
        return Future.succeededFuture(ApiResponse.json(new JsonObject().put("ID", id)));
    }

    private Future<ApiResponse> list(ApiRequest request) {
        state.requireLocalDatacenter(request);
        JsonArray out = new JsonArray();
        state.queries.all().forEach(q -> out.add(q.toJson()));
        return Future.succeededFuture(ApiResponse.json(out).index(state.index.current()));
    }

    private Future<ApiResponse> getOrExecute(ApiRequest request) {
        state.requireLocalDatacenter(request);
        String tail = request.requireTail("query ID");
        if (tail.endsWith(EXECUTE)) {
            return Future.succeededFuture(execute(request, tail.substring(0, tail.length() - EXECUTE.length())));
        }
        PreparedQuery query = state.queries.byIdOrName(tail)
            .orElseThrow(() -> ApiException.notFound("Query not found"));
        return Future.succeededFuture(ApiResponse.json(new JsonArray().add(query.toJson()))
            .index(query.modifyIndex()));
    }

    private ApiResponse execute(ApiRequest request, String idOrName) {
        PreparedQuery query = state.queries.byIdOrName(idOrName)
            .orElseThrow(() -> ApiException.notFound("Query not found"));
        boolean connect = request.flag("connect");
        List<ServiceRecord> candidates = new ArrayList<>(connect ? state.health.connectInstances(query.service())
            : state.health.instances(query.service()));
        Collections.shuffle(candidates);
        JsonArray nodes = new JsonArray();
        for (ServiceRecord s : candidates) {
            boolean healthy = query.onlyPassing() ? state.health.passing(s) : state.health.notCritical(s);
            boolean tagged = query.tags().stream().allMatch(t -> t.startsWith("!") ? !s.tags().contains(t.substring(1))
                : s.tags().contains(t));
            if (healthy && tagged) {
                nodes.add(HealthJson.entry(state.node, s, state.health.checks(s), true));
            }
        }
        JsonObject body = new JsonObject()
            .put("Service", query.service())
            .put("Nodes", nodes)
            .put("DNS", new JsonObject().put("TTL", ""))
            .put("Datacenter", state.datacenter())
            .put("Failovers", 0)
            .put("Index", 0)
            .put("LastContact", 0)
            .put("KnownLeader", true)
            .put("ConsistencyLevel", "leader")
            .put("NotModified", false)
            .put("Backend", 0);
        String topic = connect ? ModifyIndex.connect(query.service()) : ModifyIndex.health(query.service());
        return ApiResponse.json(body).index(state.index.of(topic));
    }

    private Future<ApiResponse> delete(ApiRequest request) {
        state.requireLocalDatacenter(request);
        String id = request.requireTail("query ID");
        if (!state.queries.delete(id)) {
            throw ApiException.notFound("Query not found");
        }
        return Future.succeededFuture(ApiResponse.empty());
    }
}
