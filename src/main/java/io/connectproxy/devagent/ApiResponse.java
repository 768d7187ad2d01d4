package io.connectproxy.devagent;

import io.vertx.core.buffer.Buffer;
import io.vertx.core.json.Json;

import java.util.LinkedHashMap;
import java.util.Map;

/** An answer to send: status, body and the Consul headers (X-Consul-Index, X-Consul-ContentHash, ...). */
record ApiResponse(int status, String contentType, Buffer body, Map<String, String> headers) {

    static final String JSON = "application/json";
    static final String TEXT = "text/plain; charset=utf-8";

    /** 200 with a JSON body; {@code value} is a JsonObject, JsonArray, Boolean, String or null. */
    static ApiResponse json(Object value) {
        return new ApiResponse(200, JSON, Buffer.buffer(Json.encode(value)), new LinkedHashMap<>());
    }

    static ApiResponse text(int status, String text) {
        return new ApiResponse(status, TEXT, Buffer.buffer(text), new LinkedHashMap<>());
    }

    /** 200 with no body, like Consul's handlers that return nothing. */
    static ApiResponse empty() {
        return new ApiResponse(200, null, Buffer.buffer(), new LinkedHashMap<>());
    }

    ApiResponse header(String name, String value) {
        Map<String, String> copy = new LinkedHashMap<>(headers);
        copy.put(name, value);
        return new ApiResponse(status, contentType, body, copy);
    }

    /** X-Consul-Index plus the leader headers a server-answered query carries. */
    ApiResponse index(long index) {
        return header("X-Consul-Index", Long.toString(index))
            .header("X-Consul-KnownLeader", "true")
            .header("X-Consul-LastContact", "0");
    }

    ApiResponse contentHash(String hash) {
        return header("X-Consul-ContentHash", hash);
    }
}
