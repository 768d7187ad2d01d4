package io.connectproxy.cli;

import io.connectproxy.config.ConfigException;
import io.connectproxy.config.LaunchConfig;
import io.connectproxy.config.LaunchConfigResolver;
import io.vertx.core.Vertx;
import io.vertx.core.VertxOptions;

import java.io.PrintStream;
import java.util.List;
import java.util.Map;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.TimeUnit;
import java.util.logging.Level;
import java.util.logging.Logger;

/**
 * {@code java -jar proxy-fat.jar [flags]}: resolves the launch config (exit 2 with the message on bad input),
 * sets up logging, starts Vert.x with the native transport when available, runs {@link ProxyRuntime}, and
 * returns when Vert.x has been closed (SIGTERM/SIGINT) or start-up failed.
 */
public final class ProxyMode implements Mode {
    private static final Logger LOG = Logger.getLogger(ProxyMode.class.getName());
    /** How long the shutdown hook waits for Vert.x to close before letting the JVM exit anyway. */
    private static final long CLOSE_TIMEOUT_SECONDS = 30;

    static final GoFlags FLAGS = new GoFlags(LaunchConfigResolver.VALUE_FLAGS, LaunchConfigResolver.BOOLEAN_FLAGS,
            LaunchConfigResolver.REPEATABLE_FLAGS);

    static final String USAGE = """
            Usage: java -jar proxy-fat.jar [flags]          (proxy mode)
                   java -jar proxy-fat.jar envoy [flags]    (Envoy bootstrap)
                   java -jar proxy-fat.jar dev [flags]      (embedded dev agent)

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

            Other:
              -admin-bind HOST:PORT  admin HTTP listener, "off" to disable (default 127.0.0.1:19100)
              -log-level LEVEL       trace, debug, info, warn, error (default info)
              -log-json              log JSON lines
              -h, -help              this help
            """;

    private final ProxyRuntime runtime;

    public ProxyMode() {
        this(new ProxyRuntime());
    }

    ProxyMode(ProxyRuntime runtime) {
        this.runtime = runtime;
    }

    @Override
    public int run(List<String> args, Map<String, String> env, PrintStream out, PrintStream err) {
        LaunchConfig launch;
        try {
            GoFlags.Parsed parsed = FLAGS.parse(args);
            if (parsed.bool("h") || parsed.bool("help")) {
                out.print(USAGE);
                return 0;
            }
            launch = resolve(parsed, env);
        } catch (ConfigException e) {
            err.println(e.getMessage());
            return ConfigException.EXIT_CODE;
        }
        Logging.configure(launch.logLevel(), launch.logJson());
        LOG.info(() -> "starting connect-proxy: " + launch);

        // one event loop per core: each listener verticle instance owns one, and a proxied connection stays on it
        Vertx vertx = Vertx.vertx(new VertxOptions().setPreferNativeTransport(true)
                .setEventLoopPoolSize(Math.max(1, Runtime.getRuntime().availableProcessors())));
        LOG.info(() -> "native transport " + (vertx.isNativeTransportEnabled() ? "enabled"
                : "unavailable, using NIO (" + vertx.unavailableNativeTransportCause() + ")"));

        CompletableFuture<Integer> exit = new CompletableFuture<>();
        Thread hook = new Thread(() -> {
            LOG.info("shutting down");
            exit.complete(0);
            closeAndWait(vertx);
            LOG.info("stopped");
        }, "connect-proxy-shutdown");
        Runtime.getRuntime().addShutdownHook(hook);

        runtime.start(vertx, launch).onFailure(e -> {
            if (exit.isDone()) {
                return; // shut down while still starting (e.g. waiting for the agent): not a start-up failure
            }
            int code;
            if (e instanceof ConfigException ce) {
                err.println(ce.getMessage());
                code = ConfigException.EXIT_CODE;
            } else {
                LOG.log(Level.SEVERE, "start-up failed", e);
                err.println("connect-proxy: start-up failed: " + e.getMessage());
                code = 1;
            }
            vertx.close().onComplete(ar -> exit.complete(code));
        });

        int code = exit.join();
        if (code != 0) {
            try {
                Runtime.getRuntime().removeShutdownHook(hook);
            } catch (IllegalStateException alreadyShuttingDown) {
                // the hook is running or ran: nothing to undo
            }
        }
        return code;
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
