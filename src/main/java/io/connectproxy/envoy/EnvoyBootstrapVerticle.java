package io.connectproxy.envoy;

import io.connectproxy.config.HostPort;
import io.connectproxy.consul.AgentClient;
import io.connectproxy.consul.AgentException;
import io.connectproxy.consul.QueryOptions;
import io.connectproxy.consul.wire.AgentService;
import io.connectproxy.consul.wire.AgentServices;
import io.connectproxy.consul.wire.ProxyBlock;
import io.vertx.core.Future;
import io.vertx.core.Promise;
import io.vertx.core.VerticleBase;
import io.vertx.core.json.JsonObject;

import java.nio.charset.StandardCharsets;
import java.util.Comparator;
import java.util.List;
import java.util.Locale;
import java.util.logging.Logger;

/**
 * Runs {@code consul connect envoy} once: finds the proxy (by id, sidecar or gateway), registers a gateway when
 * asked, asks the agent for the proxy's registration and gRPC port, builds the bootstrap, then either hands it
 * back for printing ({@code -bootstrap}) or runs Envoy with it. {@link #outcome()} completes with the exit code
 * (Envoy's own when it ran) or fails with an {@link EnvoyException}; whoever deployed the verticle ends the
 * process with that code after closing Vert.x, so tests can run it in-process.
 */
public final class EnvoyBootstrapVerticle extends VerticleBase {
    private static final Logger LOG = Logger.getLogger(EnvoyBootstrapVerticle.class.getName());
    /** Consul's dev-mode and recommended gRPC port, used when the agent does not tell us. */
    static final int DEFAULT_GRPC_PORT = 8502;

    private final EnvoyOptions options;
    private final Promise<EnvoyOutcome> outcome = Promise.promise();
    private AgentClient client;

    public EnvoyBootstrapVerticle(EnvoyOptions options) {
        this.options = options;
    }

    public Future<EnvoyOutcome> outcome() {
        return outcome.future();
    }

    @Override
    public Future<?> start() {
        Future<EnvoyOutcome> run;
        try {
            run = run();
        } catch (RuntimeException e) {
            run = Future.failedFuture(e);
        }
        run.onComplete(outcome);
        return Future.succeededFuture();
    }

    @Override
    public Future<?> stop() {
        if (client != null) {
            client.close();
        }
        return Future.succeededFuture();
    }

    /** The proxy to bootstrap and, for gateways, its service name. */
    private record Target(String proxyId, String gatewayService) {
    }

    private Future<EnvoyOutcome> run() {
        if (options.register() && options.gateway() == null) {
            throw new EnvoyException(EnvoyException.Reason.USAGE, "-register: auto-registration can only be used "
                    + "for gateways (add -gateway mesh|terminating|ingress)");
        }
        try {
            client = AgentClient.create(vertx, options.agent());
        } catch (IllegalArgumentException e) {
            throw new EnvoyException(EnvoyException.Reason.LOCAL, e.getMessage());
        }
        return resolveTarget()
                .compose(t -> options.register() ? register(t).map(t) : Future.succeededFuture(t))
                .compose(this::templateArgs)
                .compose(this::withRegistration)
                .map(this::render)
                .compose(json -> options.bootstrap()
                        ? Future.succeededFuture(new EnvoyOutcome(0, json))
                        : exec(json).map(code -> new EnvoyOutcome(code, json)));
    }

    private Future<Target> resolveTarget() {
        String gatewayService = options.gatewayServiceName();
        if (!options.proxyId().isEmpty()) {
            return Future.succeededFuture(new Target(options.proxyId(), gatewayService));
        }
        if (!options.sidecarFor().isEmpty()) {
            String wanted = options.sidecarFor();
            return client.agentServices().recover(e -> agentFailure("looking up the sidecar of \"" + wanted + "\"", e))
                    .map(services -> new Target(exactlyOne("-sidecar-for " + wanted, "sidecar proxies registered for "
                            + "\"" + wanted + "\"", sidecars(services, wanted)).id(), gatewayService));
        }
        if (options.gateway() != null && !options.register()) {
            String kind = options.gateway().serviceKind();
            return client.agentServices().recover(e -> agentFailure("looking up " + kind + " services", e))
                    .map(services -> {
                        List<AgentService> gateways = services.byId().values().stream()
                                .filter(s -> kind.equals(s.kind()))
                                .sorted(Comparator.comparing(AgentService::id)).toList();
                        AgentService gw = exactlyOne("-gateway " + options.gateway().flagValue(),
                                kind + " services registered with the agent", gateways);
                        return new Target(gw.id(), gw.service());
                    });
        }
        if (options.gateway() != null) {
            return Future.succeededFuture(new Target(gatewayService, gatewayService));
        }
        throw new EnvoyException(EnvoyException.Reason.USAGE,
                "no proxy ID specified: one of -proxy-id, -sidecar-for or -gateway is required");
    }

    /** Consul matches the destination service ID case-insensitively. */
    private static List<AgentService> sidecars(AgentServices services, String serviceId) {
        return services.byId().values().stream()
                .filter(s -> s.isConnectProxy() && s.proxy() != null
                        && serviceId.toLowerCase(Locale.ROOT).equals(nz(s.proxy().destinationServiceId())
                        .toLowerCase(Locale.ROOT)))
                .sorted(Comparator.comparing(AgentService::id))
                .toList();
    }

    private static AgentService exactlyOne(String flag, String what, List<AgentService> found) {
        if (found.size() == 1) {
            return found.get(0);
        }
        String ids = String.join(", ", found.stream().map(AgentService::id).toList());
        throw new EnvoyException(EnvoyException.Reason.USAGE, flag + ": found " + found.size() + " " + what
                + (found.isEmpty() ? ", want exactly 1" : " (" + ids + "), want exactly 1; pick one with -proxy-id"));
    }

    private Future<Void> register(Target t) {
        return vertx.executeBlocking(() -> GatewayRegistration.toJson(options, t.proxyId(),
                        LocalResolver.canBind(options.lanAddress().orDefault().address()),
                        LocalResolver.canBind(options.wanAddress().orDefault().address())), false)
                .compose(definition -> client.registerService(definition)
                        .recover(e -> agentFailure("registering service \"" + definition.getString("Name") + "\"", e))
                        .onSuccess(v -> LOG.info("Registered service: " + definition.getString("Name"))));
    }

    private Future<BootstrapArgs> templateArgs(Target t) {
        return grpcAddress().compose(addr -> vertx.executeBlocking(() -> {
            String source = options.grpcAddr().isEmpty() ? "agent gRPC address" : "-grpc-addr";
            GrpcTarget grpc = GrpcTarget.parse(addr, source, options.httpSslEnv(), options.agent().httpAddr());
            String agentIp = grpc.isUnixSocket() ? "" : LocalResolver.resolveIp(grpc.host(), source);
            HostPort admin = GoAddress.split(options.adminBind(), "-admin-bind");
            String adminIp = LocalResolver.resolveIp(admin.host(), "-admin-bind");
            String caPem = LocalResolver.loadCaPems(options.agent().caFile(), options.agent().caPath());
            // the best guess until the registration tells us the destination service
            String cluster = t.proxyId();
            String sourceService = "";
            if (!options.sidecarFor().isEmpty()) {
                cluster = options.sidecarFor();
                sourceService = options.sidecarFor();
            } else if (options.gateway() != null && !t.gatewayService().isEmpty()) {
                cluster = t.gatewayService();
                sourceService = t.gatewayService();
            }
            return new BootstrapArgs(cluster, t.proxyId(), sourceService, agentIp, grpc.port(), grpc.socketPath(),
                    grpc.tls(), caPem, options.adminAccessLogPath(), adminIp, admin.port(),
                    BootstrapArgs.LOCAL_AGENT_CLUSTER_NAME, nz(options.agent().token()), "",
                    nz(options.agent().datacenter()), options.envoyVersion(), options.prometheusBackendPort(),
                    options.prometheusScrapePath());
        }, false));
    }

    /** {@code -grpc-addr}, else localhost with the agent's gRPC port from /v1/agent/self (8502 if unknown). */
    private Future<String> grpcAddress() {
        if (!options.grpcAddr().isEmpty()) {
            return Future.succeededFuture(options.grpcAddr());
        }
        return client.agentSelf()
                .map(self -> self.grpcPort())
                .recover(e -> {
                    LOG.warning("Error asking the agent for its gRPC port: " + e.getMessage());
                    return Future.succeededFuture(0);
                })
                .map(port -> {
                    if (port <= 0) {
                        LOG.info("-grpc-addr not provided and unable to discover a gRPC address for xDS. "
                                + "Defaulting to localhost:" + DEFAULT_GRPC_PORT);
                        return "localhost:" + DEFAULT_GRPC_PORT;
                    }
                    return "localhost:" + port;
                });
    }

    /** The proxy's registration: its Proxy.Config keys and the names that replace our guesses. */
    private record Prepared(BootstrapArgs args, BootstrapConfig config) {
    }

    private Future<Prepared> withRegistration(BootstrapArgs args) {
        Future<Prepared> prepared;
        if (options.noCentralConfig()) {
            prepared = Future.succeededFuture(new Prepared(args, BootstrapConfig.EMPTY));
        } else {
            prepared = client.agentService(args.proxyId(), QueryOptions.NONE)
                    .recover(e -> {
                        if (e instanceof AgentException ae && ae.isNotFound()) {
                            return Future.failedFuture(new EnvoyException(EnvoyException.Reason.AGENT,
                                    "unknown proxy \"" + args.proxyId() + "\": the agent has no service with this ID "
                                            + "(check -proxy-id, -sidecar-for or -gateway)"));
                        }
                        return agentFailure("fetching the proxy config of \"" + args.proxyId() + "\"", e);
                    })
                    .map(resp -> {
                        AgentService svc = resp.body();
                        ProxyBlock proxy = svc.proxy();
                        if (proxy == null) {
                            throw new EnvoyException(EnvoyException.Reason.CONFIG, "service \"" + svc.id()
                                    + "\" is not a Connect proxy or gateway");
                        }
                        BootstrapConfig config = BootstrapConfig.fromProxyConfig(proxy.config());
                        String dest = nz(proxy.destinationServiceName());
                        String cluster = dest.isEmpty() ? args.proxyCluster() : dest;
                        String source = dest.isEmpty() ? svc.service() : dest;
                        String ns = nz(svc.namespace()).isEmpty() ? args.namespace() : svc.namespace();
                        String dc = nz(svc.datacenter()).isEmpty() ? args.datacenter() : svc.datacenter();
                        return new Prepared(args.withRegistration(cluster, source, ns, dc), config);
                    });
        }
        if (options.gateway() == GatewayKind.INGRESS) {
            // an ingress gateway may have no listeners yet; give its health check something to hit
            String ready = options.lanAddress().hostPort();
            String readyAddr = ready.startsWith(":") ? "127.0.0.1" + ready : ready;
            prepared = prepared.map(p -> new Prepared(p.args(), p.config().withReadyBindAddr(readyAddr)));
        }
        return prepared;
    }

    private String render(Prepared p) {
        JsonObject doc = BootstrapBuilder.build(p.args(), p.config(), options.omitDeprecatedTags(), options.env());
        return doc.encodePrettily();
    }

    private Future<Integer> exec(String json) {
        if (!EnvoyLauncher.supportedOs(System.getProperty("os.name"))) {
            throw new EnvoyException(EnvoyException.Reason.UNSUPPORTED_OS, "running Envoy directly is only "
                    + "supported on Linux and macOS; use -bootstrap to print the configuration and start Envoy "
                    + "yourself (e.g. in a container or VM)");
        }
        return vertx.executeBlocking(() -> EnvoyLauncher.findBinary(options.envoyBinary(), options.env()), false)
                .compose(binary -> EnvoyLauncher.launch(vertx, binary, json.getBytes(StandardCharsets.UTF_8),
                        options.envoyArgs()));
    }

    private static <T> Future<T> agentFailure(String what, Throwable e) {
        if (e instanceof EnvoyException) {
            return Future.failedFuture(e);
        }
        return Future.failedFuture(new EnvoyException(EnvoyException.Reason.AGENT, "failed " + what
                + " with the local agent: " + e.getMessage(), e));
    }

    private static String nz(String s) {
        return s == null ? "" : s;
    }
}
