package io.connectproxy.devmesh;

import io.connectproxy.consul.AgentOutageLog;
import io.connectproxy.net.HalfCloseSafeTransport;
import io.connectproxy.runtime.ProxyRuntime;

import io.connectproxy.config.HostPort;
import io.connectproxy.config.LaunchConfig;
import io.connectproxy.config.LaunchConfigResolver;
import io.connectproxy.devagent.DevAgent;
import io.vertx.core.Future;
import io.vertx.core.Vertx;
import io.vertx.core.VertxOptions;

import java.io.IOException;
import java.net.InetAddress;
import java.net.InetSocketAddress;
import java.net.ServerSocket;
import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.concurrent.CopyOnWriteArrayList;
import java.util.logging.Logger;

/**
 * A whole mesh in one process, from a {@link DevMeshConfig}: the dev agent with the services registered, the
 * built-in echo apps (on the agent's Vert.x), and one {@link ProxyRuntime} per sidecar, each in its own Vert.x as
 * separate processes would be (the bus addresses are per proxy). The sidecars find everything through the agent's
 * HTTP API exactly like {@code -sidecar-for} against a real agent.
 */
public final class DevMesh {
    private static final Logger LOG = Logger.getLogger(DevMesh.class.getName());

    private final DevMeshConfig config;
    private final List<Vertx> sidecarVertx = new CopyOnWriteArrayList<>();
    private final Map<String, ProxyRuntime> sidecars = java.util.Collections.synchronizedMap(new LinkedHashMap<>());
    private volatile Vertx vertx;
    private volatile DevAgent agent;

    private DevMesh(DevMeshConfig config) {
        this.config = config;
    }

    /**
     * The listeners the config names that something already holds, each as "host:port (what)"; checked before
     * anything starts so a taken port is reported plainly instead of as a half-started mesh. Blocking: call it
     * from the CLI thread.
     */
    public static List<String> busyPorts(DevMeshConfig config) {
        Map<String, String> wanted = new LinkedHashMap<>();
        if (config.agent().port() != 0) {
            wanted.put(config.agent().host() + ":" + config.agent().port(), "dev agent HTTP API");
        }
        config.echoApps().forEach(e -> wanted.put(e.host() + ":" + e.port(), "echo app of " + e.serviceId()));
        for (DevMeshConfig.SidecarSpec s : config.sidecars()) {
            if (s.publicPort() > 0) {
                wanted.put(s.bindAddress() + ":" + s.publicPort(), "public listener of " + s.serviceId() + "'s sidecar");
            }
            s.upstreamPorts().forEach((addr, dest) -> wanted.put(addr, s.serviceId() + "'s upstream to " + dest));
        }
        List<String> busy = new ArrayList<>();
        wanted.forEach((addr, what) -> {
            int colon = addr.lastIndexOf(':');
            if (!canBind(addr.substring(0, colon), Integer.parseInt(addr.substring(colon + 1)))) {
                busy.add(addr + " (" + what + ")");
            }
        });
        return busy;
    }

    private static boolean canBind(String host, int port) {
        try (ServerSocket s = new ServerSocket()) {
            s.setReuseAddress(true);
            s.bind(new InetSocketAddress(InetAddress.getByName(host), port));
            return true;
        } catch (IOException e) {
            return false;
        }
    }

    /** Agent first, then the echo apps, then the sidecars (each waits for its leaf and listens before the next). */
    public static Future<DevMesh> start(DevMeshConfig config) {
        DevMesh mesh = new DevMesh(config);
        mesh.vertx = Vertx.vertx();
        Future<?> chain = DevAgent.start(mesh.vertx, config.agent()).onSuccess(a -> mesh.agent = a);
        for (DevMeshConfig.EchoAppSpec app : config.echoApps()) {
            chain = chain.compose(v -> EchoApp.start(mesh.vertx, app.host(), app.port()))
                    .onSuccess(s -> LOG.info(() -> "echo app of " + app.serviceId() + " on " + app.host() + ":"
                            + s.actualPort()));
        }
        int index = 0;
        for (DevMeshConfig.SidecarSpec s : config.sidecars()) {
            HostPort admin = new HostPort(LaunchConfig.DEFAULT_ADMIN_BIND.host(),
                    LaunchConfig.DEFAULT_ADMIN_BIND.port() + index++);
            // created here, on the caller's thread: a Vert.x made from inside another's event loop shares nothing
            // with it but gets a warning
            Vertx own = HalfCloseSafeTransport.vertxBuilder(new VertxOptions().setPreferNativeTransport(true)
                    .setEventLoopPoolSize(Math.max(1, Runtime.getRuntime().availableProcessors()))).build();
            mesh.sidecarVertx.add(own);
            chain = chain.compose(v -> mesh.startSidecar(own, s.serviceId(), admin));
        }
        return chain.map(mesh).recover(e -> mesh.close().transform(ignored -> Future.failedFuture(e)));
    }

    /**
     * Each sidecar has its admin listener on ({@code /metrics}, {@code /ready}, {@code /config}) on its own port
     * counted up from the proxy's default (19100, 19101, …), so the README's {@code curl} works right after the
     * quickstart; a port taken by something else falls back to any free one, which the banner shows.
     */
    private Future<Void> startSidecar(Vertx own, String serviceId, HostPort admin) {
        // the user's CONSUL_* environment is not passed on: these sidecars talk to this agent only
        LaunchConfig flags = LaunchConfigResolver.resolve(
                Map.of("sidecar-for", serviceId, "http-addr", agent.httpAddr()), List.of(), Map.of());
        LaunchConfig launch = new LaunchConfig(flags.source(), flags.agent(), admin, flags.logLevel(),
                flags.logJson(), flags.configFile(), false);
        ProxyRuntime runtime = new ProxyRuntime();
        sidecars.put(serviceId, runtime);
        // the sidecar's TCP check ran at registration, before anything listened: run it now rather than have
        // the upstreams of the next sidecar wait up to an interval for this one to count as passing
        return runtime.start(own, launch).compose(v -> agent.runChecks(serviceId));
    }

    /** "host:port" of the agent's HTTP API, as CONSUL_HTTP_ADDR takes it. */
    public String agentAddr() {
        return agent.httpAddr();
    }

    public DevAgent agent() {
        return agent;
    }

    /** The running sidecars by service id, in start order. */
    public Map<String, ProxyRuntime> sidecars() {
        return Map.copyOf(sidecars);
    }

    public Future<Void> close() {
        List<Future<?>> closing = new ArrayList<>();
        // sidecars first, so they do not spend their last moments retrying an agent that is gone, and without
        // calling the calls their own closing cuts an outage
        sidecarVertx.forEach(v -> {
            AgentOutageLog.stopping(v);
            closing.add(v.close());
        });
        return Future.join(closing).eventually(() -> vertx == null ? Future.succeededFuture() : vertx.close())
                .mapEmpty();
    }
}
