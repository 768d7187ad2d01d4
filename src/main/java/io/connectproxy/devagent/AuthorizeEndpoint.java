package io.connectproxy.devagent;

import io.vertx.core.Future;
import io.vertx.core.http.HttpMethod;
import io.vertx.core.json.JsonObject;

import java.util.List;

/**
 * POST /v1/agent/connect/authorize: the first intention (by precedence) whose source matches the client's service
 * decides; with none, ACLs being off, the answer is allow — with Consul's exact reason texts.
 */
final class AuthorizeEndpoint {

    static final String DEFAULT_ALLOW = "ACLs disabled, access is allowed by default";

    private final AgentState state;

    AuthorizeEndpoint(AgentState state) {
        this.state = state;
    }

    void register(Router router) {
        router.on(HttpMethod.POST, "/v1/agent/connect/authorize", this::authorize);
    }

    private Future<ApiResponse> authorize(ApiRequest request) {
        DefinitionFields body = new DefinitionFields(request.jsonBody(), "");
        String target = body.string("Target", "");
        if (target.isEmpty()) {
            throw ApiException.badRequest("Target service must be specified");
        }
        String clientUri = body.string("ClientCertURI", "");
        if (clientUri.isEmpty()) {
            throw ApiException.badRequest("ClientCertURI must be specified");
        }
        SpiffeServiceId client = SpiffeServiceId.parse(clientUri);
        if (!client.host().equalsIgnoreCase(state.connectCa.ca().trustDomain())) {
            return answer(false, "Identity from an external trust domain: " + client.host());
        }
        List<IntentionRecord> candidates = state.intentions.matchDestination(target);
        for (IntentionRecord intention : candidates) {
            if (intention.matchesSource(client.service())) {
                return answer("allow".equals(intention.action()), "Matched L4 intention: " + intention.describe());
            }
        }
        return answer(true, DEFAULT_ALLOW);
    }

    private static Future<ApiResponse> answer(boolean authorized, String reason) {
        return Future.succeededFuture(ApiResponse.json(new JsonObject()
            .put("Authorized", authorized)
            .put("Reason", reason)));
    }
}
