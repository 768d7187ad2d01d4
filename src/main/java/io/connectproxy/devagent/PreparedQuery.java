package io.connectproxy.devagent;

import io.vertx.core.json.JsonArray;
import io.vertx.core.json.JsonObject;

import java.util.List;

/** A prepared query: which service it resolves, and whether only passing instances count. */
record PreparedQuery(String id, String name, String service, boolean onlyPassing, List<String> tags,
                     long createIndex, long modifyIndex) {

    JsonObject toJson() {
        return new JsonObject()
            .put("ID", id)
            .put("Name", name)
            .put("Session", "")
            .put("Token", "")
            .put("Template", new JsonObject().put("Type", "").put("Regexp", "").put("RemoveEmptyTags", false))
            .put("Service", new JsonObject()
                .put("Service", service)
                .put("Failover", new JsonObject().put("NearestN", 0).put("Datacenters", null))
                .put("OnlyPassing", onlyPassing)
                .put("IgnoreCheckIDs", null)
                .put("Near", "")
                .put("Tags", tags.isEmpty() ? null : new JsonArray(tags))
                .put("NodeMeta", null)
                .put("ServiceMeta", null)
                .put("Connect", new JsonObject().put("Enabled", false)))
            .put("DNS", new JsonObject().put("TTL", ""))
            .put("CreateIndex", createIndex)
            .put("ModifyIndex", modifyIndex);
    }
}
