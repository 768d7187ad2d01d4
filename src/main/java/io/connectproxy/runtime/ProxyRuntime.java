package io.connectproxy.runtime;

import io.connectproxy.admin.AdminVerticle;
import io.connectproxy.metrics.ProxyMetrics;
import io.connectproxy.admin.Readiness;
import io.connectproxy.admin.RunningConfig;
import io.connectproxy.bus.Addresses;
import io.connectproxy.bus.Codecs;
import io.connectproxy.config.ConfigWatcherVerticle;
import io.connectproxy.config.HostPort;
import io.connectproxy.config.KeyExchangeGroups;
import io.connectproxy.config.LaunchConfig;
import io.connectproxy.config.ProxyConfig;
import io.connectproxy.config.ShutdownTiming;
import io.connectproxy.config.UpstreamConfig;
import io.connectproxy.consul.AgentOutageLog;
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
import io.vertx.core.json.JsonObject;
import io.vertx.core.DeploymentOptions;
import io.vertx.core.Future;
import io.vertx.core.Vertx;

import java.time.Duration;
import java.util.ArrayList;
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
    private volatile boolean draining;
    private volatile Vertx vertx;
    private volatile LaunchConfig launch;
    private volatile AdminVerticle admin;
    /** {@code -admin-metrics-bind}: where /metrics is served without /config, or null. */
    private volatile HostPort metricsBind;
    private volatile AdminVerticle metricsListener;
    private volatile TlsEngine upstreamEngine;
    private volatile TlsEngine publicEngine;
    /** The key exchange groups the listeners were created with (they are part of their TLS contexts). */
    private volatile KeyExchangeGroups runningGroups;

    public ProxyRuntime() {
        this(ConfigWatcherVerticle.Timing.DEFAULT);
    }

    public ProxyRuntime(ConfigWatcherVerticle.Timing timing) {
        this(timing, new ProxyMetrics(new PrometheusMeterRegistry(PrometheusConfig.DEFAULT)));
    }

    /** With metrics on a registry the caller also gives to Vert.x (JVM, Netty event-loop and pool metrics). */
    public ProxyRuntime(ConfigWatcherVerticle.Timing timing, ProxyMetrics metrics) {
        this.timing = timing;
        this.metrics = metrics;
    }

    /**
     * Deploys the config watcher and waits for the first config, then identity, then the data plane. Fails with a
     * {@link io.connectproxy.config.ConfigException} when the configuration can never work.
     */
    public Future<Void> start(Vertx vertx, LaunchConfig launch) {
        Codecs.register(vertx, ProxyConfig.class, TlsIdentity.class, EndpointSet.class);
        this.vertx = vertx;
        this.launch = launch;
        countReloads(vertx);
        ConfigWatcherVerticle w = new ConfigWatcherVerticle(launch, timing);
        watcher = w;
        // the admin listener comes first: /ready must answer 503 while the proxy waits for its config and identity
        return startAdmin(vertx, launch)
                .compose(v -> vertx.deployVerticle(w))
                .compose(id -> w.firstConfig())
                .compose(config -> {
                    observe(config);
                    // admin_bind is the operator's choice for this service: taken, it stops the start like -admin-bind
                    return moveAdmin(vertx, config.adminBind())
                            .onSuccess(v -> followAdminBind(vertx))
                            .compose(v -> startDataPlane(vertx, launch, config));
                });
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

    /** Identity loaded, usable and renewable, every listener bound, not shutting down. */
    public boolean ready() {
        return readiness().ready();
    }

    /** What {@code /ready} answers: ready, or every reason it is not. */
    public Readiness readiness() {
        List<String> reasons = new ArrayList<>();
        if (draining) {
            reasons.add("shutting down");
        }
        ConfigWatcherVerticle w = watcher;
        ProxyConfig config = w == null ? null : w.current();
        if (config == null) {
            reasons.add("waiting for the proxy config");
        }
        CertRotationVerticle c = certs;
        if (c == null || c.current() == null) {
            if (config != null) {
                reasons.add("waiting for the leaf certificate and CA roots of " + config.serviceName());
            }
        } else {
            String problem = c.problem();
            if (problem != null) {
                reasons.add(problem);
            }
        }
        if (config != null && c != null && c.current() != null) {
            if (!started) {
                reasons.add("listeners not bound yet");
            } else {
                if (config.hasPublicListener() && publicPort() <= 0) {
                    reasons.add("public listener " + config.publicListenerKey() + " not bound");
                }
                for (UpstreamConfig u : config.upstreams()) {
                    if (!u.isUnixSocket() && upstreamPort(u.listenerKey()) <= 0) {
                        reasons.add("upstream listener " + u.listenerKey() + " (" + u.destinationName()
                                + ") not bound");
                    }
                }
            }
        }
        return new Readiness(reasons, runtimeInfo());
    }

    /**
     * What the data plane runs on, as logged in the ready line (issue 6: shown where operators look, not only in the
     * log): native transport or NIO and why, the TLS engines once the listeners exist, and the JVM.
     */
    private JsonObject runtimeInfo() {
        JsonObject info = new JsonObject();
        Vertx v = vertx;
        if (v != null) {
            info.put("native_transport", v.isNativeTransportEnabled());
            if (!v.isNativeTransportEnabled() && v.unavailableNativeTransportCause() != null) {
                info.put("native_transport_unavailable", String.valueOf(v.unavailableNativeTransportCause()));
            }
        }
        TlsEngine up = upstreamEngine;
        TlsEngine in = publicEngine;
        if (up != null) {
            info.put("tls_engine", up.description());
        }
        if (in != null) {
            info.put("public_listener_tls_engine", in.description());
        }
        info.put("java", System.getProperty("java.vm.name") + " " + Runtime.version());
        NativeFallbacks fallbacks = NativeFallbacks.last();
        if (fallbacks != null) {
            info.mergeIn(fallbacks.toJson());
        }
        return info;
    }

    /** What {@code /config} shows: the launch settings and the config in use, secrets redacted. */
    public JsonObject runningConfig() {
        ConfigWatcherVerticle w = watcher;
        JsonObject out = RunningConfig.toJson(launch, w == null ? null : w.current());
        AdminVerticle a = admin;
        HostPort bound = a == null ? null : a.boundAddress();
        if (bound != null) {
            // where it really listens: a fallback port or the proxy config's admin_bind
            out.getJsonObject("admin").put("bind", bound.toString());
        }
        return out;
    }

    /**
     * Serves {@code /metrics}, {@code /ready} and {@code /health} (not {@code /config}) on {@code bind} too, from
     * the start; call before {@link #start}. A taken address fails the start.
     */
    public void serveMetricsOn(HostPort bind) {
        metricsBind = bind;
    }

    /** The metrics listener's bound port, or -1 when there is none or it has not started. */
    public int metricsPort() {
        AdminVerticle m = metricsListener;
        return m == null ? -1 : m.actualPort();
    }

    /** The admin listener's bound port, or -1 when it is off or not started. */
    public int adminPort() {
        AdminVerticle a = admin;
        return a == null ? -1 : a.actualPort();
    }

    /**
     * Graceful shutdown, before Vert.x is closed: {@code /ready} turns 503 at once, the public listener stops
     * accepting and its open connections get the drain timeout; upstream listeners keep accepting for the grace
     * period (the app may still need them while it shuts down), then drain the same way. Completes when every
     * listener has drained. Safe to call before the data plane is up (there is nothing to drain then).
     */
    public Future<Void> drain(ShutdownTiming timing) {
        draining = true;
        Vertx v = vertx;
        if (v != null) {
            AgentOutageLog.stopping(v);
        }
        if (v == null || !started) {
            return Future.succeededFuture();
        }
        List<Future<Void>> publicDrains = inbound.stream().map(i -> i.drain(timing.drainTimeout())).toList();
        Future<Void> upstreams;
        if (upstream.isEmpty() || currentUpstreamCount() == 0) {
            upstreams = Future.succeededFuture();
        } else {
            io.vertx.core.Promise<Void> graceOver = io.vertx.core.Promise.promise();
            v.setTimer(Math.max(1, timing.shutdownGrace().toMillis()), t -> graceOver.complete());
            upstreams = graceOver.future().compose(x -> Future.join(upstream.stream()
                    .map(u -> u.drain(timing.drainTimeout())).toList()).mapEmpty());
        }
        return Future.join(Future.join(publicDrains), upstreams).mapEmpty();
    }

    /** True once {@link #drain} was called. */
    public boolean draining() {
        return draining;
    }

    private int currentUpstreamCount() {
        ConfigWatcherVerticle w = watcher;
        ProxyConfig c = w == null ? null : w.current();
        return c == null ? 0 : c.upstreams().size();
    }

    private Future<Void> startAdmin(Vertx vertx, LaunchConfig launch) {
        HostPort metricsAt = metricsBind;
        if (metricsAt != null) {
            PrometheusMeterRegistry prometheus = metrics.registry() instanceof PrometheusMeterRegistry p ? p : null;
            AdminVerticle m = AdminVerticle.metricsOnly(metricsAt, this::readiness,
                    () -> prometheus == null ? "" : prometheus.scrape());
            metricsListener = m;
            return vertx.deployVerticle(m).recover(e -> Future.failedFuture(new IllegalStateException(e.getMessage()
                    .replace("admin listener", "metrics listener").replace("-admin-bind", "-admin-metrics-bind"), e)))
                    .compose(id -> startAdminListener(vertx, launch));
        }
        return startAdminListener(vertx, launch);
    }

    private Future<Void> startAdminListener(Vertx vertx, LaunchConfig launch) {
        if (!launch.adminEnabled()) {
            return Future.succeededFuture();
        }
        // the default address was nobody's choice: when another proxy on this host holds it, any free port will do
        AdminVerticle a = newAdmin(launch.adminBind(), !launch.adminBindChosen());
        admin = a;
        return vertx.deployVerticle(a).mapEmpty();
    }

    private AdminVerticle newAdmin(HostPort bind, boolean anyPortWhenTaken) {
        PrometheusMeterRegistry prometheus = metrics.registry() instanceof PrometheusMeterRegistry p ? p : null;
        return new AdminVerticle(bind, anyPortWhenTaken, this::readiness, this::runningConfig,
                () -> prometheus == null ? "" : prometheus.scrape());
    }

    /**
     * Moves the admin listener to the proxy config's {@code admin_bind} when no -admin-bind/admin.bind chose one:
     * the new listener first, then the old one goes, so /ready never stops answering. Fails when the address is
     * taken (the operator chose it), leaving the old listener in place.
     */
    private Future<Void> moveAdmin(Vertx vertx, HostPort target) {
        AdminVerticle current = admin;
        if (target == null || current == null || launch.adminBindChosen() || target.equals(current.boundAddress())) {
            return Future.succeededFuture();
        }
        AdminVerticle next = newAdmin(target, false);
        return vertx.deployVerticle(next)
                .recover(e -> Future.failedFuture(new IllegalStateException(e.getMessage().replace(
                        "(set -admin-bind to another address, or off)",
                        "(admin_bind in the proxy config of the service; change it, or set -admin-bind)"), e)))
                .compose(id -> {
                    admin = next;
                    LOG.info(() -> "admin listener moved to " + target + " (admin_bind in the proxy config)");
                    return current.deploymentID() == null ? Future.<Void>succeededFuture()
                            : vertx.undeploy(current.deploymentID());
                });
    }

    /** A later config that changes admin_bind moves the listener too; a failure keeps the one it has. */
    private void followAdminBind(Vertx vertx) {
        vertx.eventBus().<ProxyConfig>localConsumer(Addresses.CONFIG, m -> {
            HostPort target = m.body().adminBind();
            moveAdmin(vertx, target).onFailure(e -> LOG.warning(() -> e.getMessage() + "; the admin listener "
                    + "stays on " + admin.boundAddress()));
        });
    }

    /** The public listener's series appear at 0 for the service; the access log follows {@code access_log}. */
    private void observe(ProxyConfig config) {
        if (config.hasPublicListener()) {
            metrics.localService(config.serviceName());
        }
        metrics.accessLog().follow(config.opaqueConfig());
    }

    /** Every config published after the first is a reload; the public listener's destination label follows it. */
    private void countReloads(Vertx vertx) {
        boolean[] first = {true};
        vertx.eventBus().<ProxyConfig>localConsumer(Addresses.CONFIG, m -> {
            observe(m.body());
            if (first[0]) {
                first[0] = false;
            } else {
                metrics.configReloaded();
                warnIfEngineChangeNeedsRestart(m.body());
            }
        });
    }

    /**
     * The public listener's TLS engine is chosen when the listener is created; a reload that asks for another one
     * would otherwise look applied while connections keep the old engine. Said once per such reload, at WARN.
     */
    private void warnIfEngineChangeNeedsRestart(ProxyConfig next) {
        TlsEngine running = publicEngine;
        String setting = next.tuning().tlsEngine();
        if (running != null && next.hasPublicListener() && TlsEngine.forPublicListener(setting) != running) {
            LOG.warning(() -> TlsEngine.SETTING_KEY + ": the new config asks for \"" + setting
                    + "\" on the public listener, which keeps " + running.description()
                    + " until the proxy restarts; the rest of the config is applied");
        }
        KeyExchangeGroups groups = runningGroups;
        KeyExchangeGroups asked = next.tuning().keyExchangeGroups();
        if (groups != null && !groups.equals(asked)) {
            LOG.warning(() -> KeyExchangeGroups.KEY + ": the new config asks for \"" + asked
                    + "\"; the listeners and dials keep \"" + groups
                    + "\" until the proxy restarts; the rest of the config is applied");
        }
    }

    /** The public listener's bound port, or -1 when there is none. */
    public int publicPort() {
        return inbound.isEmpty() ? -1 : inbound.get(0).actualPort();
    }

    /** The bound port of an upstream listener (by {@link UpstreamConfig#listenerKey()}), or -1. */
    public int upstreamPort(String listenerKey) {
        return upstream.isEmpty() ? -1 : upstream.get(0).actualPort(listenerKey);
    }

    /**
     * The endpoints of a destination that every upstream listener instance has received (the fewest any one
     * has): discovery's own count can run ahead of what the listeners got over the bus.
     */
    public int upstreamEndpoints(String destinationKey) {
        return upstream.stream().mapToInt(u -> u.knownEndpoints(destinationKey)).min().orElse(0);
    }

    private Future<Void> startDataPlane(Vertx vertx, LaunchConfig launch, ProxyConfig config) {
        AgentClient agent = AgentClient.create(vertx, launch.agent(), timing.agentRequestTimeout());
        TlsEngine engine = TlsEngine.preferred();
        TlsEngine inboundEngine = TlsEngine.forPublicListener(config.tuning().tlsEngine());
        upstreamEngine = engine;
        publicEngine = config.hasPublicListener() ? inboundEngine : null;
        runningGroups = config.tuning().keyExchangeGroups();
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
                .compose(v -> deployListeners(vertx, agent, inboundEngine, engine, config, rotation.current()))
                .onSuccess(v -> {
                    started = true;
                    LOG.info(() -> "ready: " + config.serviceName() + " as " + rotation.current().spiffeId().uri()
                            + "; public listener " + (config.hasPublicListener() ? config.bindAddress() + ":"
                            + publicPort() + " -> " + config.localServiceKey() : "none") + "; upstreams "
                            + config.upstreams().stream().map(u -> u.listenerKey() + " -> " + u.destinationName())
                            .toList() + "; TLS engine " + engine.description() + " (public listener: "
                            + inboundEngine.description() + "); native transport "
                            + (vertx.isNativeTransportEnabled() ? "on" : "off"));
                });
    }

    private Future<Void> deployListeners(Vertx vertx, AgentClient agent, TlsEngine inboundEngine, TlsEngine engine,
                                         ProxyConfig config, TlsIdentity identity) {
        int loops = Math.max(1, Runtime.getRuntime().availableProcessors());
        Future<?> in = Future.succeededFuture();
        if (config.hasPublicListener()) {
            // port 0 (tests) cannot be shared by several servers: one instance then
            int n = config.bindPort() == 0 ? 1 : loops;
            in = vertx.deployVerticle(() -> {
                InboundAcceptorVerticle v = new InboundAcceptorVerticle(agent, metrics, inboundEngine, config,
                        identity);
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
