package io.connectproxy.testsupport;

import io.vertx.core.Future;
import io.vertx.core.MultiMap;
import io.vertx.core.Vertx;
import io.vertx.core.http.HttpServer;
import io.vertx.core.http.HttpServerOptions;
import io.vertx.core.http.HttpServerRequest;
import io.vertx.core.json.JsonObject;
import io.vertx.core.net.PemKeyCertOptions;

import java.util.ArrayList;
import java.util.HashMap;
import java.util.Iterator;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.concurrent.CopyOnWriteArrayList;

/**
 * (Thread-safe: tests script it from their own thread while the server answers on an event loop.)
 * <p>
 * A small in-process HTTP server that answers agent paths with whatever a test scripts, with Consul's blocking
 * semantics (index or hash), and failure modes a real agent can show: a status like 500, a request that never
 * gets an answer, and a server that goes away and comes back on the same port. For failure-mode tests; normal
 * end-to-end tests use the embedded dev agent.
 * <p>
 * It can also hold services the way an agent does ({@link #putService}, {@link #putManaged}, and
 * {@code PUT /v1/agent/service/register}), answering {@code /v1/agent/service/<id>} with a content hash to block
 * on and keeping {@code /v1/agent/services} in step, and look like an agent that is down ({@link #down}).
 */
public final class ScriptedAgent {

    /** One request as the agent saw it. */
    public record Seen(String method, String path, MultiMap params, MultiMap headers) {
        /** The ACL token the request carried, or null. */
        public String token() {
            return headers.get("X-Consul-Token");
        }

        @Override
        public String toString() {
            return method + " " + path + (params.isEmpty() ? "" : " " + params.entries());
        }
    }

    private record Answer(int status, String body, long index, String hash, boolean hang) {
    }

    private record Waiter(HttpServerRequest request, long timerId) {
    }

    private final Vertx vertx;
    private final Map<String, Answer> answers = new HashMap<>();
    private final Map<String, List<Waiter>> waiters = new HashMap<>();
    private final List<Seen> seen = new CopyOnWriteArrayList<>();
    private final Map<String, JsonObject> services = new LinkedHashMap<>();
    private final List<JsonObject> registrations = new CopyOnWriteArrayList<>();
    private final PemKeyCertOptions tls;
    private volatile boolean down;
    private HttpServer server;
    private int port;

    private ScriptedAgent(Vertx vertx, PemKeyCertOptions tls) {
        this.vertx = vertx;
        this.tls = tls;
    }

    public static Future<ScriptedAgent> start(Vertx vertx) {
        return start(vertx, null);
    }

    /** @param tls certificate and key to serve https with, or null for plain http */
    public static Future<ScriptedAgent> start(Vertx vertx, PemKeyCertOptions tls) {
        ScriptedAgent agent = new ScriptedAgent(vertx, tls);
        // like any agent, it lists its services (none yet) until a test scripts that path otherwise
        agent.listServices();
        return agent.listen(0).map(agent);
    }

    public int port() {
        return port;
    }

    public String addr() {
        return "127.0.0.1:" + port;
    }

    public List<Seen> seen() {
        return seen;
    }

    /** Every request so far as {@code METHOD path}. */
    public List<String> requests() {
        return seen.stream().map(r -> r.method() + " " + r.path()).toList();
    }

    /** The bodies of {@code PUT /v1/agent/service/register} so far. */
    public List<JsonObject> registrations() {
        return registrations;
    }

    /**
     * Registers or replaces a service (an {@code /v1/agent/service/<id>} answer) and wakes the requests blocked on
     * it with its new content hash.
     */
    public synchronized void putService(JsonObject agentService) {
        String id = agentService.getString("ID");
        services.put(id, agentService.copy());
        answer("/v1/agent/service/" + id, agentService.encode(), 0, contentHash(agentService));
        listServices();
    }

    public synchronized void removeService(String id) {
        services.remove(id);
        fail("/v1/agent/service/" + id, 404, "unknown service ID: " + id);
        listServices();
    }

    /** A Consul 1.3-1.5 managed proxy config ({@code /v1/agent/connect/proxy/<id>}), hash-blocking like a service. */
    public synchronized void putManaged(String proxyId, JsonObject body) {
        answer("/v1/agent/connect/proxy/" + proxyId, body.encode(), 0, contentHash(body));
    }

    /** While down, every request's connection is closed unanswered (it is still recorded). */
    public void down(boolean isDown) {
        this.down = isDown;
    }

    private synchronized void listServices() {
        JsonObject all = new JsonObject();
        services.forEach(all::put);
        answer("/v1/agent/services", all.encode(), 0, null);
    }

    private static String contentHash(JsonObject body) {
        return Integer.toHexString(body.encode().hashCode());
    }

    /** Records the definition and lists it as a minimal agent service, as an agent would after registering it. */
    private void register(HttpServerRequest req) {
        req.body().onSuccess(b -> {
            JsonObject def = b.toJsonObject();
            registrations.add(def);
            putService(new JsonObject().put("Kind", def.getString("Kind")).put("ID", def.getString("ID"))
                    .put("Service", def.getString("Name")).put("Port", def.getInteger("Port"))
                    .put("Proxy", new JsonObject().put("Config", new JsonObject())).put("Datacenter", "dc1"));
            req.response().end();
        });
    }

    /** Sets the answer of a path and wakes the requests blocked on it. */
    public synchronized void answer(String path, String body, long index, String hash) {
        answers.put(path, new Answer(200, body, index, hash, false));
        wake(path);
    }

    public synchronized void fail(String path, int status, String body) {
        answers.put(path, new Answer(status, body, 0, null, false));
        wake(path);
    }

    /** Requests to this path are accepted and never answered. */
    public synchronized void hang(String path) {
        answers.put(path, new Answer(0, null, 0, null, true));
    }

    /** Closes the listening socket (the agent is down); state is kept. */
    public Future<Void> stop() {
        return server.close();
    }

    /** Listens again on the same port. */
    public Future<Void> restart() {
        return listen(port).mapEmpty();
    }

    private Future<Integer> listen(int onPort) {
        HttpServerOptions options = new HttpServerOptions();
        if (tls != null) {
            options.setSsl(true).setKeyCertOptions(tls);
        }
        server = vertx.createHttpServer(options).requestHandler(this::handle);
        return server.listen(onPort, "127.0.0.1").map(s -> {
            port = s.actualPort();
            return port;
        });
    }

    private synchronized void handle(HttpServerRequest req) {
        seen.add(new Seen(req.method().name(), req.path(), MultiMap.caseInsensitiveMultiMap().addAll(req.params()),
                MultiMap.caseInsensitiveMultiMap().addAll(req.headers())));
        if (down) {
            req.connection().close();
            return;
        }
        if (req.method().name().equals("PUT") && req.path().equals("/v1/agent/service/register")
                && !answers.containsKey(req.path())) {
            register(req);
            return;
        }
        Answer a = answers.get(req.path());
        if (a == null) {
            req.response().setStatusCode(404).end("no scripted answer for " + req.path());
            return;
        }
        if (a.hang) {
            return;
        }
        if (a.status == 200 && isBlockedBy(req, a)) {
            long waitMs = parseWait(req.getParam("wait"));
            long timer = vertx.setTimer(waitMs, t -> {
                synchronized (this) {
                    removeWaiter(req.path(), req);
                    respond(req, answers.get(req.path()));
                }
            });
            waiters.computeIfAbsent(req.path(), k -> new ArrayList<>()).add(new Waiter(req, timer));
            return;
        }
        respond(req, a);
    }

    private static boolean isBlockedBy(HttpServerRequest req, Answer a) {
        String index = req.getParam("index");
        String hash = req.getParam("hash");
        if (index != null) {
            return Long.parseLong(index) >= a.index;
        }
        return hash != null && hash.equals(a.hash);
    }

    private void wake(String path) {
        List<Waiter> list = waiters.remove(path);
        if (list == null) {
            return;
        }
        for (Waiter w : list) {
            vertx.cancelTimer(w.timerId);
            Answer a = answers.get(path);
            if (a.status != 200 || !isBlockedBy(w.request, a)) {
                respond(w.request, a);
            } else {
                waiters.computeIfAbsent(path, k -> new ArrayList<>()).add(w);
            }
        }
    }

    private void removeWaiter(String path, HttpServerRequest req) {
        List<Waiter> list = waiters.get(path);
        if (list != null) {
            for (Iterator<Waiter> it = list.iterator(); it.hasNext(); ) {
                if (it.next().request == req) {
                    it.remove();
                }
            }
        }
    }

    private static void respond(HttpServerRequest req, Answer a) {
        if (a.hang) {
            return;
        }
        var resp = req.response().setStatusCode(a.status);
        if (a.status == 200) {
            resp.putHeader("Content-Type", "application/json");
            if (a.index > 0) {
                resp.putHeader("X-Consul-Index", Long.toString(a.index));
            }
            if (a.hash != null) {
                resp.putHeader("X-Consul-ContentHash", a.hash);
            }
        } else {
            resp.putHeader("Content-Type", "text/plain; charset=utf-8");
        }
        resp.end(a.body == null ? "" : a.body);
    }

    private static long parseWait(String wait) {
        if (wait == null) {
            return 300_000;
        }
        if (wait.endsWith("ms")) {
            return Long.parseLong(wait.substring(0, wait.length() - 2));
        }
        if (wait.endsWith("s")) {
            return Long.parseLong(wait.substring(0, wait.length() - 1)) * 1000;
        }
        if (wait.endsWith("m")) {
            return Long.parseLong(wait.substring(0, wait.length() - 1)) * 60_000;
        }
        return Long.parseLong(wait);
    }
}
