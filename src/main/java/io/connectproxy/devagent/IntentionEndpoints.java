package io.connectproxy.devagent;

import io.vertx.core.Future;
import io.vertx.core.http.HttpMethod;
import io.vertx.core.json.JsonArray;
import io.vertx.core.json.JsonObject;

import java.util.List;

/** /v1/connect/intentions: legacy (by id) and exact (by source and destination) forms, and match. */
final class IntentionEndpoints {

    private final AgentState state;

    IntentionEndpoints(AgentState state) {
        this.state = state;
    }

    void register(Router router) {
        router.on(HttpMethod.POST, "/v1/connect/intentions", this::create)
            .on(HttpMethod.GET, "/v1/connect/intentions", this::list)
            .on(HttpMethod.GET, "/v1/connect/intentions/exact", this::getExact)
            .on(HttpMethod.PUT, "/v1/connect/intentions/exact", this::putExact)
            .on(HttpMethod.DELETE, "/v1/connect/intentions/exact", this::deleteExact)
            .on(HttpMethod.GET, "/v1/connect/intentions/match", this::match)
            .on(HttpMethod.GET, "/v1/connect/intentions/", this::getById)
            .on(HttpMethod.DELETE, "/v1/connect/intentions/", this::deleteById);
    }

    private Future<ApiResponse> create(ApiRequest request) {
        state.requireLocalDatacenter(request);
        DefinitionFields body = new DefinitionFields(request.jsonBody(), "");
        String id = state.intentions.create(body.string("SourceName", ""), body.string("DestinationName", ""),
            body.string("Action", ""), body.string("Description", ""), body.opaque("Meta"));
        return Future.succeededFuture(ApiResponse.json(new JsonObject().put("ID", id)));
    }

    private Future<ApiResponse> list(ApiRequest request) {
        state.requireLocalDatacenter(request);
        BlockingParams params = BlockingParams.from(request);
        return state.blocking.untilIndex(params, state.intentions::index, request.response()).map(v -> {
            JsonArray out = new JsonArray();
            state.intentions.all().forEach(i -> out.add(IntentionJson.render(i)));
            return ApiResponse.json(out).index(state.intentions.index());
        });
    }

    private Future<ApiResponse> getExact(ApiRequest request) {
        state.requireLocalDatacenter(request);
        IntentionRecord intention = state.intentions
            .exact(request.requireParam("source"), request.requireParam("destination"))
            .orElseThrow(() -> ApiException.notFound("Intention not found"));
        return Future.succeededFuture(ApiResponse.json(IntentionJson.render(intention))
            .index(state.intentions.index()));
    }

    private Future<ApiResponse> putExact(ApiRequest request) {
        state.requireLocalDatacenter(request);
        String source = request.requireParam("source");
        String destination = request.requireParam("destination");
        DefinitionFields body = new DefinitionFields(request.jsonBody(), "");
        state.intentions.upsert(source, destination, body.string("Action", ""), body.string("Description", ""),
            body.opaque("Meta"));
        return Future.succeededFuture(ApiResponse.json(true));
    }

    private Future<ApiResponse> deleteExact(ApiRequest request) {
        state.requireLocalDatacenter(request);
        state.intentions.deleteExact(request.requireParam("source"), request.requireParam("destination"));
        return Future.succeededFuture(ApiResponse.json(true));
    }

    private Future<ApiResponse> getById(ApiRequest request) {
        state.requireLocalDatacenter(request);
        String id = request.requireTail("intention ID");
        IntentionRecord intention = state.intentions.byId(id)
            .orElseThrow(() -> ApiException.notFound("Intention not found"));
        return Future.succeededFuture(ApiResponse.json(IntentionJson.render(intention))
            .index(state.intentions.index()));
    }

    private Future<ApiResponse> deleteById(ApiRequest request) {
        state.requireLocalDatacenter(request);
        String id = request.requireTail("intention ID");
        if (!state.intentions.deleteById(id)) {
            throw ApiException.notFound("Intention not found");
        }
        return Future.succeededFuture(ApiResponse.json(true));
    }

    /** GET /v1/connect/intentions/match?by=source|destination&amp;name=...: map name → intentions or null. */
    private Future<ApiResponse> match(ApiRequest request) {
        state.requireLocalDatacenter(request);
        String by = request.requireParam("by");
        if (!by.equals("source") && !by.equals("destination")) {
            throw ApiException.badRequest("'by' parameter must be one of 'source' or 'destination'");
        }
        List<String> names = request.params("name");
        if (names.isEmpty()) {
            throw ApiException.badRequest("required query parameter 'name' not set");
        }
        BlockingParams params = BlockingParams.from(request);
        return state.blocking.untilIndex(params, state.intentions::index, request.response()).map(v -> {
            JsonObject out = new JsonObject();
            for (String name : names) {
                List<IntentionRecord> matches = by.equals("destination") ? state.intentions.matchDestination(name)
                    : state.intentions.matchSource(name);
                JsonArray list = new JsonArray();
                matches.forEach(i -> list.add(IntentionJson.render(i)));
                out.put(name, list.isEmpty() ? null : list);
            }
            return ApiResponse.json(out).index(state.intentions.index());
        });
    }
}
