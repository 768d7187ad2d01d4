package io.connectproxy.devagent;

import io.vertx.core.Future;
import io.vertx.core.http.HttpMethod;
import io.vertx.core.json.JsonObject;

import java.util.List;
import java.util.Locale;
import java.util.logging.Logger;

/** /v1/agent/self, services, service registration and TTL check updates. */
final class AgentEndpoints {

    private static final Logger LOG = Logger.getLogger(AgentEndpoints.class.getName());
    static final int GRPC_PORT = 8502;

    private final AgentState state;
    private final java.util.function.IntSupplier httpPort;

    AgentEndpoints(AgentState state, java.util.function.IntSupplier httpPort) {
        this.state = state;
        this.httpPort = httpPort;
    }

    void register(Router router) {
        router.on(HttpMethod.GET, "/v1/agent/self", r -> Future.succeededFuture(self()))
            .on(HttpMethod.GET, "/v1/agent/services", r -> Future.succeededFuture(services()))
            .on(HttpMethod.GET, "/v1/agent/service/", this::service)
            .on(HttpMethod.PUT, "/v1/agent/service/register", this::registerService)
            .on(HttpMethod.PUT, "/v1/agent/service/deregister/", this::deregisterService)
            .on(HttpMethod.GET, "/v1/agent/checks", r -> Future.succeededFuture(checks()))
            .on(HttpMethod.PUT, "/v1/agent/check/pass/", r -> ttl(r, CheckRecord.PASSING))
            .on(HttpMethod.PUT, "/v1/agent/check/warn/", r -> ttl(r, CheckRecord.WARNING))
            .on(HttpMethod.PUT, "/v1/agent/check/fail/", r -> ttl(r, CheckRecord.CRITICAL))
            .on(HttpMethod.PUT, "/v1/agent/check/update/", this::checkUpdate)
            .on(HttpMethod.GET, "/v1/status/leader", r -> Future.succeededFuture(ApiResponse.json("127.0.0.1:8300")));
    }

    private ApiResponse self() {
        JsonObject config = new JsonObject()
            .put("Datacenter", state.datacenter())
            .put("PrimaryDatacenter", state.datacenter())
            .put("NodeName", state.node.name())
            .put("NodeID", state.node.id())
            .put("Revision", "")
            .put("Server", true)
            .put("Version", "1.10.1");
        JsonObject debug = new JsonObject()
            .put("Datacenter", state.datacenter())
            .put("PrimaryDatacenter", state.datacenter())
            .put("NodeName", state.node.name())
            .put("GRPCPort", GRPC_PORT)
            .put("HTTPPort", httpPort.getAsInt())
            .put("HTTPSPort", -1)
            .put("ConnectEnabled", true)
            .put("ACLsEnabled", false)
            .put("ACLDefaultPolicy", "allow");
        return ApiResponse.json(new JsonObject().put("Config", config).put("DebugConfig", debug));
    }

    private ApiResponse services() {
        JsonObject out = new JsonObject();
        for (ServiceRecord s : state.catalog.services()) {
            out.put(s.id(), AgentServiceJson.service(s, state.datacenter()));
        }
        return ApiResponse.json(out);
    }

    private ApiResponse checks() {
        JsonObject out = new JsonObject();
        for (CheckRecord c : state.catalog.checks()) {
            ServiceRecord owner = state.catalog.service(c.serviceId());
            out.put(c.checkId(), AgentServiceJson.check(c, state.node, owner == null ? List.of() : owner.tags()));
        }
        return ApiResponse.json(out);
    }

    /** GET /v1/agent/service/&lt;id&gt;, hash-blocking. */
    private Future<ApiResponse> service(ApiRequest request) {
        String id = request.requireTail("service ID");
        BlockingParams params = BlockingParams.from(request);
        if (state.catalog.service(id) == null) {
            throw ApiException.notFound("unknown service ID: " + id);
        }
        return state.blocking.untilHash(params, () -> currentHash(id), request.response()).map(v -> {
            ServiceRecord s = state.catalog.service(id);
            if (s == null) {
                throw ApiException.notFound("unknown service ID: " + id);
            }
            JsonObject body = AgentServiceJson.serviceWithHash(s, state.datacenter());
            return ApiResponse.json(body).contentHash(body.getString("ContentHash"));
        });
    }

    private String currentHash(String id) {
        ServiceRecord s = state.catalog.service(id);
        // a removed service counts as changed, so the parked query ends with the 404
        return s == null ? "" : AgentServiceJson.serviceWithHash(s, state.datacenter()).getString("ContentHash");
    }

    private Future<ApiResponse> registerService(ApiRequest request) {
        JsonObject body = request.jsonBody();
        ServiceDefinition definition = RegistrationBodyParser.parse(body);
        List<ServiceRecord> stored = state.catalog.register(definition);
        state.httpRegistrations.put(stored.get(0).id(), body.copy());
        LOG.info(() -> "registered " + stored.stream().map(ServiceRecord::id).toList());
        return Future.succeededFuture(ApiResponse.empty());
    }

    private Future<ApiResponse> deregisterService(ApiRequest request) {
        String id = request.requireTail("service ID");
        state.httpRegistrations.remove(id);
        if (state.catalog.deregister(id)) {
            LOG.info(() -> "deregistered " + id);
        } else {
            // Consul 1.10 with ACLs off logs and answers 200 for an unknown id
            LOG.warning(() -> "deregister of unknown service " + id);
        }
        return Future.succeededFuture(ApiResponse.empty());
    }

    private Future<ApiResponse> ttl(ApiRequest request, String status) {
        String checkId = request.requireTail("check ID");
        String note = request.param("note");
        state.catalog.updateTtl(checkId, status, note == null ? "" : note);
        return Future.succeededFuture(ApiResponse.empty());
    }

    private Future<ApiResponse> checkUpdate(ApiRequest request) {
        String checkId = request.requireTail("check ID");
        DefinitionFields body = new DefinitionFields(request.jsonBody(), "");
        String status = body.string("Status", "").toLowerCase(Locale.ROOT);
        if (!CheckRecord.isValidStatus(status)) {
            throw ApiException.badRequest("Invalid check status: '" + status + "'");
        }
        state.catalog.updateTtl(checkId, status, body.string("Output", ""));
        return Future.succeededFuture(ApiResponse.empty());
    }
}
