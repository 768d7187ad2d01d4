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
import io.vertx.ext.web.client.HttpRequest;
import io.vertx.ext.web.client.HttpResponse;
import io.vertx.ext.web.client.WebClient;
import io.vertx.ext.web.client.WebClientOptions;

import java.net.URLEncoder;
import java.nio.charset.StandardCharsets;
import java.time.Duration;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.concurrent.TimeoutException;
import java.util.function.Function;

/**
 * The local Consul agent's HTTP API. One private request helper ({@link #send}) owns the token header, the
 * datacenter parameter, blocking-query parameters, timeouts and the mapping of failures to
 * {@link AgentException}; each endpoint is a one-line call of it plus its parser.
 */
public final class AgentClient {
    /** Non-blocking calls: long enough for a loaded agent, short enough that a hung agent is noticed. */
    public static final Duration DEFAULT_TIMEOUT = Duration.ofSeconds(10);
    /** Extra time over wait + wait/16 jitter before a blocking request is given up. */
    private static final Duration BLOCKING_MARGIN = Duration.ofSeconds(5);
    private static final String TOKEN_HEADER = "X-Consul-Token";

    private final WebClient client;
    private final AgentAddress address;
    private final AgentSettings settings;

    private AgentClient(WebClient client, AgentAddress address, AgentSettings settings) {
        this.client = client;
        this.address = address;
        this.settings = settings;
    }

    /**
     * @throws IllegalArgumentException when the address or TLS files are unusable, naming the setting
     */
    public static AgentClient create(Vertx vertx, AgentSettings settings) {
        String raw = settings.httpAddr() == null ? AgentSettings.DEFAULT_HTTP_ADDR : settings.httpAddr();
        AgentAddress address = AgentAddress.parse(raw, settings.ssl(), "http_addr");
        WebClientOptions options = new WebClientOptions()
                .setUserAgentEnabled(true)
                .setUserAgent("connect-proxy")
                .setKeepAlive(true)
                .setConnectTimeout(5_000);
        if (address.https()) {
            AgentTls.apply(options, settings);
        }
        // blocking watches each hold a connection for minutes: allow several at once per agent
        PoolOptions pool = new PoolOptions().setHttp1MaxSize(32);
        return new AgentClient(WebClient.create(vertx, options, pool), address, settings);
    }

    public AgentAddress address() {
        return address;
    }

    public void close() {
        client.close();
    }

    // ---- endpoints ------------------------------------------------------------------------------------------

    public Future<AgentSelf> agentSelf() {
        return get("/v1/agent/self", Map.of(), QueryOptions.NONE).map(r -> parse(r, b -> AgentSelf.fromJson(json(b))))
                .map(AgentResponse::body);
    }

    public Future<AgentServices> agentServices() {
        return get("/v1/agent/services", Map.of(), QueryOptions.NONE)
                .map(r -> parse(r, b -> AgentServices.fromJson(json(b)))).map(AgentResponse::body);
    }

    /** Hash-blocking. 404 fails with {@link AgentException#isNotFound()}. */
    public Future<AgentResponse<AgentService>> agentService(String serviceId, QueryOptions query) {
        return get("/v1/agent/service/" + segment(serviceId), Map.of(), query)
                .map(r -> parse(r, b -> AgentService.fromJson(json(b))));
    }

    /** Hash-blocking; legacy managed proxies (Consul 1.3–1.5). */
    public Future<AgentResponse<ManagedProxyConfig>> managedProxyConfig(String proxyId, QueryOptions query) {
        return get("/v1/agent/connect/proxy/" + segment(proxyId), Map.of(), query)
                .map(r -> parse(r, b -> ManagedProxyConfig.fromJson(json(b))));
    }

    public Future<AgentResponse<CaRoots>> caRoots(QueryOptions query) {
        return get("/v1/agent/connect/ca/roots", Map.of(), query).map(r -> parse(r, b -> CaRoots.fromJson(json(b))));
    }

    public Future<AgentResponse<LeafCert>> leafCert(String serviceName, QueryOptions query) {
        return get("/v1/agent/connect/ca/leaf/" + segment(serviceName), Map.of(), query)
                .map(r -> parse(r, b -> LeafCert.fromJson(json(b))));
    }

    public Future<AuthorizeResult> authorize(AuthorizeRequest request, Duration timeout) {
        return send(HttpMethod.POST, "/v1/agent/connect/authorize", Map.of(), QueryOptions.NONE,
                request.toJson().toBuffer(), timeout)
                .map(r -> parse(r, b -> AuthorizeResult.fromJson(json(b)))).map(AgentResponse::body);
    }

    public Future<AgentResponse<IntentionMatch>> intentionsMatchingDestination(String destination,
                                                                              QueryOptions query) {
        Map<String, String> params = new LinkedHashMap<>();
        params.put("by", "destination");
        params.put("name", destination);
        return get("/v1/connect/intentions/match", params, query)
                .map(r -> parse(r, b -> IntentionMatch.fromJson(json(b))));
    }

    /** Index-blocking; {@code datacenter} null or empty means the agent's own. */
    public Future<AgentResponse<List<HealthServiceEntry>>> healthConnect(String service, String datacenter,
                                                                         QueryOptions query) {
        Map<String, String> params = new LinkedHashMap<>();
        params.put("passing", "1");
        putDatacenter(params, datacenter);
        return get("/v1/health/connect/" + segment(service), params, query)
                .map(r -> parse(r, b -> HealthServiceEntries.fromJson(b.length() == 0 ? new JsonArray()
                        : new JsonArray(b))));
    }

    /** Not blockable: callers poll. */
    public Future<PreparedQueryResult> executePreparedQuery(String nameOrId, String datacenter) {
        Map<String, String> params = new LinkedHashMap<>();
        params.put("connect", "true");
        putDatacenter(params, datacenter);
        return get("/v1/query/" + segment(nameOrId) + "/execute", params, QueryOptions.NONE)
                .map(r -> parse(r, b -> PreparedQueryResult.fromJson(json(b)))).map(AgentResponse::body);
    }

    public Future<Void> registerService(JsonObject definition) {
        return send(HttpMethod.PUT, "/v1/agent/service/register", Map.of(), QueryOptions.NONE,
                definition.toBuffer(), DEFAULT_TIMEOUT).mapEmpty();
    }

    public Future<Void> deregisterService(String serviceId) {
        return send(HttpMethod.PUT, "/v1/agent/service/deregister/" + segment(serviceId), Map.of(),
                QueryOptions.NONE, null, DEFAULT_TIMEOUT).mapEmpty();
    }

    /** {@code status} is pass, warn or fail. */
    public Future<Void> updateTtlCheck(String checkId, String status, String note) {
        Map<String, String> params = note == null ? Map.of() : Map.of("note", note);
        return send(HttpMethod.PUT, "/v1/agent/check/" + status + "/" + segment(checkId), params,
                QueryOptions.NONE, null, DEFAULT_TIMEOUT).mapEmpty();
    }

    // ---- the request helper ---------------------------------------------------------------------------------

    private Future<AgentResponse<Buffer>> get(String path, Map<String, String> params, QueryOptions query) {
        return send(HttpMethod.GET, path, params, query, null, DEFAULT_TIMEOUT);
    }

    private Future<AgentResponse<Buffer>> send(HttpMethod method, String path, Map<String, String> params,
                                               QueryOptions query, Buffer body, Duration timeout) {
        HttpRequest<Buffer> request = client.request(method, address.socketAddress(), address.port(),
                requestHost(), path);
        params.forEach(request::addQueryParam);
        long timeoutMs = timeout.toMillis();
        if (query.blocking()) {
            if (query.hash() != null && !query.hash().isEmpty()) {
                request.addQueryParam("hash", query.hash());
            } else {
                request.addQueryParam("index", Long.toString(Math.max(1, query.index())));
            }
            Duration wait = query.waitTime().compareTo(QueryOptions.MAX_WAIT) > 0 ? QueryOptions.MAX_WAIT : query.waitTime();
            request.addQueryParam("wait", QueryOptions.goDuration(wait));
            timeoutMs = wait.toMillis() + wait.toMillis() / 16 + BLOCKING_MARGIN.toMillis();
        }
        if (settings.hasToken()) {
            request.putHeader(TOKEN_HEADER, settings.token());
        }
        request.timeout(timeoutMs);
        Future<HttpResponse<Buffer>> sent = body == null ? request.send() : request.sendBuffer(body);
        String what = method + " " + path;
        long finalTimeoutMs = timeoutMs;
        return sent.transform(ar -> {
            if (ar.failed()) {
                return Future.failedFuture(transportFailure(what, ar.cause(), finalTimeoutMs));
            }
            HttpResponse<Buffer> resp = ar.result();
            Buffer b = resp.body() == null ? Buffer.buffer() : resp.body();
            if (resp.statusCode() / 100 != 2) {
                String text = b.toString(StandardCharsets.UTF_8).trim();
                return Future.failedFuture(new AgentException(AgentException.Reason.HTTP_STATUS, resp.statusCode(),
                        text, what + ": agent answered " + resp.statusCode() + ": " + text, null));
            }
            return Future.succeededFuture(new AgentResponse<>(b, parseIndex(resp.getHeader("X-Consul-Index")),
                    nullToEmpty(resp.getHeader("X-Consul-ContentHash"))));
        });
    }

    private AgentException transportFailure(String what, Throwable cause, long timeoutMs) {
        boolean timeout = cause instanceof TimeoutException
                || (cause.getMessage() != null && cause.getMessage().contains("timeout"));
        if (timeout) {
            return new AgentException(AgentException.Reason.TIMEOUT, 0, null,
                    what + ": no answer from the agent at " + address + " within " + timeoutMs + " ms", cause);
        }
        return new AgentException(AgentException.Reason.UNREACHABLE, 0, null,
                what + ": cannot reach the agent at " + address + ": " + cause.getMessage(), cause);
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

    private static <T> AgentResponse<T> parse(AgentResponse<Buffer> response, Function<Buffer, T> parser) {
        try {
            return response.map(parser);
        } catch (RuntimeException e) {
            throw new AgentException(AgentException.Reason.BAD_RESPONSE, 200, null,
                    "unexpected answer from the agent: " + e.getMessage(), e);
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
