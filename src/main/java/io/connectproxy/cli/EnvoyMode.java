package io.connectproxy.cli;

import io.connectproxy.config.AgentSettingsResolver;
import io.connectproxy.config.ConfigException;
import io.connectproxy.consul.AgentSettings;
import io.connectproxy.envoy.EnvoyBootstrapVerticle;
import io.connectproxy.envoy.EnvoyException;
import io.connectproxy.envoy.EnvoyOptions;
import io.connectproxy.envoy.EnvoyOutcome;
import io.connectproxy.envoy.GatewayKind;
import io.connectproxy.envoy.ServiceAddress;
import io.vertx.core.Vertx;

import java.io.PrintStream;
import java.util.HashMap;
import java.util.HashSet;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.Set;
import java.util.logging.Level;
import java.util.logging.Logger;

/**
 * {@code envoy [flags] [-- envoy args…]}: the flags and environment of {@code consul connect envoy} (Consul 1.10)
 * become an {@link EnvoyOptions}; an {@link EnvoyBootstrapVerticle} runs once; its exit code is returned after
 * Vert.x has closed (Main exits with it, never from an event loop). Errors are one line on stderr.
 */
public final class EnvoyMode implements Mode {
    private static final Logger LOG = Logger.getLogger(EnvoyMode.class.getName());

    private static final Set<String> VALUE_FLAGS = Set.of("proxy-id", "sidecar-for", "gateway", "service", "address",
            "wan-address", "deregister-after-critical", "admin-bind", "admin-access-log-path", "envoy-binary",
            "grpc-addr", "envoy-version", "prometheus-backend-port", "prometheus-scrape-path", "bind-address",
            "namespace");
    private static final Set<String> BOOLEAN_FLAGS = Set.of("register", "bootstrap", "no-central-config",
            "omit-deprecated-tags", "mesh-gateway", "expose-servers");
    private static final Set<String> REPEATABLE_FLAGS = Set.of("bind-address");

    @Override
    public int run(List<String> args, Map<String, String> env, PrintStream out, PrintStream err) {
        if (!args.isEmpty() && List.of("-h", "-help", "--help").contains(args.get(0))) {
            out.print(USAGE);
            return 0;
        }
        EnvoyOptions options;
        try {
            GoFlags.Parsed parsed = flags().parse(args);
            options = parseOptions(parsed, env);
            ConsulCompatFlags.envoyNotices(parsed, options).forEach(err::println);
        } catch (ConfigException | EnvoyException e) {
            err.println(e.getMessage());
            return ConfigException.EXIT_CODE;
        }
        Vertx vertx = Vertx.vertx();
        try {
            EnvoyBootstrapVerticle verticle = new EnvoyBootstrapVerticle(options);
            EnvoyOutcome outcome = vertx.deployVerticle(verticle).compose(id -> verticle.outcome()).await();
            if (options.bootstrap()) {
                out.println(outcome.bootstrapJson());
                out.flush();
            }
            return outcome.exitCode();
        } catch (EnvoyException e) {
            err.println(e.getMessage());
            return EnvoyException.EXIT_CODE;
        } catch (RuntimeException e) {
            LOG.log(Level.FINE, "envoy mode failed", e);
            err.println("envoy: " + e.getMessage());
            return EnvoyException.EXIT_CODE;
        } finally {
            vertx.close().await();
        }
    }

    /** Flags override their environment variables, as in Consul; the HTTP flags go through the shared resolver. */
    public static EnvoyOptions parseOptions(List<String> args, Map<String, String> env) {
        return parseOptions(flags().parse(args), env);
    }

    private static GoFlags flags() {
        Set<String> values = new HashSet<>(VALUE_FLAGS);
        values.addAll(AgentSettingsResolver.VALUE_FLAGS);
        return new GoFlags(values, BOOLEAN_FLAGS, REPEATABLE_FLAGS);
    }

    static EnvoyOptions parseOptions(GoFlags.Parsed p, Map<String, String> env) {
        Map<String, String> httpFlags = new HashMap<>();
        for (String f : AgentSettingsResolver.VALUE_FLAGS) {
            if (p.get(f) != null) {
                httpFlags.put(f, p.get(f));
            }
        }
        AgentSettings agent = AgentSettingsResolver.resolve(httpFlags, null, env);

        GatewayKind gateway = null;
        if (p.bool("mesh-gateway")) {
            if (p.get("gateway") != null) {
                throw new ConfigException("-mesh-gateway", "deprecated and cannot be used together with -gateway");
            }
            gateway = GatewayKind.MESH;
        } else if (p.get("gateway") != null && !p.get("gateway").isEmpty()) {
            String g = p.get("gateway");
            gateway = GatewayKind.fromFlag(g).orElseThrow(() -> new ConfigException("-gateway",
                    "must be one of mesh, terminating, ingress; got \"" + g + "\""));
        }
        if (p.bool("expose-servers")) {
            // Consul 1.10's checks: the servers are exposed through a mesh gateway it registers itself
            if (gateway != GatewayKind.MESH) {
                throw new ConfigException("-expose-servers", "can only be used for mesh gateways (-gateway mesh)");
            }
            if (!p.bool("register")) {
                throw new ConfigException("-expose-servers", "requires -register");
            }
        }
        ConsulCompatFlags.checkNamespace(p, env);
        Map<String, ServiceAddress> binds = new LinkedHashMap<>();
        for (String raw : p.all("bind-address")) {
            int eq = raw.indexOf('=');
            if (eq < 0) {
                throw new ConfigException("-bind-address", "must be name=addr:port, missing \"=\" in \"" + raw
                        + "\"");
            }
            binds.put(raw.substring(0, eq), ServiceAddress.parse(raw.substring(eq + 1), "-bind-address"));
        }
        ServiceAddress lan = p.get("address") == null ? ServiceAddress.UNSET
                : ServiceAddress.parse(p.get("address"), "-address");
        ServiceAddress wan = p.get("wan-address") == null ? ServiceAddress.UNSET
                : ServiceAddress.parse(p.get("wan-address"), "-wan-address");
        return new EnvoyOptions(
                flagOrEnv(p, "proxy-id", env, "CONNECT_PROXY_ID"),
                flagOrEnv(p, "sidecar-for", env, "CONNECT_SIDECAR_FOR"),
                gateway,
                p.bool("register"),
                p.get("service"),
                lan,
                wan,
                p.get("deregister-after-critical"),
                p.get("admin-bind"),
                p.get("admin-access-log-path"),
                p.bool("bootstrap"),
                p.get("envoy-binary"),
                flagOrEnv(p, "grpc-addr", env, "CONSUL_GRPC_ADDR"),
                p.get("envoy-version"),
                p.bool("no-central-config"),
                p.get("prometheus-backend-port"),
                p.get("prometheus-scrape-path"),
                p.bool("omit-deprecated-tags"),
                p.bool("expose-servers"),
                binds,
                agent,
                env.get("CONSUL_HTTP_SSL"),
                p.passThrough(),
                env);
    }

    private static String flagOrEnv(GoFlags.Parsed p, String flag, Map<String, String> env, String var) {
        String v = p.get(flag);
        return v != null ? v : env.getOrDefault(var, "");
    }

    private static final String USAGE = """
            Usage: java -jar proxy-fat.jar envoy [options] [-- <envoy args> ...]

              Generates the Envoy v3 bootstrap for a proxy registered with the local Consul agent (like
              'consul connect envoy' of Consul 1.10) and runs Envoy with it, or prints it with -bootstrap.

              -proxy-id <id>              the proxy's service ID (env CONNECT_PROXY_ID)
              -sidecar-for <service-id>   find the one sidecar proxy of this service (env CONNECT_SIDECAR_FOR)
              -gateway mesh|terminating|ingress
                                          configure Envoy as a gateway (-register, -service, -address,
                                          -wan-address, -deregister-after-critical for registration)
              -admin-bind <host:port>     Envoy's admin server (default localhost:19000)
              -admin-access-log-path <p>  admin access log (default /dev/null)
              -bootstrap                  print the bootstrap JSON and exit
              -envoy-binary <path>        Envoy to run (default: envoy on PATH)
              -grpc-addr <addr>           agent gRPC: host:port, http(s)://host:port, unix:///path
                                          (env CONSUL_GRPC_ADDR; default: the agent's gRPC port on localhost)
              -envoy-version <v>          reported in node metadata (default 1.18.3)
              -no-central-config          do not read the proxy's registration for bootstrap settings
              -prometheus-backend-port <p>, -prometheus-scrape-path <path> (default /metrics)
              -omit-deprecated-tags       leave out the pre-1.9 consul.* stats tags
              -expose-servers             with -gateway mesh -register: expose the servers for WAN federation
                                          (registration Meta consul-wan-federation=1)
              -bind-address <name>=<ip>:<port>
                                          repeatable; with -register the gateway binds exactly these
                                          (envoy_gateway_bind_addresses) instead of the default rules
              -namespace default          accepted (Consul OSS has only "default"; others are an error)
              -http-addr, -token, -token-file, -ca-file, -ca-path, -client-cert, -client-key,
              -tls-server-name, -datacenter and CONSUL_HTTP_* as for the other modes
            """;
}
