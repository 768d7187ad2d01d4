package io.connectproxy.envoy;

import io.connectproxy.testsupport.Fixtures;
import io.vertx.core.Future;
import io.vertx.core.Vertx;
import io.vertx.core.http.HttpServer;
import io.vertx.core.http.HttpServerOptions;
import io.vertx.core.http.HttpServerRequest;
import io.vertx.core.json.JsonObject;
import io.vertx.core.net.PemKeyCertOptions;

import java.util.List;
import java.util.Map;
import java.util.concurrent.ConcurrentHashMap;
import java.util.concurrent.CopyOnWriteArrayList;

/**
 * A small in-process stand-in for the agent endpoints envoy mode reads: /v1/agent/service/&lt;id&gt;,
 * /v1/agent/services, /v1/agent/self and PUT /v1/agent/service/register, answering with fixture-shaped bodies.
 * Records the requests (path and token) it saw.
 */
final class FakeAgent {
    final Map<String, JsonObject> services = new ConcurrentHashMap<>();
    final List<String> requests = new CopyOnWriteArrayList<>();
    final List<String> tokens = new CopyOnWriteArrayList<>();
    final List<JsonObject> registrations = new CopyOnWriteArrayList<>();
    volatile JsonObject self = Fixtures.json("agent-self.json");
    private HttpServer server;

    /** The web sidecar fixture with another id, destination and Proxy.Config. */
    static JsonObject sidecar(String id, String destination, JsonObject proxyConfig) {
        JsonObject s = Fixtures.json("agent-service-web-sidecar.json");
        s.put("ID", id).put("Service", id);
        s.getJsonObject("Proxy").put("DestinationServiceName", destination).put("DestinationServiceID", destination)
                .put("Config", proxyConfig);
        return s;
    }

    FakeAgent withService(JsonObject service) {
        services.put(service.getString("ID"), service);
        return this;
    }

    FakeAgent withGrpcPort(int port) {
        self.getJsonObject("DebugConfig").put("GRPCPort", port);
        return this;
    }

    Future<FakeAgent> start(Vertx vertx) {
        return start(vertx, null);
    }

    /** @param tls certificate and key for https, or null for plain http */
    Future<FakeAgent> start(Vertx vertx, PemKeyCertOptions tls) {
        HttpServerOptions options = new HttpServerOptions().setHost("127.0.0.1").setPort(0);
        if (tls != null) {
            options.setSsl(true).setKeyCertOptions(tls);
        }
        server = vertx.createHttpServer(options).requestHandler(this::handle);
        return server.listen().map(s -> this);
    }

    int port() {
        return server.actualPort();
    }

    private void handle(HttpServerRequest req) {
        requests.add(req.method() + " " + req.path());
        String token = req.getHeader("X-Consul-Token");
        tokens.add(token == null ? "" : token);
        String path = req.path();
        if (path.equals("/v1/agent/self")) {
            json(req, self.encode());
        } else if (path.equals("/v1/agent/services")) {
            JsonObject all = new JsonObject();
            services.forEach(all::put);
            json(req, all.encode());
        } else if (path.equals("/v1/agent/service/register")) {
            req.body().onSuccess(b -> {
                JsonObject def = b.toJsonObject();
                registrations.add(def);
                services.put(def.getString("ID"), new JsonObject()
                        .put("Kind", def.getString("Kind")).put("ID", def.getString("ID"))
                        .put("Service", def.getString("Name")).put("Port", def.getInteger("Port"))
                        .put("Proxy", new JsonObject().put("Config", new JsonObject()))
                        .put("Datacenter", "dc1"));
                req.response().end();
            });
        } else if (path.startsWith("/v1/agent/service/")) {
            String id = java.net.URLDecoder.decode(path.substring("/v1/agent/service/".length()),
                    java.nio.charset.StandardCharsets.UTF_8);
            JsonObject svc = services.get(id);
            if (svc == null) {
                req.response().setStatusCode(404).end("unknown proxy service ID: " + id);
            } else {
                json(req, svc.encode());
            }
        } else {
            req.response().setStatusCode(404).end();
        }
    }

    private static void json(HttpServerRequest req, String body) {
        req.response().putHeader("Content-Type", "application/json").end(body);
    }
}
