package io.connectproxy.admin;

import io.connectproxy.config.HostPort;
import io.vertx.core.Future;
import io.vertx.core.VerticleBase;
import io.vertx.core.http.HttpHeaders;
import io.vertx.core.http.HttpMethod;
import io.vertx.core.http.HttpServer;
import io.vertx.core.http.HttpServerOptions;
import io.vertx.core.http.HttpServerRequest;
import io.vertx.core.json.JsonObject;

import java.util.Objects;
import java.util.function.Supplier;
import java.util.logging.Logger;

/**
 * The admin HTTP listener (loopback by default): {@code /ready} (200 only when {@link Readiness#ready()}, else 503
 * with the reasons), {@code /health} (the process answers), {@code /metrics} (Prometheus text) and {@code /config}
 * (the running config, secrets already redacted by the supplier). Read-only: GET and HEAD only.
 * <p>
 * The metrics listener ({@link #metricsOnly}, {@code -admin-metrics-bind}) is the same without {@code /config}:
 * it can face a scraper or a kubelet from outside the host without publishing the service's configuration.
 */
public final class AdminVerticle extends VerticleBase {
    private static final Logger LOG = Logger.getLogger(AdminVerticle.class.getName());
    /** The Prometheus text exposition format the registry writes. */
    static final String PROMETHEUS_TEXT = "text/plain; version=0.0.4; charset=utf-8";
    private static final String JSON = "application/json";

    private final HostPort bind;
    private final boolean anyPortWhenTaken;
    private final Supplier<Readiness> readiness;
    /** Null on the metrics listener: {@code /config} is not served there. */
    private final Supplier<JsonObject> config;
    private final Supplier<String> scrape;
    private HttpServer server;

    /**
     * @param bind      where to listen (port 0: any free port, for tests)
     * @param readiness asked on every {@code /ready}
     * @param config    the redacted running config for {@code /config}
     * @param scrape    the Prometheus text; called on a worker thread (it walks every meter)
     */
    public AdminVerticle(HostPort bind, Supplier<Readiness> readiness, Supplier<JsonObject> config,
                         Supplier<String> scrape) {
        this(bind, false, readiness, config, scrape);
    }

    /**
     * @param anyPortWhenTaken when {@code bind} is taken, listen on any free port of the same host instead of
     *                         failing (for the default address, which nobody chose: a second proxy on the host
     *                         must still start)
     */
    public AdminVerticle(HostPort bind, boolean anyPortWhenTaken, Supplier<Readiness> readiness,
                         Supplier<JsonObject> config, Supplier<String> scrape) {
        this.bind = Objects.requireNonNull(bind);
        this.anyPortWhenTaken = anyPortWhenTaken;
        this.readiness = Objects.requireNonNull(readiness);
        this.config = config;
        this.scrape = Objects.requireNonNull(scrape);
    }

    /** A listener of {@code /metrics}, {@code /ready} and {@code /health} only: never the configuration. */
    public static AdminVerticle metricsOnly(HostPort bind, Supplier<Readiness> readiness, Supplier<String> scrape) {
        return new AdminVerticle(bind, false, readiness, null, scrape);
    }

    /** The bound port, or -1 before start. */
    public int actualPort() {
        return server == null ? -1 : server.actualPort();
    }

    /** Where it listens ({@code bind}, or the fallback port), or null before start. */
    public HostPort boundAddress() {
        return server == null ? null : new HostPort(bind.host(), server.actualPort());
    }

    @Override
    public Future<?> start() {
        return listen(bind.port()).recover(e -> {
            if (!anyPortWhenTaken || bind.port() == 0) {
                return Future.failedFuture(new IllegalStateException("admin listener: cannot bind "
                        + bind + ": " + e.getMessage() + " (set -admin-bind to another address, or off)", e));
            }
            return listen(0).onSuccess(s -> LOG.warning(() -> "admin listener: " + bind + " is taken ("
                    + e.getMessage() + "; another proxy on this host?), listening on "
                    + new HostPort(bind.host(), s.actualPort()) + " instead; choose one with -admin-bind or "
                    + "admin_bind in the proxy config"))
                    .recover(again -> Future.failedFuture(new IllegalStateException("admin listener: cannot bind "
                            + bind + " (" + e.getMessage() + ") nor any port of " + bind.host() + ": "
                            + again.getMessage() + " (set -admin-bind to another address, or off)", again)));
        }).onSuccess(s -> {
            server = s;
            LOG.info(() -> (config == null ? "metrics listening on " : "admin listening on ")
                    + new HostPort(bind.host(), s.actualPort()) + " (" + paths() + ")");
        });
    }

    private Future<HttpServer> listen(int port) {
        return vertx.createHttpServer(new HttpServerOptions().setHost(bind.host()).setPort(port))
                .requestHandler(this::handle)
                .listen();
    }

    @Override
    public Future<?> stop() {
        return server == null ? Future.succeededFuture() : server.close();
    }

    private void handle(HttpServerRequest req) {
        if (req.method() != HttpMethod.GET && req.method() != HttpMethod.HEAD) {
            req.response().setStatusCode(405).putHeader(HttpHeaders.ALLOW, "GET, HEAD").end();
            return;
        }
        switch (req.path()) {
            case "/ready" -> {
                Readiness r = readiness.get();
                json(req, r.ready() ? 200 : 503, r.toJson());
            }
            case "/health" -> json(req, 200, new JsonObject().put("status", "ok"));
            case "/config" -> {
                if (config == null) {
                    notFound(req);
                } else {
                    json(req, 200, config.get());
                }
            }
            case "/metrics" -> vertx.executeBlocking(scrape::get, false).onComplete(ar -> {
                if (ar.failed()) {
                    LOG.warning(() -> "admin: metrics scrape failed: " + ar.cause());
                    req.response().setStatusCode(500).end();
                    return;
                }
                req.response().putHeader(HttpHeaders.CONTENT_TYPE, PROMETHEUS_TEXT).end(ar.result());
            });
            default -> notFound(req);
        }
    }

    private String paths() {
        return config == null ? "/ready /health /metrics" : "/ready /health /metrics /config";
    }

    private void notFound(HttpServerRequest req) {
        req.response().setStatusCode(404).putHeader(HttpHeaders.CONTENT_TYPE, "text/plain")
                .end("not found; try " + paths() + "\n");
    }

    private static void json(HttpServerRequest req, int status, JsonObject body) {
        req.response().setStatusCode(status).putHeader(HttpHeaders.CONTENT_TYPE, JSON)
                .end(body.encodePrettily() + "\n");
    }
}
