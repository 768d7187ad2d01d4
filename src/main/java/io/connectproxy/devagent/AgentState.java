package io.connectproxy.devagent;

import io.vertx.core.Vertx;

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

    AgentState(Vertx vertx, DevAgentOptions options) {
        this.options = options;
        this.node = new NodeInfo(UUID.randomUUID().toString(), options.nodeName(), "127.0.0.1", options.datacenter());
        this.blocking = new BlockingWait(vertx, feed);
        this.catalog = new Catalog(index, vertx, options.sidecarCheckInterval());
        this.health = new HealthView(catalog);
        long caIndex = index.next();
        DevCa ca = new DevCa(UUID.randomUUID().toString(), options.datacenter(), caIndex);
        index.publish(caIndex, java.util.List.of(ModifyIndex.ROOTS));
        this.connectCa = new ConnectCa(vertx, ca, index, options.leafTtl());
        this.intentions = new IntentionStore(index);
        this.queries = new PreparedQueryStore(index);
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
