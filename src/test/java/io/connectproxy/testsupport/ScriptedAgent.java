package io.connectproxy.testsupport;

import io.vertx.core.Future;
import io.vertx.core.MultiMap;
import io.vertx.core.Vertx;
import io.vertx.core.http.HttpServer;
import io.vertx.core.http.HttpServerRequest;

import java.util.ArrayList;
import java.util.HashMap;
import java.util.Iterator;
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
 */
public final class ScriptedAgent {

    /** One request as the agent saw it. */
    public record Seen(String method, String path, MultiMap params, MultiMap headers) {
    }

    private record Answer(int status, String body, long index, String hash, boolean hang) {
    }

    private record Waiter(HttpServerRequest request, long timerId) {
    }

    private final Vertx vertx;
    private final Map<String, Answer> answers = new HashMap<>();
    private final Map<String, List<Waiter>> waiters = new HashMap<>();
    private final List<Seen> seen = new CopyOnWriteArrayList<>();
    private HttpServer server;
    private int port;

    private ScriptedAgent(Vertx vertx) {
        this.vertx = vertx;
    }

    public static Future<ScriptedAgent> start(Vertx vertx) {
        ScriptedAgent agent = new ScriptedAgent(vertx);
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
        server = vertx.createHttpServer().requestHandler(this::handle);
        return server.listen(onPort, "127.0.0.1").map(s -> {
            port = s.actualPort();
            return port;
        });
    }

    private synchronized void handle(HttpServerRequest req) {
        seen.add(new Seen(req.method().name(), req.path(), MultiMap.caseInsensitiveMultiMap().addAll(req.params()),
                MultiMap.caseInsensitiveMultiMap().addAll(req.headers())));
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
