package io.connectproxy.metrics;

import io.micrometer.core.instrument.Counter;
import io.micrometer.core.instrument.Gauge;
import io.micrometer.core.instrument.MeterRegistry;
import io.micrometer.core.instrument.Tags;
import io.micrometer.core.instrument.simple.SimpleMeterRegistry;

import java.util.Map;
import java.util.concurrent.ConcurrentHashMap;
import java.util.concurrent.atomic.AtomicLong;

/**
 * Every counter and gauge the proxy keeps, in one place, so names and labels stay consistent and the admin
 * endpoint can expose them all. Verticles call these methods; they never create meters themselves. Counting
 * happens per connection (open, close, rejection), never per byte chunk.
 */
public final class ProxyMetrics {
    private static final String PREFIX = "connect_proxy_";
    private static final String UPSTREAM_LISTENER_PREFIX = "upstream:";

    private final MeterRegistry registry;
    private final Map<String, AtomicLong> gauges = new ConcurrentHashMap<>();
    /** Per listener name; the upstream listeners' entries never change, the public one's follows the service. */
    private final Map<String, ListenerMeters> byListener = new ConcurrentHashMap<>();
    /** The proxied service: the destination of the public listener's connections. */
    private volatile String localService = "";

    public ProxyMetrics(MeterRegistry registry) {
        this.registry = registry;
    }

    /** Metrics that go nowhere but can still be read back (tests, modes without an admin endpoint). */
    public static ProxyMetrics inMemory() {
        return new ProxyMetrics(new SimpleMeterRegistry());
    }

    public MeterRegistry registry() {
        return registry;
    }

    /** Names the proxied service once its config is known (the destination label of public connections). */
    public void localService(String serviceName) {
        localService = serviceName == null ? "" : serviceName;
    }

    // ---- connections --------------------------------------------------------------------------------------

    /** A proxied connection was established (listener: "public" or "upstream:<name>"). */
    public void connectionOpened(String listener) {
        ListenerMeters m = listenerMeters(listener);
        m.connections().increment();
        m.active().incrementAndGet();
    }

    /** A proxied connection ended; bytes are from the client's point of view. */
    public void connectionClosed(String listener, long bytesFromClient, long bytesToClient) {
        ListenerMeters m = listenerMeters(listener);
        m.active().decrementAndGet();
        m.bytesIn().increment(bytesFromClient);
        m.bytesOut().increment(bytesToClient);
    }

    /**
     * The meters of one listener, looked up once: building the tags and finding the meters per connection
     * (sorting six tags, hashing meter ids, a string key for the gauge) was a visible share of a new connection's
     * Java time in the profile. A public listener's entry is rebuilt when the local service is renamed, so its
     * destination label follows the service as before.
     */
    private ListenerMeters listenerMeters(String listener) {
        String service = localService;
        ListenerMeters m = byListener.get(listener);
        if (m == null || !m.localService().equals(service)) {
            Tags tags = listenerTags(listener, service);
            m = new ListenerMeters(service,
                    registry.counter(PREFIX + "connections_total", tags),
                    gauge("connections_active", tags),
                    registry.counter(PREFIX + "bytes_total", tags.and("direction", "in")),
                    registry.counter(PREFIX + "bytes_total", tags.and("direction", "out")));
            byListener.put(listener, m);
        }
        return m;
    }

    private record ListenerMeters(String localService, Counter connections, AtomicLong active, Counter bytesIn,
                                  Counter bytesOut) {
    }

    /**
     * listener, upstream and destination: "upstream:redis" serves upstream redis (its destination); "public"
     * forwards to the local service. Every series of a metric carries the same label names, as Prometheus wants.
     */
    private Tags listenerTags(String listener) {
        return listenerTags(listener, localService);
    }

    private static Tags listenerTags(String listener, String localService) {
        if (listener.startsWith(UPSTREAM_LISTENER_PREFIX)) {
            String upstream = listener.substring(UPSTREAM_LISTENER_PREFIX.length());
            return Tags.of("listener", listener, "upstream", upstream, "destination", upstream);
        }
        return Tags.of("listener", listener, "upstream", "", "destination", localService);
    }

    /** A connection was refused before anything was forwarded (handshake, identity, authorization, app down). */
    public void rejected(String listener, String reason) {
        registry.counter(PREFIX + "rejections_total", Tags.of("listener", listener, "reason", reason)).increment();
    }

    /**
     * A peer connected and went away without sending a byte: a TCP health check (Consul's "Connect Sidecar
     * Listening", Nomad's, a Kubernetes tcpSocket probe). Kept apart from handshake failures and rejections.
     */
    public void probed(String listener) {
        registry.counter(PREFIX + "probes_total", Tags.of("listener", listener)).increment();
    }

    public void handshakeFailed(String listener, String reason) {
        registry.counter(PREFIX + "tls_handshake_failures_total", Tags.of("listener", listener, "reason", reason))
                .increment();
    }

    /** result: allow, deny or error. */
    public void authorization(String result) {
        registry.counter(PREFIX + "authz_total", Tags.of("result", result)).increment();
    }

    // ---- upstreams ----------------------------------------------------------------------------------------

    public void upstreamDialFailed(String upstream, String reason) {
        registry.counter(PREFIX + "upstream_dial_failures_total", Tags.of("upstream", upstream, "reason", reason))
                .increment();
    }

    public void upstreamDialRetried(String upstream) {
        registry.counter(PREFIX + "upstream_dial_retries_total", Tags.of("upstream", upstream)).increment();
    }

    public void healthyEndpoints(String destination, int count) {
        gauge("upstream_healthy_endpoints", Tags.of("destination", destination)).set(count);
    }

    // ---- control plane ------------------------------------------------------------------------------------

    public void watchError(String watch) {
        registry.counter(PREFIX + "watch_errors_total", Tags.of("watch", watch)).increment();
    }

    public void configReloaded() {
        registry.counter(PREFIX + "config_reloads_total").increment();
    }

    public void leafExpiresAt(long epochSecond) {
        AtomicLong expiry = gauges.computeIfAbsent("leaf_expiry", k -> {
            AtomicLong v = new AtomicLong();
            Gauge.builder(PREFIX + "leaf_expiry_seconds", v,
                    x -> x.get() - System.currentTimeMillis() / 1000.0)
                    .description("seconds until the leaf certificate expires").register(registry);
            return v;
        });
        expiry.set(epochSecond);
    }

    /** Current value of a counter, 0 when it was never incremented (tests, /ready diagnostics). */
    public double count(String name, String... tags) {
        var c = registry.find(PREFIX + name).tags(tags).counter();
        return c == null ? 0 : c.count();
    }

    private AtomicLong gauge(String name, Tags tags) {
        String key = name + tags;
        return gauges.computeIfAbsent(key, k -> {
            AtomicLong v = new AtomicLong();
            Gauge.builder(PREFIX + name, v, AtomicLong::get).tags(tags).register(registry);
            return v;
        });
    }

    /** Current value of a gauge (tests); the tags given must be all of the gauge's tags. */
    public long gaugeValue(String name, String... tags) {
        AtomicLong v = gauges.get(name + Tags.of(tags));
        if (v == null && tags.length == 2 && tags[0].equals("listener")) {
            v = gauges.get(name + listenerTags(tags[1]));
        }
        return v == null ? 0 : v.get();
    }
}
