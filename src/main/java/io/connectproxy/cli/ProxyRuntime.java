package io.connectproxy.cli;

import io.connectproxy.admin.ProxyMetrics;
import io.connectproxy.bus.Codecs;
import io.connectproxy.config.ConfigWatcherVerticle;
import io.connectproxy.config.LaunchConfig;
import io.connectproxy.config.ProxyConfig;
import io.connectproxy.config.UpstreamConfig;
import io.connectproxy.consul.AgentClient;
import io.connectproxy.identity.CertRotationVerticle;
import io.connectproxy.identity.TlsEngine;
import io.connectproxy.identity.TlsIdentity;
import io.connectproxy.inbound.InboundAcceptorVerticle;
import io.connectproxy.inbound.IntentionsWatchVerticle;
import io.connectproxy.upstream.DiscoveryVerticle;
import io.connectproxy.upstream.EndpointSet;
import io.connectproxy.upstream.UpstreamListenerVerticle;
import io.micrometer.prometheusmetrics.PrometheusConfig;
import io.micrometer.prometheusmetrics.PrometheusMeterRegistry;
import io.vertx.core.DeploymentOptions;
import io.vertx.core.Future;
import io.vertx.core.Vertx;

import java.time.Duration;
import java.util.List;
import java.util.concurrent.CopyOnWriteArrayList;
import java.util.logging.Logger;

/**
 * Wires proxy mode together in start-up order, as linkerd does: config → identity (first leaf + roots) →
 * discovery and the listeners → ready. Kept apart from {@link ProxyMode} so tests can start a whole proxy inside
 * their own Vert.x. One runtime per Vert.x instance (the bus addresses are per proxy).
 */
public final class ProxyRuntime {
    private static final Logger LOG = Logger.getLogger(ProxyRuntime.class.getName());
    /** Prepared queries cannot block; this is how often they are re-executed. */
    private static final Duration PREPARED_QUERY_INTERVAL = Duration.ofSeconds(10);

    private final ConfigWatcherVerticle.Timing timing;
    private final ProxyMetrics metrics;
    private final List<InboundAcceptorVerticle> inbound = new CopyOnWriteArrayList<>();
    private final List<UpstreamListenerVerticle> upstream = new CopyOnWriteArrayList<>();
    private volatile ConfigWatcherVerticle watcher;
    private volatile CertRotationVerticle certs;
    private volatile boolean started;

    public ProxyRuntime() {
        this(ConfigWatcherVerticle.Timing.DEFAULT);
    }

    public ProxyRuntime(ConfigWatcherVerticle.Timing timing) {
        this.timing = timing;
        this.metrics = new ProxyMetrics(new PrometheusMeterRegistry(PrometheusConfig.DEFAULT));
    }

    /**
     * Deploys the config watcher and waits for the first config, then identity, then the data plane. Fails with a
     * {@link io.connectproxy.config.ConfigException} when the configuration can never work.
     */
    public Future<Void> start(Vertx vertx, LaunchConfig launch) {
        Codecs.register(vertx, ProxyConfig.class, TlsIdentity.class, EndpointSet.class);
        ConfigWatcherVerticle w = new ConfigWatcherVerticle(launch, timing);
        watcher = w;
        return vertx.deployVerticle(w)
                .compose(id -> w.firstConfig())
                .compose(config -> startDataPlane(vertx, launch, config));
    }

    /** The deployed config watcher (null before {@link #start}). */
    public ConfigWatcherVerticle watcher() {
        return watcher;
    }

    public ProxyMetrics metrics() {
        return metrics;
    }

    /** The identity in use, or null before the first one. */
    public TlsIdentity identity() {
        return certs == null ? null : certs.current();
    }

    /** Identity loaded and not expired, every listener bound. */
    public boolean ready() {
        return started && certs != null && certs.current() != null && !certs.expired();
    }

    /** The public listener's bound port, or -1 when there is none. */
    public int publicPort() {
        return inbound.isEmpty() ? -1 : inbound.get(0).actualPort();
    }

    /** The bound port of an upstream listener (by {@link UpstreamConfig#listenerKey()}), or -1. */
    public int upstreamPort(String listenerKey) {
        return upstream.isEmpty() ? -1 : upstream.get(0).actualPort(listenerKey);
    }

    private Future<Void> startDataPlane(Vertx vertx, LaunchConfig launch, ProxyConfig config) {
        AgentClient agent = AgentClient.create(vertx, launch.agent());
        TlsEngine engine = TlsEngine.preferred();
        Duration wait = timing.blockingWait();
        CertRotationVerticle rotation = new CertRotationVerticle(agent, config.serviceName(), wait, timing.backoff(),
                metrics);
        certs = rotation;
        LOG.info(() -> "waiting for the leaf certificate of " + config.serviceName() + " and the CA roots from "
                + agent.address());
        return vertx.deployVerticle(rotation)
                .compose(id -> rotation.firstIdentity())
                .compose(identity -> vertx.deployVerticle(new DiscoveryVerticle(agent, metrics, config, wait,
                        timing.backoff(), PREPARED_QUERY_INTERVAL)))
                .compose(id -> config.hasPublicListener()
                        ? vertx.deployVerticle(new IntentionsWatchVerticle(agent, config.serviceName(), wait,
                                timing.backoff(), metrics)).mapEmpty()
                        : Future.succeededFuture())
                .compose(v -> deployListeners(vertx, agent, engine, config, rotation.current()))
                .onSuccess(v -> {
                    started = true;
                    LOG.info(() -> "ready: " + config.serviceName() + " as " + rotation.current().spiffeId().uri()
                            + "; public listener " + (config.hasPublicListener() ? config.bindAddress() + ":"
                            + publicPort() + " -> " + config.localServiceKey() : "none") + "; upstreams "
                            + config.upstreams().stream().map(u -> u.listenerKey() + " -> " + u.destinationName())
                            .toList() + "; TLS engine " + engine.description() + "; native transport "
                            + (vertx.isNativeTransportEnabled() ? "on" : "off"));
                });
    }

    private Future<Void> deployListeners(Vertx vertx, AgentClient agent, TlsEngine engine, ProxyConfig config,
                                         TlsIdentity identity) {
        int loops = Math.max(1, Runtime.getRuntime().availableProcessors());
        Future<?> in = Future.succeededFuture();
        if (config.hasPublicListener()) {
            // port 0 (tests) cannot be shared by several servers: one instance then
            int n = config.bindPort() == 0 ? 1 : loops;
            in = vertx.deployVerticle(() -> {
                InboundAcceptorVerticle v = new InboundAcceptorVerticle(agent, metrics, engine, config, identity);
                inbound.add(v);
                return v;
            }, new DeploymentOptions().setInstances(n));
        }
        boolean anyPortZero = config.upstreams().stream().anyMatch(u -> !u.isUnixSocket() && u.localBindPort() == 0);
        int m = anyPortZero ? 1 : loops;
        return in.compose(v -> vertx.deployVerticle(() -> {
            UpstreamListenerVerticle u = new UpstreamListenerVerticle(metrics, engine, config, identity);
            upstream.add(u);
            return u;
        }, new DeploymentOptions().setInstances(m))).mapEmpty();
    }
}
