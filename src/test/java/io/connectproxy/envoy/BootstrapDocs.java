package io.connectproxy.envoy;

import io.vertx.core.json.JsonArray;
import io.vertx.core.json.JsonObject;

/** Paths into a bootstrap document, to keep the assertions readable. */
final class BootstrapDocs {
    private BootstrapDocs() {
    }

    static JsonObject localAgent(JsonObject doc) {
        return clusters(doc).getJsonObject(0);
    }

    static JsonArray clusters(JsonObject doc) {
        return doc.getJsonObject("static_resources").getJsonArray("clusters");
    }

    static JsonObject agentAddress(JsonObject doc) {
        return localAgent(doc).getJsonObject("loadAssignment").getJsonArray("endpoints").getJsonObject(0)
                .getJsonArray("lbEndpoints").getJsonObject(0).getJsonObject("endpoint").getJsonObject("address");
    }

    static String token(JsonObject doc) {
        return doc.getJsonObject("dynamic_resources").getJsonObject("ads_config").getJsonArray("grpc_services")
                .getJsonObject(0).getJsonArray("initial_metadata").getJsonObject(0).getString("value");
    }

    /** The defaults document with the local agent's address replaced. */
    static JsonObject withAgentAddress(JsonObject doc, JsonObject address) {
        JsonObject copy = doc.copy();
        localAgent(copy).getJsonObject("loadAssignment").getJsonArray("endpoints").getJsonObject(0)
                .getJsonArray("lbEndpoints").getJsonObject(0).getJsonObject("endpoint").put("address", address);
        return copy;
    }

    static JsonObject withToken(JsonObject doc, String token) {
        JsonObject copy = doc.copy();
        copy.getJsonObject("dynamic_resources").getJsonObject("ads_config").getJsonArray("grpc_services")
                .getJsonObject(0).getJsonArray("initial_metadata").getJsonObject(0).put("value", token);
        return copy;
    }

    static JsonObject socket(String ip, int port) {
        return new JsonObject().put("socket_address", new JsonObject().put("address", ip).put("port_value", port));
    }
}
