package io.connectproxy.consul.wire;

import io.vertx.core.json.JsonObject;

/** The body of {@code POST /v1/agent/connect/authorize}. */
public record AuthorizeRequest(String target, String clientCertUri, String clientCertSerial) {

    public JsonObject toJson() {
        return new JsonObject()
                .put("Target", target)
                .put("ClientCertURI", clientCertUri)
                .put("ClientCertSerial", clientCertSerial);
    }
}
