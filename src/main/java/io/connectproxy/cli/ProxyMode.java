package io.connectproxy.cli;

import io.connectproxy.runtime.HeapReturn;
import io.connectproxy.runtime.NativeFallbacks;

import io.connectproxy.runtime.ProxyRuntime;
import io.connectproxy.logging.Logging;

import io.connectproxy.metrics.JvmMeters;
import io.connectproxy.metrics.ProxyMetrics;
import io.connectproxy.registration.ProxyRegistration;
import io.connectproxy.registration.RegistrationVerticle;
import io.connectproxy.config.ConfigException;
import io.connectproxy.config.HostPort;
import io.connectproxy.config.ConfigWatcherVerticle;
import io.connectproxy.config.LaunchConfig;
import io.connectproxy.config.LaunchConfigResolver;
import io.connectproxy.config.LogLevel;
import io.connectproxy.config.ProxyConfig;
import io.connectproxy.config.ShutdownTiming;
import io.connectproxy.identity.EcWarmup;
import io.connectproxy.identity.TlsEngine;
import io.connectproxy.consul.AgentAddress;
import io.connectproxy.consul.AgentSettings;
import io.connectproxy.config.GoDuration;
import io.connectproxy.net.HalfCloseSafeTransport;
import io.micrometer.prometheusmetrics.PrometheusConfig;
import io.micrometer.prometheusmetrics.PrometheusMeterRegistry;
import io.vertx.core.Future;
import io.vertx.core.Vertx;
import io.vertx.core.VertxOptions;
import io.vertx.core.file.FileSystemOptions;
import io.vertx.core.net.OpenSSLEngineOptions;
import io.vertx.micrometer.MetricsDomain;
import io.vertx.micrometer.MicrometerMetricsFactory;
import io.vertx.micrometer.MicrometerMetricsOptions;

import java.io.PrintStream;
import java.time.Duration;
import java.util.List;
import java.util.Map;
import java.util.Set;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.AtomicBoolean;
import java.util.logging.Level;
import java.util.logging.Logger;
import java.util.stream.Collectors;
import java.util.stream.Stream;

/**
 * {@code java -jar proxy-fat.jar [flags]}: resolves the launch config (exit 2 with the message on bad input),
 * sets up logging and metrics, starts Vert.x with the native transport when available, runs {@link ProxyRuntime}
 * (and {@code -register}), and returns when start-up failed or a SIGTERM/SIGINT drain has finished (exit 0).
 * <p>
 * Shutdown: the first signal turns {@code /ready} to 503 and the TTL check to critical, stops the public
 * listener, lets upstream listeners serve for {@code shutdown_grace_ms} and open connections finish within
 * {@code drain_timeout_ms}, deregisters, closes Vert.x and exits 0. A second signal exits at once.
 */
public final class ProxyMode implements Mode {
    private static final Logger LOG = Logger.getLogger(ProxyMode.class.getName());
    /** How long the shutdown hook waits for Vert.x to close before letting the JVM exit anyway. */
    private static final long CLOSE_TIMEOUT_SECONDS = 30;
    /** Beyond grace + drain: deregistering and closing Vert.x must not hold the process forever either. */
    private static final Duration SHUTDOWN_SLACK = Duration.ofSeconds(5);

    static final GoFlags FLAGS = new GoFlags(
            union(LaunchConfigResolver.VALUE_FLAGS, "register-id", "wait-timeout", "pprof-addr", "admin-metrics-bind"),
            union(LaunchConfigResolver.BOOLEAN_FLAGS, "register", "stale", "access-log"),
            LaunchConfigResolver.REPEATABLE_FLAGS);

    static final String USAGE = """
            Usage: java -jar proxy-fat.jar [flags]          (proxy mode)
                   java -jar proxy-fat.jar envoy [flags]    (Envoy bootstrap)
                   java -jar proxy-fat.jar dev [flags]      (embedded dev agent)
                   java -jar proxy-fat.jar validate [flags] (check a config, bind nothing; exit 0 or 2)
                   java -jar proxy-fat.jar version          (version, revision, Java, native transport, TLS)

            Where the proxy config comes from (one of):
              -conf FILE             JSON service definition: {"service":{"name":"web","port":8080,
                                     "connect":{"proxy":{"config":{"upstreams":[...]}}}}}; reloaded on change
              -sidecar-for ID        the sidecar registered on the agent for service ID   (env CONNECT_SIDECAR_FOR)
              -proxy-id ID           the connect-proxy registration ID on the agent       (env CONNECT_PROXY_ID)
              -service NAME          static config from flags, with:
                -listen HOST:PORT        public mTLS listener (needs -service-addr)
                -service-addr HOST:PORT  the local app
                -upstream NAME[.service|.query]:[HOST:]PORT   repeatable, e.g. redis:1234, db.query:127.0.0.2:5432

            Consul agent (flag > file "consul" block > env):
              -http-addr ADDR        host:port, http://, https:// or unix:///path   (CONSUL_HTTP_ADDR, default 127.0.0.1:8500)
              -token TOKEN, -token-file FILE                    (CONSUL_HTTP_TOKEN, CONSUL_HTTP_TOKEN_FILE)
              -ca-file, -ca-path, -client-cert, -client-key    (CONSUL_CACERT, CONSUL_CAPATH, CONSUL_CLIENT_CERT, CONSUL_CLIENT_KEY)
              -tls-server-name NAME                             (CONSUL_TLS_SERVER_NAME; also CONSUL_HTTP_SSL, CONSUL_HTTP_SSL_VERIFY)
              -datacenter DC
              Legacy managed proxies (Consul 1.3-1.5): CONNECT_PROXY_ID + CONNECT_PROXY_TOKEN

            Shutdown (SIGTERM/SIGINT; keys of the proxy config map, milliseconds):
              shutdown_grace_ms      upstream listeners keep accepting this long (default 3000)
              drain_timeout_ms       open connections get this long to finish (default 5000)
              A second signal exits at once.

            Other:
              -admin-bind HOST:PORT  admin HTTP listener, "off" to disable (default 127.0.0.1:19100):
                                     /ready /health /metrics /config
              -admin-metrics-bind HOST:PORT
                                     also serve /metrics /ready /health (never /config) here, e.g.
                                     0.0.0.0:19101 for a scraper or probes from outside the host
              -access-log            log one line per connection at its end (logger proxy.access;
                                     also "access_log": true in the proxy config)
              -register              with -service and -listen: register this proxy with the agent (Kind
                                     connect-proxy, TTL check passing while ready); deregistered on exit
              -register-id SUFFIX    ID suffix, as in Consul: -service web -register-id a1 registers
                                     web-proxy-a1 (default: the ID is SERVICE-proxy)
              -wait-timeout DURATION with -sidecar-for/-proxy-id: exit 1 if no config came from the agent
                                     within DURATION (Go syntax: 30s, 2m; default: wait forever, saying
                                     what it waits for every 10 s)
              -pprof-addr, -stale    accepted from Consul command lines; a notice says they do nothing here
              -log-level LEVEL       trace, debug, info, warn, error (default info)
              -log-json              log JSON lines
              -h, -help              this help
            """;

    private final RuntimeFactory runtimeFactory;

    public ProxyMode() {
        this(metrics -> new ProxyRuntime(ConfigWatcherVerticle.Timing.DEFAULT, metrics));
    }

    ProxyMode(RuntimeFactory runtimeFactory) {
        this.runtimeFactory = runtimeFactory;
    }

    @Override
    public int run(List<String> args, Map<String, String> env, PrintStream out, PrintStream err) {
        LaunchConfig launch;
        ProxyRegistration registration;
        Duration waitTimeout;
        String waitTimeoutText;
        HostPort metricsBind;
        boolean accessLog;
        // known before the flags parse, so that even a bad flag is reported as one JSON line
        boolean[] json = {jsonRequested(args)};
        try {
            GoFlags.Parsed parsed = FLAGS.parse(args);
            if (parsed.bool("h") || parsed.bool("help")) {
                out.print(USAGE);
                return 0;
            }
            // what resolving logs (a misspelt proxy-config key in -conf) comes out in the product's format too
            json[0] = json[0] || parsed.bool("log-json");
            Logging.configure(LogLevel.DEFAULT, json[0]);
            launch = resolve(parsed, env);
            json[0] = launch.logJson();
            registration = registration(parsed, launch);
            waitTimeout = waitTimeout(parsed, launch);
            waitTimeoutText = parsed.get("wait-timeout");
            metricsBind = metricsBind(parsed);
            accessLog = parsed.bool("access-log");
            if (json[0]) {
                ConsulCompatFlags.proxyNotices(parsed).forEach(LOG::info);
            } else {
                ConsulCompatFlags.noticeProxyFlags(parsed, err);
            }
        } catch (ConfigException e) {
            if (json[0]) {
                Logging.configure(LogLevel.DEFAULT, true);
            }
            tell(err, json[0], Level.SEVERE, e.getMessage());
            return ConfigException.EXIT_CODE;
        }
        Logging.redact(launch.agent().token());
        Logging.redact(launch.source().token());
        Logging.configure(launch.logLevel(), launch.logJson());
        LOG.info(() -> "starting connect-proxy: " + describe(launch));

        PrometheusMeterRegistry registry = new PrometheusMeterRegistry(PrometheusConfig.DEFAULT);
        Vertx vertx = createVertx(registry);
        // after Vert.x, not before: every later step waits for it, and on two cores the probes' CPU (~300 ms
        // together) slowed its creation by ~70 ms; they still finish before the identity needs them
        // (bench/JVM.md, session 6)
        TlsEngine.probeInBackground();
        EcWarmup.startInBackground();
        HeapReturn.watch(vertx);
        NativeFallbacks fallbacks = NativeFallbacks.probe(vertx.isNativeTransportEnabled(),
                OpenSSLEngineOptions::isAvailable);
        fallbacks.lines().forEach(LOG::warning);
        if (fallbacks.lines().isEmpty() || vertx.isNativeTransportEnabled()) {
            LOG.info(() -> "native transport " + (vertx.isNativeTransportEnabled() ? "enabled"
                    : "unavailable, using NIO (" + vertx.unavailableNativeTransportCause() + ")"));
        }
        ProxyRuntime runtime = runtimeFactory.create(new ProxyMetrics(registry));
        if (metricsBind != null) {
            runtime.serveMetricsOn(metricsBind);
        }
        if (accessLog) {
            runtime.metrics().accessLog().enableByFlag();
        }

        CompletableFuture<Integer> exit = new CompletableFuture<>();
        AtomicBoolean stopping = new AtomicBoolean();
        RegistrationVerticle[] registered = new RegistrationVerticle[1];

        // fallback for the signals not handled below (SIGHUP, -Xrs): close without draining
        Thread hook = new Thread(() -> {
            if (stopping.compareAndSet(false, true)) {
                LOG.info("shutting down");
                exit.complete(0);
                closeAndWait(vertx);
                LOG.info("stopped");
            }
        }, "connect-proxy-shutdown");
        Runtime.getRuntime().addShutdownHook(hook);
        ShutdownSignals.install(signal -> {
            if (stopping.compareAndSet(false, true)) {
                drainAndClose(signal, vertx, runtime, registered[0]).onComplete(ar -> exit.complete(0));
            }
        });

        Future<Void> started = runtime.start(vertx, launch);
        // the JVM's meters only once ready: binding them is ~300 classes and the JVM's management beans, CPU the
        // start-up chain needs on a small machine (bench/JVM.md, session 5)
        JvmMeters.bindInBackground(registry, started.toCompletionStage());
        started.onFailure(e -> {
            if (stopping.get() || exit.isDone()) {
                return; // shut down while still starting (e.g. waiting for the agent): not a start-up failure
            }
            int code;
            if (e instanceof ConfigException ce) {
                tell(err, json[0], Level.SEVERE, ce.getMessage());
                code = ConfigException.EXIT_CODE;
            } else {
                LOG.log(Level.SEVERE, "start-up failed", e);
                if (!json[0]) {
                    err.println("connect-proxy: start-up failed: " + e.getMessage());
                }
                code = 1;
            }
            stopping.set(true);
            vertx.close().onComplete(ar -> exit.complete(code));
        });
        if (waitTimeout != null) {
            vertx.setTimer(waitTimeout.toMillis(), t -> {
                ConfigWatcherVerticle w = runtime.watcher();
                if ((w != null && w.current() != null) || !stopping.compareAndSet(false, true)) {
                    return; // configured in time, or already stopping
                }
                String line = "connect-proxy: -wait-timeout " + waitTimeoutText + " expired while "
                        + "waiting for " + waitingFor(launch) + "; exiting";
                LOG.severe(line);
                if (!json[0]) {
                    err.println(line);
                }
                vertx.close().onComplete(ar -> exit.complete(1));
            });
        }
        if (registration != null) {
            RegistrationVerticle r = new RegistrationVerticle(launch.agent(), registration, runtime::readiness);
            registered[0] = r;
            vertx.deployVerticle(r);
        }

        int code = exit.join();
        try {
            Runtime.getRuntime().removeShutdownHook(hook);
        } catch (IllegalStateException alreadyShuttingDown) {
            // the hook is running or ran: nothing to undo
        }
        return code;
    }

    /**
     * Whether the command line asks for JSON logs ({@code -log-json}, {@code --log-json}, {@code -log-json=true}),
     * read from the raw arguments: a flag that fails to parse must be reported in the format asked for too.
     */
    static boolean jsonRequested(List<String> args) {
        for (String a : args) {
            if (a.equals("--")) {
                return false;
            }
            String flag = a.startsWith("--") ? a.substring(1) : a;
            if (flag.equals("-log-json") || flag.equals("-log-json=true") || flag.equals("-log-json=1")) {
                return true;
            }
        }
        return false;
    }

    /**
     * A line for the operator on stderr: plain text, or with JSON logs a log record, so that every line on stderr
     * is one JSON object a log shipper can take (usage and command output stay plain text on stdout).
     */
    private static void tell(PrintStream err, boolean json, Level level, String line) {
        if (json) {
            LOG.log(level, line);
        } else {
            err.println(line);
        }
    }

    /** The start-up line: what runs, from where, talking to which agent; never a token. */
    static String describe(LaunchConfig launch) {
        LaunchConfig.Source source = launch.source();
        String from = switch (source.kind()) {
            case FILE -> "config file " + launch.configFile();
            case FLAGS -> "flags (service " + source.staticConfig().serviceName() + ")";
            case SIDECAR_FOR -> "the sidecar registered for service id " + source.id();
            case PROXY_ID -> "the proxy registration " + source.id();
            case MANAGED_PROXY -> "the managed proxy " + source.id();
        };
        String agent = launch.agent().httpAddr() == null ? AgentSettings.DEFAULT_HTTP_ADDR : launch.agent().httpAddr();
        return "proxy config from " + from + ", agent " + agent + ", admin listener "
                + (launch.adminEnabled() ? hostPort(launch.adminBind().host(), launch.adminBind().port()) : "off")
                + ", log level " + launch.logLevel().name().toLowerCase(java.util.Locale.ROOT)
                + (launch.logJson() ? " (JSON)" : "");
    }

    private static String hostPort(String host, int port) {
        return (host.contains(":") ? "[" + host + "]" : host) + ":" + port;
    }

    /** Builds a runtime around the process's metrics (tests substitute their own). */
    @FunctionalInterface
    interface RuntimeFactory {
        ProxyRuntime create(ProxyMetrics metrics);
    }

    /**
     * The graceful path, off the event loops: drain, deregister (Vert.x undeploys the registration on close),
     * close. Bounded by grace + drain + slack so a stuck connection cannot keep the process alive.
     */
    private static Future<Void> drainAndClose(String signal, Vertx vertx, ProxyRuntime runtime,
                                              RegistrationVerticle registration) {
        ShutdownTiming timing = shutdownTiming(runtime);
        LOG.info(() -> signal + ": draining (public listener closed, upstream listeners serve "
                + timing.shutdownGrace().toMillis() + " ms more, open connections get "
                + timing.drainTimeout().toMillis() + " ms)");
        long started = System.nanoTime();
        Future<Void> marked = registration == null ? Future.succeededFuture() : registration.markShuttingDown();
        Future<Void> drained = marked.transform(ar -> runtime.drain(timing));
        long limitMs = timing.shutdownGrace().plus(timing.drainTimeout()).plus(SHUTDOWN_SLACK).toMillis();
        io.vertx.core.Promise<Void> bounded = io.vertx.core.Promise.promise();
        drained.onComplete(ar -> bounded.tryComplete());
        vertx.setTimer(limitMs, t -> {
            if (bounded.tryComplete()) {
                LOG.warning(() -> "drain did not finish within " + limitMs + " ms; closing anyway");
            }
        });
        return bounded.future()
                .onSuccess(v -> LOG.info(() -> "drained in " + TimeUnit.NANOSECONDS.toMillis(System.nanoTime()
                        - started) + " ms; closing"))
                .transform(ar -> vertx.close())
                .onComplete(ar -> LOG.info("stopped"));
    }

    private static ShutdownTiming shutdownTiming(ProxyRuntime runtime) {
        ConfigWatcherVerticle w = runtime.watcher();
        ProxyConfig config = w == null ? null : w.current();
        return config == null ? ShutdownTiming.DEFAULT : config.tuning().shutdown();
    }

    /**
     * One event loop per core (each listener verticle instance owns one, and a proxied connection stays on it),
     * native transport when available, and metrics into the admin registry: JVM, Netty (event loops, allocator)
     * and worker pools. Per-connection network metrics are left to {@link ProxyMetrics}, which counts per
     * connection, not per read.
     */
    static Vertx createVertx(PrometheusMeterRegistry registry) {
        MicrometerMetricsOptions metrics = new MicrometerMetricsOptions()
                .setEnabled(true)
                .setJvmMetricsEnabled(false) // bound by JvmMeters off the start-up chain
                .setNettyMetricsEnabled(true);
        for (MetricsDomain d : List.of(MetricsDomain.NET_SERVER, MetricsDomain.NET_CLIENT, MetricsDomain.HTTP_SERVER,
                MetricsDomain.HTTP_CLIENT, MetricsDomain.DATAGRAM_SOCKET, MetricsDomain.EVENT_BUS)) {
            metrics.addDisabledMetricsCategory(d);
        }
        VertxOptions options = new VertxOptions().setPreferNativeTransport(true)
                .setEventLoopPoolSize(Math.max(1, Runtime.getRuntime().availableProcessors()))
                .setMetricsOptions(metrics)
                // the proxy serves nothing from the classpath or disk: without these Vert.x creates a cache
                // directory in java.io.tmpdir at start, and dies with a stack trace on a read-only file system
                .setFileSystemOptions(new FileSystemOptions().setClassPathResolvingEnabled(false)
                        .setFileCachingEnabled(false));
        return HalfCloseSafeTransport.vertxBuilder(options).withMetrics(new MicrometerMetricsFactory(registry))
                .build();
    }

    /** {@code -register} needs a static config with a public listener: {@code -service} and {@code -listen}. */
    static ProxyRegistration registration(GoFlags.Parsed parsed, LaunchConfig launch) {
        if (!parsed.bool("register")) {
            if (parsed.has("register-id")) {
                throw new ConfigException("-register-id", "only used with -register");
            }
            return null;
        }
        ProxyConfig config = launch.source().staticConfig();
        if (launch.source().kind() != LaunchConfig.Kind.FLAGS || config == null || !config.hasPublicListener()) {
            throw new ConfigException("-register", "needs -service with -listen and -service-addr (with "
                    + "-sidecar-for, -proxy-id or a managed proxy the agent already has the registration)");
        }
        String suffix = parsed.has("register-id") ? parsed.get("register-id") : "";
        if (!suffix.isEmpty() && suffix.isBlank()) {
            throw new ConfigException("-register-id", "must not be blank, got \"" + suffix + "\"");
        }
        return new ProxyRegistration(ProxyRegistration.serviceId(config.serviceName(), suffix), config,
                ProxyRegistration.DEFAULT_TTL);
    }

    /** {@code -admin-metrics-bind HOST:PORT} (":PORT" means loopback), or null when not given. */
    static HostPort metricsBind(GoFlags.Parsed parsed) {
        String v = parsed.get("admin-metrics-bind");
        return v == null || v.isEmpty() ? null
                : HostPort.parse(v, LaunchConfig.DEFAULT_ADMIN_BIND.host(), "-admin-metrics-bind");
    }

    /**
     * {@code -wait-timeout DURATION} (Go syntax): how long to wait for the proxy config from the agent (the sidecar
     * registration with {@code -sidecar-for}) before exiting 1; null (not given) waits forever.
     */
    static Duration waitTimeout(GoFlags.Parsed parsed, LaunchConfig launch) {
        String raw = parsed.get("wait-timeout");
        if (raw == null) {
            return null;
        }
        if (!launch.source().fromAgent()) {
            throw new ConfigException("-wait-timeout", "only used when the config comes from the agent "
                    + "(-sidecar-for, -proxy-id or a managed proxy)");
        }
        Duration d;
        try {
            d = GoDuration.parse(raw);
        } catch (IllegalArgumentException e) {
            throw new ConfigException("-wait-timeout", "must be a duration such as 30s or 2m, got \"" + raw + "\"");
        }
        if (d.isNegative() || d.isZero()) {
            throw new ConfigException("-wait-timeout", "must be positive, got \"" + raw + "\"");
        }
        return d;
    }

    /** What the proxy waits for while it has no config from the agent, for the -wait-timeout exit line. */
    static String waitingFor(LaunchConfig launch) {
        String agent;
        try {
            String raw = launch.agent().httpAddr() == null ? AgentSettings.DEFAULT_HTTP_ADDR : launch.agent().httpAddr();
            agent = AgentAddress.parse(raw, launch.agent().ssl(), "-http-addr").toString();
        } catch (IllegalArgumentException e) {
            agent = String.valueOf(launch.agent().httpAddr());
        }
        String id = launch.source().id();
        return switch (launch.source().kind()) {
            case SIDECAR_FOR -> "a connect-proxy registered for service id " + id + " (Proxy.DestinationServiceID)"
                    + " on the Consul agent at " + agent;
            case PROXY_ID -> "the proxy registration " + id + " on the Consul agent at " + agent;
            case MANAGED_PROXY -> "the managed proxy config " + id + " on the Consul agent at " + agent;
            default -> "the proxy config";
        };
    }

    private static Set<String> union(Set<String> base, String... more) {
        return Stream.concat(base.stream(), Stream.of(more)).collect(Collectors.toUnmodifiableSet());
    }

    /** Parses the flags into a launch config; -h handling is the caller's. */
    static LaunchConfig resolve(GoFlags.Parsed parsed, Map<String, String> env) {
        if (!parsed.passThrough().isEmpty()) {
            throw new ConfigException("arguments", "nothing after -- is used in proxy mode, got "
                    + parsed.passThrough());
        }
        return LaunchConfigResolver.resolve(parsed.values(), parsed.all("upstream"), env);
    }

    /** For tests: args → launch config, as the command line would. */
    static LaunchConfig resolve(List<String> args, Map<String, String> env) {
        return resolve(FLAGS.parse(args), env);
    }

    /** Runs on the JVM's shutdown-hook thread, never an event loop, so waiting here is allowed. */
    private static void closeAndWait(Vertx vertx) {
        try {
            vertx.close().toCompletionStage().toCompletableFuture().get(CLOSE_TIMEOUT_SECONDS, TimeUnit.SECONDS);
        } catch (Exception e) {
            LOG.warning(() -> "Vert.x did not close cleanly: " + e);
        }
    }
}
