package io.connectproxy.metrics;

import io.connectproxy.identity.PeerIdentityException;
import io.connectproxy.logging.AccessLog;
import io.connectproxy.runtime.BuildInfo;
import io.micrometer.core.instrument.Counter;
import io.micrometer.core.instrument.FunctionCounter;
import io.micrometer.core.instrument.Gauge;
import io.micrometer.core.instrument.MeterRegistry;
import io.micrometer.core.instrument.Tags;
import io.micrometer.core.instrument.Timer;
import io.micrometer.core.instrument.simple.SimpleMeterRegistry;
import io.micrometer.prometheusmetrics.PrometheusMeterRegistry;
import io.prometheus.metrics.core.metrics.Info;

import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.Locale;
import java.util.Map;
import java.util.concurrent.ConcurrentHashMap;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.AtomicLong;
import java.util.function.LongSupplier;

/**
 * Every meter the proxy keeps, in one place, so names, labels and help texts stay consistent and the admin
 * endpoint can expose them all. Verticles call these methods (or a {@link ConnectionTracker} for open connections);
 * they never create meters themselves.
 * <p>
 * One label vocabulary: {@code listener} is the kind of listener ({@value #PUBLIC} for the mTLS listener,
 * {@value #UPSTREAM} for a local upstream listener), {@code destination} is a service name (the proxied service for
 * the public listener, the upstream's destination service or prepared query name otherwise), never Consul's
 * {@code service/default/name} key, so every family can be joined on it. Every error counter exists at 0 from the
 * moment its label values are known (at start for the fixed reasons, when an upstream listener opens for its
 * destination), so alert rules need no {@code or vector(0)}.
 */
public final class ProxyMetrics {
    private static final String PREFIX = "connect_proxy_";
    /** The {@code listener} label of the public mTLS listener. */
    public static final String PUBLIC = "public";
    /** The {@code listener} label of the local upstream listeners. */
    public static final String UPSTREAM = "upstream";

    /** Bucket bounds of every latency histogram: 100 µs to 30 s, about three per decade. */
    static final Duration[] LATENCY_BUCKETS = buckets(0.0001, 0.00025, 0.0005, 0.001, 0.0025, 0.005, 0.01, 0.025,
            0.05, 0.1, 0.25, 0.5, 1, 2.5, 5, 10, 30);

    /** Reasons a public-listener connection is refused before anything is forwarded. */
    static final List<String> REJECTION_REASONS = rejectionReasons();
    /** TLS handshake failure reasons (HandshakeFailureClassifier's, less "probe", which is counted apart). */
    static final List<String> HANDSHAKE_FAILURE_REASONS = List.of("peer_closed", "timeout", "not_tls",
            "no_client_cert", "protocol", "no_shared_cipher", "untrusted_certificate", "other");
    static final List<String> AUTHZ_RESULTS = List.of("allow", "deny", "error");
    static final List<String> DIAL_FAILURE_REASONS = List.of("no_endpoint", "overloaded", "connect", "timeout",
            "identity", "closed_before_answer");
    private static final String BYTES_HELP = "Bytes proxied, counted as they flow (at most a second behind): in "
            + "is from the connecting client, out is to it";
    static final List<String> WATCHES = List.of("ca-roots", "leaf", "intentions", "health", "prepared_query");

    private final MeterRegistry registry;
    private final Map<String, AtomicLong> gauges = new ConcurrentHashMap<>();
    /** Per listener and destination, looked up once per connection without building tags. */
    private final Map<String, ListenerMeters> byListener = new ConcurrentHashMap<>();
    private final Map<String, Timer> dialTimers = new ConcurrentHashMap<>();
    private final Map<String, LongSupplier> resumedSources = new ConcurrentHashMap<>();
    private final AccessLog accessLog = new AccessLog();
    private final Timer handshakeTimer;

    public ProxyMetrics(MeterRegistry registry) {
        this.registry = registry;
        this.handshakeTimer = latency("tls_handshake_duration",
                "Time of the inbound TLS handshakes that succeeded, from the start of the handshake",
                Tags.of("listener", PUBLIC));
        registerFixedSeries();
    }

    /** Metrics that go nowhere but can still be read back (tests, modes without an admin endpoint). */
    public static ProxyMetrics inMemory() {
        return new ProxyMetrics(new SimpleMeterRegistry());
    }

    public MeterRegistry registry() {
        return registry;
    }

    /** The access log of this proxy's connections (off unless the config or the flag turns it on). */
    public AccessLog accessLog() {
        return accessLog;
    }

    private void registerFixedSeries() {
        BuildInfo build = BuildInfo.current();
        String help = "Always 1; the labels say which build runs on which Java";
        String java = Runtime.version().toString();
        if (registry instanceof PrometheusMeterRegistry prometheus) {
            // a Micrometer gauge named *_info loses the suffix in Prometheus' naming: an Info keeps it
            Info.builder().name(PREFIX + "build_info").help(help).labelNames("version", "revision", "java")
                    .register(prometheus.getPrometheusRegistry())
                    .addLabelValues(build.version(), build.revision(), java);
        } else {
            Gauge.builder(PREFIX + "build_info", () -> 1).description(help)
                    .tags("version", build.version(), "revision", build.revision(), "java", java)
                    .register(registry);
        }
        REJECTION_REASONS.forEach(r -> rejectionCounter(PUBLIC, r));
        HANDSHAKE_FAILURE_REASONS.forEach(r -> handshakeFailureCounter(PUBLIC, r));
        probeCounter(PUBLIC);
        AUTHZ_RESULTS.forEach(this::authzCounter);
        WATCHES.forEach(this::watchErrorCounter);
        configReloadCounter();
    }

    /**
     * Names the proxied service once its config is known: its public listener's series appear at 0 (connections,
     * bytes, active connections).
     */
    public void localService(String serviceName) {
        if (serviceName != null && !serviceName.isEmpty()) {
            listenerMeters(PUBLIC, serviceName);
        }
    }

    /** An upstream listener serves {@code destination}: its series and error counters appear at 0. */
    public void upstreamListening(String destination) {
        listenerMeters(UPSTREAM, destination);
        DIAL_FAILURE_REASONS.forEach(r -> dialFailureCounter(destination, r));
        dialRetryCounter(destination);
    }

    // ---- connections --------------------------------------------------------------------------------------

    /** The meters of one listener and destination, looked up once per connection. */
    ListenerMeters listenerMeters(String listener, String destination) {
        String key = listener + '\0' + destination;
        ListenerMeters m = byListener.get(key);
        if (m == null) {
            m = byListener.computeIfAbsent(key, k -> {
                Tags tags = Tags.of("listener", listener, "destination", destination);
                return new ListenerMeters(
                        Counter.builder(PREFIX + "connections_total").tags(tags)
                                .description("Proxied connections established (the far side was reached)")
                                .register(registry),
                        gauge("connections_active", "Proxied connections open now", tags),
                        bytes(tags, "in", BYTES_HELP),
                        bytes(tags, "out", BYTES_HELP),
                        latency("connection_duration", "Lifetime of proxied connections, recorded when they end",
                                tags));
            });
        }
        return m;
    }

    private Counter bytes(Tags tags, String direction, String help) {
        return Counter.builder(PREFIX + "bytes_total").tags(tags.and("direction", direction))
                .description(help).register(registry);
    }

    record ListenerMeters(Counter connections, AtomicLong active, Counter bytesIn, Counter bytesOut,
                          Timer duration) {
    }

    /** A connection was refused before anything was forwarded (handshake, identity, authorization, app down). */
    public void rejected(String listener, String reason) {
        rejectionCounter(listener, reason).increment();
    }

    private Counter rejectionCounter(String listener, String reason) {
        return Counter.builder(PREFIX + "rejections_total").tags("listener", listener, "reason", reason)
                .description("Connections refused before anything was forwarded, by reason").register(registry);
    }

    /**
     * A peer connected and went away without sending a byte: a TCP health check (Consul's "Connect Sidecar
     * Listening", Nomad's, a Kubernetes tcpSocket probe). Kept apart from handshake failures and rejections.
     */
    public void probed(String listener) {
        probeCounter(listener).increment();
    }

    private Counter probeCounter(String listener) {
        return Counter.builder(PREFIX + "probes_total").tags("listener", listener)
                .description("TCP health checks: connections closed without sending a byte").register(registry);
    }

    public void handshakeFailed(String listener, String reason) {
        handshakeFailureCounter(listener, reason).increment();
    }

    private Counter handshakeFailureCounter(String listener, String reason) {
        return Counter.builder(PREFIX + "tls_handshake_failures_total").tags("listener", listener, "reason", reason)
                .description("Inbound TLS handshakes that failed, by reason").register(registry);
    }

    /** An inbound TLS handshake succeeded after {@code nanos}. */
    public void handshakeSucceeded(long nanos) {
        handshakeTimer.record(nanos, TimeUnit.NANOSECONDS);
    }

    /** result: allow, deny or error. */
    public void authorization(String result) {
        authzCounter(result).increment();
    }

    private Counter authzCounter(String result) {
        return Counter.builder(PREFIX + "authz_total").tags("result", result)
                .description("Authorization decisions on inbound connections: allow, deny, error (agent "
                        + "unavailable)").register(registry);
    }

    // ---- upstreams ----------------------------------------------------------------------------------------

    public void upstreamDialFailed(String destination, String reason) {
        dialFailureCounter(destination, reason).increment();
    }

    private Counter dialFailureCounter(String destination, String reason) {
        return Counter.builder(PREFIX + "upstream_dial_failures_total").tags("destination", destination,
                        "reason", reason)
                .description("Failed mesh dials of upstream connections, by reason (a connection may retry)")
                .register(registry);
    }

    public void upstreamDialRetried(String destination) {
        dialRetryCounter(destination).increment();
    }

    private Counter dialRetryCounter(String destination) {
        return Counter.builder(PREFIX + "upstream_dial_retries_total").tags("destination", destination)
                .description("Dials of a further endpoint after one failed").register(registry);
    }

    /**
     * An upstream connection's dial ended after {@code nanos}, all retries included; {@code ok} when it reached an
     * instance that answered as the destination.
     */
    public void upstreamDialed(String destination, boolean ok, long nanos) {
        String result = ok ? "ok" : "failed";
        dialTimers.computeIfAbsent(destination + '\0' + result, k -> latency("upstream_dial_duration",
                "Time to reach an instance of the destination over mTLS, retries included",
                Tags.of("destination", destination, "result", result))).record(nanos, TimeUnit.NANOSECONDS);
    }

    /** A TLS session to {@code destination} was resumed rather than negotiated in full. */
    public void tlsResumed(String destination) {
        Counter.builder(PREFIX + "upstream_tls_resumed_total").tags("destination", destination)
                .description("Upstream mesh dials that resumed a TLS session").register(registry).increment();
    }

    /**
     * Counts the TLS handshakes of {@code listener} that resumed a session, read from {@code total} (the TLS
     * stack's own count) at each scrape. The first registration per listener wins; later ones are the same count.
     */
    public void countResumedHandshakes(String listener, LongSupplier total) {
        // Micrometer holds the counted object weakly: this map keeps it
        resumedSources.computeIfAbsent(listener, l -> {
            FunctionCounter.builder(PREFIX + "tls_resumed_total", total, t -> (double) t.getAsLong())
                    .tags("listener", l)
                    .description("TLS handshakes of a listener that resumed a session from a ticket instead of a"
                            + " full handshake")
                    .register(registry);
            return total;
        });
    }

    public void healthyEndpoints(String destination, int count) {
        gauge("upstream_healthy_endpoints", "Healthy instances known for an upstream destination",
                Tags.of("destination", destination)).set(count);
    }

    // ---- control plane ------------------------------------------------------------------------------------

    public void watchError(String watch) {
        watchErrorCounter(watch).increment();
    }

    private Counter watchErrorCounter(String watch) {
        return Counter.builder(PREFIX + "watch_errors_total").tags("watch", watch)
                .description("Failed blocking queries to the agent, by watch").register(registry);
    }

    public void configReloaded() {
        configReloadCounter().increment();
    }

    private Counter configReloadCounter() {
        return Counter.builder(PREFIX + "config_reloads_total")
                .description("Proxy configurations applied after the first").register(registry);
    }

    public void leafExpiresAt(long epochSecond) {
        AtomicLong expiry = gauges.computeIfAbsent("leaf_expiry", k -> {
            AtomicLong v = new AtomicLong();
            Gauge.builder(PREFIX + "leaf_expiry_seconds", v,
                    x -> x.get() - System.currentTimeMillis() / 1000.0)
                    .description("Seconds until the leaf certificate expires").register(registry);
            return v;
        });
        expiry.set(epochSecond);
    }

    /** Sum of the counters named {@code name} whose labels include {@code tags}; 0 when none (tests, diagnostics). */
    public double count(String name, String... tags) {
        var search = registry.find(PREFIX + name).tags(tags);
        return search.counters().stream().mapToDouble(Counter::count).sum()
                + search.functionCounters().stream().mapToDouble(FunctionCounter::count).sum();
    }

    /** Sum of the gauges named {@code name} whose labels include {@code tags} (tests). */
    public long gaugeValue(String name, String... tags) {
        return (long) registry.find(PREFIX + name).tags(tags).gauges().stream().mapToDouble(Gauge::value).sum();
    }

    /** Number of recordings of the timer {@code name} (without {@code _seconds}) with these labels (tests). */
    public long timerCount(String name, String... tags) {
        return registry.find(PREFIX + name).tags(tags).timers().stream().mapToLong(Timer::count).sum();
    }

    private AtomicLong gauge(String name, String help, Tags tags) {
        String key = name + tags;
        return gauges.computeIfAbsent(key, k -> {
            AtomicLong v = new AtomicLong();
            Gauge.builder(PREFIX + name, v, AtomicLong::get).tags(tags).description(help).register(registry);
            return v;
        });
    }

    /** A histogram in seconds with {@link #LATENCY_BUCKETS}; Prometheus gets {@code PREFIX+name_seconds_bucket}. */
    private Timer latency(String name, String help, Tags tags) {
        return Timer.builder(PREFIX + name).tags(tags).description(help)
                .serviceLevelObjectives(LATENCY_BUCKETS)
                .register(registry);
    }

    private static Duration[] buckets(double... seconds) {
        Duration[] d = new Duration[seconds.length];
        for (int i = 0; i < seconds.length; i++) {
            d[i] = Duration.ofNanos(Math.round(seconds[i] * 1e9));
        }
        return d;
    }

    private static List<String> rejectionReasons() {
        List<String> reasons = new ArrayList<>(List.of("draining", "overloaded", "handshake", "denied",
                "authz_error", "app_unreachable", "revoked"));
        for (PeerIdentityException.Reason r : PeerIdentityException.Reason.values()) {
            reasons.add(r.name().toLowerCase(Locale.ROOT));
        }
        return List.copyOf(reasons);
    }
}
