package io.connectproxy.consul;

import io.connectproxy.consul.wire.AgentSelf;
import io.connectproxy.consul.wire.AgentService;
import io.connectproxy.consul.wire.AgentServices;
import io.connectproxy.consul.wire.AuthorizeRequest;
import io.connectproxy.consul.wire.AuthorizeResult;
import io.connectproxy.consul.wire.CaRoots;
import io.connectproxy.consul.wire.HealthServiceEntries;
import io.connectproxy.consul.wire.HealthServiceEntry;
import io.connectproxy.consul.wire.IntentionMatch;
import io.connectproxy.consul.wire.LeafCert;
import io.connectproxy.consul.wire.ManagedProxyConfig;
import io.connectproxy.consul.wire.PreparedQueryResult;
import io.vertx.core.Future;
import io.vertx.core.Vertx;
import io.vertx.core.buffer.Buffer;
import io.vertx.core.http.HttpMethod;
import io.vertx.core.http.PoolOptions;
import io.vertx.core.json.JsonArray;
import io.vertx.core.json.JsonObject;
import io.netty.channel.ConnectTimeoutException;
import io.vertx.core.Promise;
import io.vertx.core.http.HttpClientAgent;
import io.vertx.core.http.HttpClientOptions;
import io.vertx.core.http.HttpClientRequest;
import io.vertx.core.http.HttpClientResponse;
import io.vertx.core.http.RequestOptions;

import java.net.URLEncoder;
import java.nio.charset.StandardCharsets;
import java.time.Duration;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.concurrent.TimeoutException;
import java.util.concurrent.atomic.AtomicReference;
import java.util.function.Function;

/**
 * The local Consul agent's HTTP API. One private request helper ({@link #send}) owns the token header, the
 * datacenter parameter, blocking-query parameters, timeouts and the mapping of failures to
 * {@link AgentException}; each endpoint is a one-line call of it plus its parser.
 */
public final class AgentClient {
    /** Non-blocking calls: long enough for a loaded agent, short enough that a hung agent is noticed. */
    public static final Duration DEFAULT_TIMEOUT = Duration.ofSeconds(10);
    private static final String TOKEN_HEADER = "X-Consul-Token";

    private final Vertx vertx;
    private final HttpClientAgent client;
    private final AgentAddress address;
    private final AgentSettings settings;
    private final Duration requestTimeout;
    private final AgentOutageLog outages;

    private AgentClient(Vertx vertx, HttpClientAgent client, AgentAddress address, AgentSettings settings,
                        Duration requestTimeout) {
        this.vertx = vertx;
        this.client = client;
        this.address = address;
        this.settings = settings;
        this.requestTimeout = requestTimeout;
        this.outages = AgentOutageLog.of(vertx, address.toString());
    }

    /**
     * @throws IllegalArgumentException when the address or TLS files are unusable, naming the setting
     */
    public static AgentClient create(Vertx vertx, AgentSettings settings) {
        return create(vertx, settings, DEFAULT_TIMEOUT);
    }

    /**
     * @param requestTimeout the overall deadline of a non-blocking call (first byte out to last byte in); a
     *                       blocking query gets its wait plus wait/16 plus this
     * @throws IllegalArgumentException when the address or TLS files are unusable, naming the setting
     */
    public static AgentClient create(Vertx vertx, AgentSettings settings, Duration requestTimeout) {
        if (requestTimeout.isZero() || requestTimeout.isNegative()) {
            throw new IllegalArgumentException("agent request timeout must be positive, got " + requestTimeout);
        }
        String raw = settings.httpAddr() == null ? AgentSettings.DEFAULT_HTTP_ADDR : settings.httpAddr();
        AgentAddress address = AgentAddress.parse(raw, settings.ssl(), "http_addr");
        HttpClientOptions options = new HttpClientOptions()
                .setKeepAlive(true)
                .setConnectTimeout((int) Math.min(5_000, requestTimeout.toMillis()));
        if (address.https()) {
            AgentTls.apply(options, settings);
        }
        // blocking watches each hold a connection for minutes: allow several at once per agent
        PoolOptions pool = new PoolOptions().setHttp1MaxSize(32);
        HttpClientAgent http = vertx.httpClientBuilder().with(options).with(pool).build();
        return new AgentClient(vertx, http, address, settings, requestTimeout);
    }

    public AgentAddress address() {
        return address;
    }

    public void close() {
        client.close();
    }

    // ---- endpoints ------------------------------------------------------------------------------------------

    public Future<AgentSelf> agentSelf() {
        return get("/v1/agent/self", Map.of(), QueryOptions.NONE, b -> AgentSelf.fromJson(json(b)))
                .map(AgentResponse::body);
    }

    public Future<AgentServices> agentServices() {
        return get("/v1/agent/services", Map.of(), QueryOptions.NONE, b -> AgentServices.fromJson(json(b)))
                .map(AgentResponse::body);
    }

    /** Hash-blocking. 404 fails with {@link AgentException#isNotFound()}. */
    public Future<AgentResponse<AgentService>> agentService(String serviceId, QueryOptions query) {
        return get("/v1/agent/service/" + segment(serviceId), Map.of(), query, b -> AgentService.fromJson(json(b)));
    }

    /** Hash-blocking; legacy managed proxies (Consul 1.3–1.5). */
    public Future<AgentResponse<ManagedProxyConfig>> managedProxyConfig(String proxyId, QueryOptions query) {
        return get("/v1/agent/connect/proxy/" + segment(proxyId), Map.of(), query,
                b -> ManagedProxyConfig.fromJson(json(b)));
    }

    public Future<AgentResponse<CaRoots>> caRoots(QueryOptions query) {
        return get("/v1/agent/connect/ca/roots", Map.of(), query, b -> CaRoots.fromJson(json(b)));
    }

    public Future<AgentResponse<LeafCert>> leafCert(String serviceName, QueryOptions query) {
        return get("/v1/agent/connect/ca/leaf/" + segment(serviceName), Map.of(), query,
                b -> LeafCert.fromJson(json(b)));
    }

    public Future<AuthorizeResult> authorize(AuthorizeRequest request, Duration timeout) {
        return send(HttpMethod.POST, "/v1/agent/connect/authorize", Map.of(), QueryOptions.NONE,
                request.toJson().toBuffer(), timeout, b -> AuthorizeResult.fromJson(json(b)))
                .map(AgentResponse::body);
    }

    public Future<AgentResponse<IntentionMatch>> intentionsMatchingDestination(String destination,
                                                                              QueryOptions query) {
        Map<String, String> params = new LinkedHashMap<>();
        params.put("by", "destination");
        params.put("name", destination);
        return get("/v1/connect/intentions/match", params, query, b -> IntentionMatch.fromJson(json(b)));
    }

    /** Index-blocking; {@code datacenter} null or empty means the agent's own. */
    public Future<AgentResponse<List<HealthServiceEntry>>> healthConnect(String service, String datacenter,
                                                                         QueryOptions query) {
        Map<String, String> params = new LinkedHashMap<>();
        params.put("passing", "1");
        putDatacenter(params, datacenter);
        return get("/v1/health/connect/" + segment(service), params, query,
                b -> HealthServiceEntries.fromJson(b.length() == 0 ? new JsonArray() : new JsonArray(b)));
    }

    /** Not blockable: callers poll. */
    public Future<PreparedQueryResult> executePreparedQuery(String nameOrId, String datacenter) {
        Map<String, String> params = new LinkedHashMap<>();
        params.put("connect", "true");
        putDatacenter(params, datacenter);
        return get("/v1/query/" + segment(nameOrId) + "/execute", params, QueryOptions.NONE,
                b -> PreparedQueryResult.fromJson(json(b))).map(AgentResponse::body);
    }

    public Future<Void> registerService(JsonObject definition) {
        return send(HttpMethod.PUT, "/v1/agent/service/register", Map.of(), QueryOptions.NONE,
                definition.toBuffer(), requestTimeout).mapEmpty();
    }

    public Future<Void> deregisterService(String serviceId) {
        return send(HttpMethod.PUT, "/v1/agent/service/deregister/" + segment(serviceId), Map.of(),
                QueryOptions.NONE, null, requestTimeout).mapEmpty();
    }

    /** {@code status} is pass, warn or fail. */
    public Future<Void> updateTtlCheck(String checkId, String status, String note) {
        Map<String, String> params = note == null ? Map.of() : Map.of("note", note);
        return send(HttpMethod.PUT, "/v1/agent/check/" + status + "/" + segment(checkId), params,
                QueryOptions.NONE, null, requestTimeout).mapEmpty();
    }

    // ---- the request helper ---------------------------------------------------------------------------------

    private <T> Future<AgentResponse<T>> get(String path, Map<String, String> params, QueryOptions query,
                                             Function<Buffer, T> parser) {
        return send(HttpMethod.GET, path, params, query, null, requestTimeout, parser);
    }

    /** A request whose answer is decoded by {@code parser}; an answer it cannot decode fails as BAD_RESPONSE. */
    private <T> Future<AgentResponse<T>> send(HttpMethod method, String path, Map<String, String> params,
                                              QueryOptions query, Buffer body, Duration timeout,
                                              Function<Buffer, T> parser) {
        return send(method, path, params, query, body, timeout).map(r -> parse(method + " " + path, r, parser));
    }

    /**
     * One request under one overall deadline that runs from the moment it is made to the last byte of the body:
     * an agent that sends the headers and a few bytes and then stalls, or trickles a byte a second, fails the
     * call in time (the HTTP client's own timeouts only notice silence). On the deadline the request is reset,
     * which closes its connection instead of returning a half-read one to the pool.
     */
    private Future<AgentResponse<Buffer>> send(HttpMethod method, String path, Map<String, String> params,
                                               QueryOptions query, Buffer body, Duration timeout) {
        if (Vertx.currentContext() == null) {
            // Vert.x gives a response's body only to a handler set before its bytes are read: continuations attached
            // from a foreign thread (a CLI's main thread) can come after the answer was read and see 0 bytes
            Promise<AgentResponse<Buffer>> onContext = Promise.promise();
            vertx.runOnContext(v -> send(method, path, params, query, body, timeout).onComplete(onContext));
            return onContext.future();
        }
        StringBuilder uri = new StringBuilder(path);
        Map<String, String> all = new LinkedHashMap<>(params);
        long deadlineMs = timeout.toMillis();
        if (query.blocking()) {
            if (query.hash() != null && !query.hash().isEmpty()) {
                all.put("hash", query.hash());
            } else {
                all.put("index", Long.toString(Math.max(1, query.index())));
            }
            Duration wait = query.waitTime().compareTo(QueryOptions.MAX_WAIT) > 0 ? QueryOptions.MAX_WAIT
                    : query.waitTime();
            all.put("wait", QueryOptions.goDuration(wait));
            deadlineMs = blockingDeadline(wait, timeout).toMillis();
        }
        char sep = '?';
        for (Map.Entry<String, String> e : all.entrySet()) {
            uri.append(sep).append(query(e.getKey())).append('=').append(query(e.getValue()));
            sep = '&';
        }
        RequestOptions options = new RequestOptions().setMethod(method).setServer(address.socketAddress())
                .setHost(requestHost()).setPort(address.port()).setURI(uri.toString())
                .setSsl(address.https());
        options.putHeader("User-Agent", "connect-proxy");
        if (settings.hasToken()) {
            options.putHeader(TOKEN_HEADER, settings.token());
        }
        if (body != null) {
            options.putHeader("Content-Type", "application/json");
        }
        String what = method + " " + path;
        long limitMs = deadlineMs;
        Promise<AgentResponse<Buffer>> result = Promise.promise();
        AtomicReference<HttpClientRequest> inFlight = new AtomicReference<>();
        long timer = vertx.setTimer(limitMs, t -> {
            AgentException e = new AgentException(AgentException.Reason.TIMEOUT, 0, null,
                    what + ": no complete answer from the agent at " + address + " within " + limitMs + " ms", null);
            if (result.tryFail(e)) {
                HttpClientRequest req = inFlight.get();
                if (req != null) {
                    req.reset(0, e);
                }
            }
        });
        client.request(options)
                .compose(req -> {
                    inFlight.set(req);
                    if (result.future().isComplete()) {
                        // the deadline passed while waiting for a connection
                        req.reset();
                        return Future.failedFuture(result.future().cause());
                    }
                    return body == null ? req.send() : req.send(body);
                })
                .compose(resp -> resp.body().map(b -> answer(what, resp, b)))
                .onComplete(ar -> {
                    vertx.cancelTimer(timer);
                    if (ar.succeeded()) {
                        if (ar.result() instanceof AgentException failure) {
                            result.tryFail(failure);
                        } else {
                            @SuppressWarnings("unchecked")
                            AgentResponse<Buffer> r = (AgentResponse<Buffer>) ar.result();
                            result.tryComplete(r);
                        }
                    } else {
                        result.tryFail(transportFailure(what, ar.cause()));
                    }
                });
        return result.future().andThen(ar -> {
            if (ar.succeeded()) {
                outages.answered();
            } else if (ar.cause() instanceof AgentException e) {
                if (e.isOutage()) {
                    outages.failed(e);
                } else {
                    outages.answered();
                }
            }
        });
    }

    /** The deadline of a blocking query: the wait, the agent's jitter of up to wait/16, and time to answer. */
    static Duration blockingDeadline(Duration wait, Duration answerTime) {
        return wait.plus(wait.dividedBy(16)).plus(answerTime);
    }

    /** An {@link AgentResponse} for a 2xx answer, an {@link AgentException} for any other status. */
    private static Object answer(String what, HttpClientResponse resp, Buffer b) {
        if (resp.statusCode() / 100 != 2) {
            String text = b.toString(StandardCharsets.UTF_8).trim();
            return new AgentException(AgentException.Reason.HTTP_STATUS, resp.statusCode(), text,
                    what + ": agent answered " + resp.statusCode() + ": " + text, null);
        }
        return new AgentResponse<>(b, parseIndex(resp.getHeader("X-Consul-Index")),
                nullToEmpty(resp.getHeader("X-Consul-ContentHash")));
    }

    private AgentException transportFailure(String what, Throwable cause) {
        if (cause instanceof AgentException e) {
            return e;
        }
        boolean timeout = cause instanceof TimeoutException || cause instanceof ConnectTimeoutException;
        if (timeout) {
            return new AgentException(AgentException.Reason.TIMEOUT, 0, null,
                    what + ": no answer from the agent at " + address + ": " + cause.getMessage(), cause);
        }
        return new AgentException(AgentException.Reason.UNREACHABLE, 0, null,
                what + ": cannot reach the agent at " + address + ": " + cause.getMessage(), cause);
    }

    private static String query(String s) {
        return URLEncoder.encode(s, StandardCharsets.UTF_8);
    }

    /** The name the agent's TLS certificate is checked against, and the Host header. */
    private String requestHost() {
        if (settings.tlsServerName() != null && !settings.tlsServerName().isEmpty()) {
            return settings.tlsServerName();
        }
        return address.host();
    }

    private void putDatacenter(Map<String, String> params, String datacenter) {
        String dc = datacenter != null && !datacenter.isEmpty() ? datacenter : settings.datacenter();
        if (dc != null && !dc.isEmpty()) {
            params.put("dc", dc);
        }
    }

    /**
     * Decodes a 2xx answer. The failure names the request, the agent and the body's size (never its content: a
     * leaf answer holds a private key), so an operator can tell an empty answer from a malformed one.
     */
    private <T> AgentResponse<T> parse(String what, AgentResponse<Buffer> response, Function<Buffer, T> parser) {
        int size = response.body().length();  // before decoding: the JSON decoder may consume the buffer
        try {
            return response.map(parser);
        } catch (RuntimeException e) {
            throw new AgentException(AgentException.Reason.BAD_RESPONSE, 200, null,
                    what + ": unexpected answer from the agent at " + address + " (" + size + " bytes): "
                            + e.getMessage(), e);
        }
    }

    private static JsonObject json(Buffer b) {
        return new JsonObject(b);
    }

    private static long parseIndex(String header) {
        if (header == null || header.isEmpty()) {
            return 0;
        }
        try {
            return Long.parseLong(header.trim());
        } catch (NumberFormatException e) {
            return 0;
        }
    }

    private static String nullToEmpty(String s) {
        return s == null ? "" : s;
    }

    /** Escapes one path segment (service ids may contain characters that are special in URLs). */
    static String segment(String value) {
        return URLEncoder.encode(value, StandardCharsets.UTF_8).replace("+", "%20");
    }
}
