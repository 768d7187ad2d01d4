package io.connectproxy.devagent;

import io.vertx.core.Future;
import io.vertx.core.http.HttpMethod;
import io.vertx.core.http.HttpServerRequest;
import io.vertx.core.http.HttpServerResponse;

import java.net.URLDecoder;
import java.nio.charset.StandardCharsets;
import java.util.ArrayList;
import java.util.Comparator;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.Optional;
import java.util.logging.Level;
import java.util.logging.Logger;
import java.util.stream.Collectors;

/**
 * A tiny router for the agent API: exact paths, and prefixes ending in "/" whose remainder is the tail (an id or a
 * name). It answers 404 for unknown paths and 405 for a wrong method like Consul, and maps failures to plain text.
 */
final class Router {

    private static final Logger LOG = Logger.getLogger(Router.class.getName());

    interface Handler {
        Future<ApiResponse> handle(ApiRequest request);
    }

    private record Route(String path, boolean prefix, Map<HttpMethod, Handler> handlers) {
    }

    private final List<Route> routes = new ArrayList<>();

    /** Registers a handler; a path ending in "/" matches every path below it and passes the rest as the tail. */
    Router on(HttpMethod method, String path, Handler handler) {
        Route route = routes.stream().filter(r -> r.path.equals(path)).findFirst().orElseGet(() -> {
            Route created = new Route(path, path.endsWith("/"), new LinkedHashMap<>());
            routes.add(created);
            // longest prefix first, so /v1/agent/service/register wins over /v1/agent/service/
            routes.sort(Comparator.comparingInt((Route r) -> r.prefix ? 1 : 0)
                .thenComparing(Comparator.comparingInt((Route r) -> r.path.length()).reversed()));
            return created;
        });
        route.handlers.put(method, handler);
        return this;
    }

    void handle(HttpServerRequest request) {
        request.body().onComplete(ar -> {
            if (ar.failed()) {
                request.response().reset();
                return;
            }
            String path = request.path();
            Optional<Route> match = routes.stream()
                .filter(r -> r.prefix ? path.startsWith(r.path) : path.equals(r.path))
                .findFirst();
            HttpServerResponse response = request.response();
            if (match.isEmpty()) {
                send(response, ApiResponse.text(404, "404 page not found\n"));
                return;
            }
            Route route = match.get();
            Handler handler = route.handlers.get(request.method());
            if (handler == null) {
                String allowed = route.handlers.keySet().stream().map(HttpMethod::name).collect(Collectors.joining(","));
                send(response, ApiResponse.text(405, "method " + request.method().name() + " not allowed")
                    .header("Allow", allowed));
                return;
            }
            String tail = route.prefix ? URLDecoder.decode(path.substring(route.path.length()), StandardCharsets.UTF_8)
                : null;
            ApiRequest apiRequest = new ApiRequest(request.method(), path, tail, request.params(), ar.result(), response);
            Future<ApiResponse> answer;
            try {
                answer = handler.handle(apiRequest);
            } catch (RuntimeException e) {
                answer = Future.failedFuture(e);
            }
            answer.onComplete(done -> {
                if (response.closed() || response.ended()) {
                    return;
                }
                if (done.succeeded()) {
                    send(response, done.result());
                } else {
                    send(response, failure(request, done.cause()));
                }
            });
        });
    }

    private static ApiResponse failure(HttpServerRequest request, Throwable cause) {
        if (cause instanceof ApiException api) {
            return ApiResponse.text(api.status(), api.getMessage());
        }
        LOG.log(Level.WARNING, "dev agent failed on " + request.method() + " " + request.path(), cause);
        return ApiResponse.text(500, String.valueOf(cause.getMessage()));
    }

    private static void send(HttpServerResponse response, ApiResponse answer) {
        response.setStatusCode(answer.status());
        response.putHeader("Vary", "Accept-Encoding");
        response.putHeader("X-Consul-Default-Acl-Policy", "allow");
        if (answer.contentType() != null) {
            response.putHeader("Content-Type", answer.contentType());
        }
        answer.headers().forEach(response::putHeader);
        response.end(answer.body());
    }
}
