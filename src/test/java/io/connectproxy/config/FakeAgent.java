package io.connectproxy.config;

import io.vertx.core.Future;
import io.vertx.core.Vertx;
import io.vertx.core.http.HttpServer;
import io.vertx.core.http.HttpServerRequest;
import io.vertx.core.json.JsonObject;

import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.concurrent.CopyOnWriteArrayList;

/**
 * A small in-process stand-in for the agent endpoints the config watcher reads: {@code /v1/agent/services},
 * {@code /v1/agent/service/<id>} and {@code /v1/agent/connect/proxy/<id>}, with Consul's hash-blocking
 * semantics (a request carrying the current {@code hash} is held until the answer changes or {@code wait} ends).
 * It can also drop every connection, to look like an agent that is down. Thread-safe: tests change it from
 * their own thread while the server answers on an event loop.
 */
final class FakeAgent {
    private final Vertx vertx;
    private final Map<String, JsonObject> services = new LinkedHashMap<>();
    private final Map<String, JsonObject> managed = new LinkedHashMap<>();
    private final List<Runnable> held = new ArrayList<>();
    /** Every request as "METHOD path?query token=<X-Consul-Token>". */
    final List<String> requests = new CopyOnWriteArrayList<>();
    private volatile boolean down;
    private HttpServer server;

    FakeAgent(Vertx vertx) {
        this.vertx = vertx;
    }

    Future<FakeAgent> start() {
        server = vertx.createHttpServer().requestHandler(this::handle);
        return server.listen(0, "127.0.0.1").map(s -> this);
    }

    String address() {
        return "127.0.0.1:" + server.actualPort();
    }

    /** Registers or replaces a service and releases the requests blocked on it. Call on the agent's context. */
    synchronized void putService(JsonObject body) {
        services.put(body.getString("ID"), body.copy());
        release();
    }

    synchronized void removeService(String id) {
        services.remove(id);
        release();
    }

    synchronized void putManaged(String proxyId, JsonObject body) {
        managed.put(proxyId, body.copy());
        release();
    }

    void down(boolean down) {
        this.down = down;
    }

    private void release() {
        List<Runnable> now = new ArrayList<>(held);
        held.clear();
        now.forEach(Runnable::run);
    }

    private synchronized void handle(HttpServerRequest req) {
        requests.add(req.method() + " " + req.uri() + " token=" + req.getHeader("X-Consul-Token"));
        if (down) {
            req.connection().close();
            return;
        }
        String path = req.path();
        if (path.equals("/v1/agent/services")) {
            JsonObject all = new JsonObject();
            services.forEach(all::put);
            req.response().putHeader("Content-Type", "application/json").end(all.encode());
        } else if (path.startsWith("/v1/agent/service/")) {
            serveBlocking(req, () -> services.get(path.substring("/v1/agent/service/".length())));
        } else if (path.startsWith("/v1/agent/connect/proxy/")) {
            serveBlocking(req, () -> managed.get(path.substring("/v1/agent/connect/proxy/".length())));
        } else {
            req.response().setStatusCode(404).end("not found");
        }
    }

    private void serveBlocking(HttpServerRequest req, java.util.function.Supplier<JsonObject> lookup) {
        JsonObject body = lookup.get();
        if (body == null) {
            req.response().setStatusCode(404).end("unknown service ID");
            return;
        }
        String hash = hash(body);
        String asked = req.getParam("hash");
        String wait = req.getParam("wait");
        if (asked != null && asked.equals(hash) && wait != null) {
            long[] timer = {-1};
            Runnable answer = () -> {
                if (timer[0] >= 0) {
                    vertx.cancelTimer(timer[0]);
                }
                JsonObject now = lookup.get();
                if (now == null) {
                    req.response().setStatusCode(404).end("unknown service ID");
                } else {
                    answer(req, now);
                }
            };
            held.add(answer);
            timer[0] = vertx.setTimer(millis(wait), t -> {
                timer[0] = -1;
                synchronized (this) {
                    if (held.remove(answer)) {
                        answer.run();
                    }
                }
            });
            return;
        }
        answer(req, body);
    }

    private static void answer(HttpServerRequest req, JsonObject body) {
        req.response().putHeader("Content-Type", "application/json")
                .putHeader("X-Consul-ContentHash", hash(body)).end(body.encode());
    }

    static String hash(JsonObject body) {
        return Integer.toHexString(body.encode().hashCode());
    }

    private static long millis(String goDuration) {
        if (goDuration.endsWith("ms")) {
            return Long.parseLong(goDuration.substring(0, goDuration.length() - 2));
        }
        if (goDuration.endsWith("s")) {
            return Long.parseLong(goDuration.substring(0, goDuration.length() - 1)) * 1000;
        }
        if (goDuration.endsWith("m")) {
            return Long.parseLong(goDuration.substring(0, goDuration.length() - 1)) * 60_000;
        }
        throw new IllegalArgumentException(goDuration);
    }

    Future<Void> close() {
        return server == null ? Future.succeededFuture() : server.close();
    }
}
