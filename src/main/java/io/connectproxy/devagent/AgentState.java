package io.connectproxy.devagent;

import io.vertx.core.Vertx;

import io.vertx.core.json.JsonObject;

import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.UUID;

/** Everything the dev agent knows, wired together once. Only touched on the agent's context. */
final class AgentState {

    final DevAgentOptions options;
    final NodeInfo node;
    final ChangeFeed feed = new ChangeFeed();
    final ModifyIndex index = new ModifyIndex(feed);
    final BlockingWait blocking;
    final Catalog catalog;
    final HealthView health;
    final ConnectCa connectCa;
    final IntentionStore intentions;
    final PreparedQueryStore queries;

    /**
     * Service definitions registered over HTTP, by service id, in order: what a data directory keeps of the
     * services (definitions given at start come from the options again, like a config directory).
     */
    final Map<String, JsonObject> httpRegistrations = new LinkedHashMap<>();

    AgentState(Vertx vertx, DevAgentOptions options) {
        this(vertx, options, null);
    }

    /** A fresh agent when {@code saved} is null, else the one a data directory kept (same CA, node, indexes). */
    AgentState(Vertx vertx, DevAgentOptions options, JsonObject saved) {
        this.options = options;
        String nodeId = saved == null ? UUID.randomUUID().toString() : saved.getString("node_id");
        this.node = new NodeInfo(nodeId, options.nodeName(), "127.0.0.1", options.datacenter());
        this.blocking = new BlockingWait(vertx, feed);
        this.catalog = new Catalog(index, vertx, options.sidecarCheckInterval());
        this.health = new HealthView(catalog);
        this.intentions = new IntentionStore(index);
        this.queries = new PreparedQueryStore(index);
        if (saved == null) {
            long caIndex = index.next();
            DevCa ca = new DevCa(UUID.randomUUID().toString(), options.datacenter(), caIndex);
            index.publish(caIndex, List.of(ModifyIndex.ROOTS));
            this.connectCa = new ConnectCa(vertx, ca, index, options.leafTtl());
        } else {
            index.restore(saved.getLong("index"), StateFile.topicsFromJson(saved.getJsonObject("topics")));
            DevCa ca = StateFile.caFromJson(saved.getJsonObject("ca"), options.datacenter());
            this.connectCa = new ConnectCa(vertx, ca, index, options.leafTtl());
            connectCa.restoreConfig(saved.getJsonObject("ca_config"));
            intentions.restore(StateFile.intentionsFromJson(saved.getJsonArray("intentions")));
            saved.getJsonObject("services").forEach(e -> httpRegistrations.put(e.getKey(), (JsonObject) e.getValue()));
        }
    }

    /** What a data directory keeps; taken on the agent's context so it is one consistent moment. */
    JsonObject toJson() {
        JsonObject services = new JsonObject();
        httpRegistrations.forEach((id, definition) -> services.put(id, definition.copy()));
        return new JsonObject()
            .put("node_id", node.id())
            .put("index", index.current())
            .put("topics", StateFile.topicsToJson(index.topics()))
            .put("ca", StateFile.caToJson(connectCa.ca()))
            .put("ca_config", connectCa.configToJson())
            .put("intentions", StateFile.intentionsToJson(intentions.all()))
            .put("services", services);
    }

    String datacenter() {
        return options.datacenter();
    }

    /** Consul answers a query for another datacenter with 500 "No path to datacenter" when it knows none. */
    void requireLocalDatacenter(ApiRequest request) {
        String dc = request.param("dc");
        if (dc != null && !dc.isEmpty() && !dc.equals(options.datacenter())) {
            throw ApiException.serverError("No path to datacenter");
        }
    }

    void close() {
        catalog.close();
        connectCa.close();
    }
}
