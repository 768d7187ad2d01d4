package io.connectproxy.devagent;

import io.vertx.core.MultiMap;
import io.vertx.core.buffer.Buffer;
import io.vertx.core.http.HttpMethod;
import io.vertx.core.http.HttpServerResponse;
import io.vertx.core.json.DecodeException;
import io.vertx.core.json.Json;
import io.vertx.core.json.JsonObject;

/** One agent API request after routing: the path tail (an id or a name), the query parameters and the body. */
final class ApiRequest {

    private final HttpMethod method;
    private final String path;
    private final String tail;
    private final MultiMap params;
    private final Buffer body;
    private final HttpServerResponse response;

    ApiRequest(HttpMethod method, String path, String tail, MultiMap params, Buffer body, HttpServerResponse response) {
        this.method = method;
        this.path = path;
        this.tail = tail;
        this.params = params;
        this.body = body;
        this.response = response;
    }

    HttpMethod method() {
        return method;
    }

    String path() {
        return path;
    }

    /** The path after the route's prefix, e.g. the service id of /v1/agent/service/&lt;id&gt;. */
    String tail() {
        return tail;
    }

    String param(String name) {
        return params.get(name);
    }

    /** Every value of a repeated parameter (e.g. match's name=a&amp;name=b). */
    java.util.List<String> params(String name) {
        return params.getAll(name);
    }

    /** Consul's boolean flags: present without a value, or a value Go's ParseBool reads as true. */
    boolean flag(String name) {
        if (!params.contains(name)) {
            return false;
        }
        String value = params.get(name);
        return value == null || value.isEmpty() || value.equals("1") || value.equalsIgnoreCase("true")
            || value.equals("t");
    }

    /** The tail, which must be present: Consul answers 400 with this text when it is missing. */
    String requireTail(String what) {
        if (tail == null || tail.isEmpty()) {
            throw ApiException.badRequest("Missing " + what);
        }
        return tail;
    }

    String requireParam(String name) {
        String value = params.get(name);
        if (value == null || value.isEmpty()) {
            throw ApiException.badRequest("required query parameter '" + name + "' not set");
        }
        return value;
    }

    /** The body as a JSON object; an empty body is an empty object. */
    JsonObject jsonBody() {
        if (body == null || body.length() == 0) {
            return new JsonObject();
        }
        try {
            Object decoded = Json.decodeValue(body);
            if (decoded instanceof JsonObject object) {
                return object;
            }
            throw ApiException.badRequest("Request decode failed: expected a JSON object");
        } catch (DecodeException e) {
            throw ApiException.badRequest("Request decode failed: " + e.getMessage());
        }
    }

    /** The response, for blocking queries that must notice a client hanging up. */
    HttpServerResponse response() {
        return response;
    }
}
