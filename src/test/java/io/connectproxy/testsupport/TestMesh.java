package io.connectproxy.testsupport;

import io.connectproxy.runtime.ProxyRuntime;
import io.connectproxy.config.ConfigWatcherVerticle;
import io.connectproxy.config.LaunchConfig;
import io.connectproxy.config.LaunchConfigResolver;
import io.connectproxy.consul.Backoff;
import io.connectproxy.devagent.DevAgent;
import io.connectproxy.devagent.DevAgentOptions;
import io.connectproxy.net.HalfCloseSafeTransport;
import io.vertx.core.Future;
import io.vertx.core.Vertx;
import io.vertx.core.VertxOptions;
import io.vertx.core.json.JsonArray;
import io.vertx.core.json.JsonObject;

import java.io.IOException;
import java.io.UncheckedIOException;
import java.net.ServerSocket;
import java.time.Duration;
import java.util.ArrayList;
import java.util.HashMap;
import java.util.List;
import java.util.Map;
import java.util.concurrent.TimeUnit;

/**
 * A whole mesh inside the test JVM: the embedded dev agent plus any number of sidecars, each a real
 * {@link ProxyRuntime} in its own Vert.x (as separate processes would be, since bus addresses are per proxy),
 * with short blocking waits and backoff so changes show quickly. Close it after the test.
 */
public final class TestMesh implements AutoCloseable {
    /** Fast enough for tests, still real blocking queries. */
    public static final ConfigWatcherVerticle.Timing TIMING = new ConfigWatcherVerticle.Timing(Duration.ofSeconds(10),
            new Backoff(Duration.ofMillis(100), Duration.ofSeconds(1)), 200, Duration.ofSeconds(5));

    private final Vertx vertx;
    private final DevAgent agent;
    private final List<Vertx> sidecarVertx = new ArrayList<>();
    private boolean nativeTransport;

    private TestMesh(Vertx vertx, DevAgent agent) {
        this.vertx = vertx;
        this.agent = agent;
    }

    public static TestMesh start(Vertx vertx) {
        return start(vertx, DevAgentOptions.defaults());
    }

    public static TestMesh start(Vertx vertx, DevAgentOptions options) {
        return new TestMesh(vertx, await(DevAgent.start(vertx, options)));
    }

    public DevAgent agent() {
        return agent;
    }

    /** Registers a service definition (Consul's shape, PascalCase or snake_case). */
    public void register(JsonObject definition) {
        await(agent.registerService(definition));
    }

    /**
     * Registers {@code name} backed by an app on {@code appPort}, with a sidecar on a free public port and the
     * given upstreams ({@code [{"destination_name":"echo","local_bind_port":N}]}). Returns the sidecar port.
     */
    public int registerWithSidecar(String name, int appPort, JsonArray upstreams) {
        int sidecarPort = freePort();
        register(new JsonObject().put("name", name).put("port", appPort).put("connect", new JsonObject()
                .put("sidecar_service", new JsonObject().put("port", sidecarPort)
                        .put("proxy", new JsonObject().put("upstreams", upstreams)))));
        return sidecarPort;
    }

    /** Starts a sidecar for a registered service, like {@code -sidecar-for <serviceId>}, and waits until ready. */
    public ProxyRuntime startSidecar(String serviceId, String... extraFlags) {
        Map<String, String> flags = new HashMap<>();
        flags.put("sidecar-for", serviceId);
        flags.put("http-addr", agent.httpAddr());
        flags.put("admin-bind", "off");
        for (int i = 0; i + 1 < extraFlags.length; i += 2) {
            flags.put(extraFlags[i], extraFlags[i + 1]);
        }
        LaunchConfig launch = LaunchConfigResolver.resolve(flags, List.of(), Map.of());
        return startRuntime(launch);
    }

    /**
     * Sidecars started from now on prefer the native transport (epoll), as the proxy does in production; off by
     * default because most tests do not depend on it. Returns whether this machine has it.
     */
    public boolean preferNativeTransport() {
        nativeTransport = true;
        return io.vertx.core.transport.Transport.EPOLL.available();
    }

    public ProxyRuntime startRuntime(LaunchConfig launch) {
        return startRuntime(launch, TIMING);
    }

    /** Starts a runtime with other timing (e.g. a short agent request timeout) and waits until it started. */
    public ProxyRuntime startRuntime(LaunchConfig launch, ConfigWatcherVerticle.Timing timing) {
        VertxOptions options = new VertxOptions().setEventLoopPoolSize(2);
        Vertx own = nativeTransport ? HalfCloseSafeTransport.vertxBuilder(options).build() : Vertx.vertx(options);
        sidecarVertx.add(own);
        ProxyRuntime runtime = new ProxyRuntime(timing);
        await(runtime.start(own, launch));
        // its "Connect Sidecar Listening" check ran at registration, before it listened
        String id = launch.source().id();
        await(id == null ? agent.runChecks() : agent.runChecks(id));
        return runtime;
    }

    /** A TCP port that was free a moment ago (for listeners whose port must be known before they start). */
    public static int freePort() {
        try (ServerSocket s = new ServerSocket(0)) {
            s.setReuseAddress(true);
            return s.getLocalPort();
        } catch (IOException e) {
            throw new UncheckedIOException(e);
        }
    }

    public static <T> T await(Future<T> f) {
        try {
            return f.await(30, TimeUnit.SECONDS);
        } catch (java.util.concurrent.TimeoutException e) {
            throw new AssertionError("timed out after 30 s", e);
        }
    }

    @Override
    public void close() {
        for (Vertx v : sidecarVertx) {
            try {
                v.close().await(10, TimeUnit.SECONDS);
            } catch (Exception ignored) {
                // best effort
            }
        }
        try {
            agent.close().await(10, TimeUnit.SECONDS);
        } catch (Exception ignored) {
            // best effort
        }
    }
}
