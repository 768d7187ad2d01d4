package io.connectproxy.consul.wire;

import io.vertx.core.json.JsonObject;

/** The answer of {@code POST /v1/agent/connect/authorize}. */
public record AuthorizeResult(boolean authorized, String reason) {

    public static AuthorizeResult fromJson(JsonObject json) {
        WireReader r = WireReader.of(json, "");
        if (!(json.getValue("Authorized") instanceof Boolean)) {
            throw new WireFormatException("Authorized: expected boolean, got "
                    + WireReader.typeName(json.getValue("Authorized")));
        }
        return new AuthorizeResult(r.bool("Authorized"), r.string("Reason"));
    }
}
