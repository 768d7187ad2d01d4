package io.connectproxy.admin;

import io.connectproxy.testsupport.Scrape;
import io.connectproxy.testsupport.Await;
import io.connectproxy.testsupport.Http;
import io.connectproxy.testsupport.MeshTestBase;
import io.connectproxy.testsupport.Wire;
import io.connectproxy.runtime.ProxyRuntime;
import io.connectproxy.config.HostPort;
import io.connectproxy.config.LaunchConfig;
import io.connectproxy.config.LaunchConfigResolver;
import io.connectproxy.config.ShutdownTiming;
import io.connectproxy.identity.TlsEngine;
import io.connectproxy.testsupport.EchoServer;
import io.connectproxy.testsupport.TestMesh;
import io.vertx.core.Vertx;
import io.vertx.core.VertxOptions;
import io.vertx.core.json.JsonArray;
import io.vertx.core.json.JsonObject;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.Timeout;

import java.net.Socket;
import java.nio.charset.StandardCharsets;
import java.time.Duration;
import java.util.List;
import java.util.Map;
import java.util.concurrent.TimeUnit;
import java.util.function.BooleanSupplier;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertTrue;

/** The admin endpoint of real sidecars in an in-process mesh: readiness over the life cycle, metrics that move. */
class AdminMeshTest extends MeshTestBase {
    private Vertx own;

    @AfterEach
    void stopOwnParts() throws Exception {
        if (own != null) {
            own.close().await(10, TimeUnit.SECONDS);
        }
    }

    /** The launch config of {@code flags}, with the admin listener on a free loopback port. */
    private LaunchConfig launch(Map<String, String> flags, List<String> upstreams) {
        LaunchConfig base = LaunchConfigResolver.resolve(flags, upstreams, Map.of());
        return new LaunchConfig(base.source(), base.agent(), new HostPort("127.0.0.1", 0), base.logLevel(), false,
                null);
    }

    @Test
    @Timeout(value = 40, unit = TimeUnit.SECONDS)
    void readyOnlyBetweenIdentityAndShutdown() throws Exception {
        EchoServer app = TestMesh.await(EchoServer.start(vertx));
        TestMesh.await(mesh.agent().stopListening());
        own = Vertx.vertx(new VertxOptions().setEventLoopPoolSize(2));
        ProxyRuntime runtime = new ProxyRuntime(TestMesh.TIMING);
        runtime.start(own, launch(Map.of("service", "web", "listen", "127.0.0.1:" + TestMesh.freePort(),
                "service-addr", "127.0.0.1:" + app.port(), "http-addr", mesh.agent().httpAddr()), List.of()));
        Await.until(Duration.ofSeconds(20), "runtime.adminPort() > 0", () -> runtime.adminPort() > 0);
        int admin = runtime.adminPort();

        // the config is applied first, then the proxy waits for its identity: 503 with that reason
        Await.until(Duration.ofSeconds(20), "/ready waiting for the identity", () -> Http.get(admin, "/ready").body()
                .contains("waiting for the leaf certificate and CA roots of web"));
        Http.Response before = Http.get(admin, "/ready");
        assertEquals(503, before.status(), before.body());
        assertEquals(200, Http.get(admin, "/health").status());

        TestMesh.await(mesh.agent().listen());
        Await.until(Duration.ofSeconds(20), "Http.get(admin, \"/ready\").status() == 200",
                () -> Http.get(admin, "/ready").status() == 200);
        JsonObject ready = new JsonObject(Http.get(admin, "/ready").body());
        assertTrue(ready.getJsonArray("reasons").isEmpty(), () -> String.valueOf(ready.getJsonArray("reasons")));
        // what was picked at start-up is shown, not only logged: transport, TLS engines, JVM
        JsonObject picked = ready.getJsonObject("runtime");
        assertEquals(own.isNativeTransportEnabled(), picked.getBoolean("native_transport"), picked.encode());
        assertEquals(TlsEngine.preferred().description(), picked.getString("tls_engine"), picked.encode());
        assertTrue(picked.containsKey("public_listener_tls_engine"), picked.encode());
        assertTrue(picked.getString("java").contains(String.valueOf(Runtime.version().feature())), picked.encode());

        TestMesh.await(runtime.drain(new ShutdownTiming(Duration.ZERO, Duration.ofMillis(200))));
        Http.Response after = Http.get(admin, "/ready");
        assertEquals(503, after.status());
        assertTrue(after.body().contains("shutting down"), after.body());
    }

    @Test
    @Timeout(value = 60, unit = TimeUnit.SECONDS)
    void metricsMoveForAnAllowedADeniedAndAFailedConnection() throws Exception {
        EchoServer echo = TestMesh.await(EchoServer.start(vertx));
        int webToEcho = TestMesh.freePort();
        int webToGhost = TestMesh.freePort();
        int badToEcho = TestMesh.freePort();
        mesh.registerWithSidecar("echo", echo.port(), new JsonArray());
        mesh.registerWithSidecar("web", TestMesh.freePort(), new JsonArray()
                .add(new JsonObject().put("destination_name", "echo").put("local_bind_port", webToEcho))
                .add(new JsonObject().put("destination_name", "ghost").put("local_bind_port", webToGhost)));
        mesh.registerWithSidecar("bad", TestMesh.freePort(), new JsonArray()
                .add(new JsonObject().put("destination_name", "echo").put("local_bind_port", badToEcho)));
        Http.Response created = Http.send("POST", "http://" + mesh.agent().httpAddr() + "/v1/connect/intentions",
                "{\"SourceName\":\"bad\",\"DestinationName\":\"echo\",\"Action\":\"deny\"}");
        assertEquals(200, created.status(), created.body());

        ProxyRuntime echoSidecar = mesh.startRuntime(launch(Map.of("sidecar-for", "echo",
                "http-addr", mesh.agent().httpAddr()), List.of()));
        ProxyRuntime webSidecar = mesh.startRuntime(launch(Map.of("sidecar-for", "web",
                "http-addr", mesh.agent().httpAddr()), List.of()));
        ProxyRuntime badSidecar = mesh.startRuntime(launch(Map.of("sidecar-for", "bad",
                "http-addr", mesh.agent().httpAddr()), List.of()));
        assertTrue(badSidecar.ready(), () -> String.valueOf(badSidecar.readiness()));

        // allowed: web -> echo, 5 bytes each way
        assertEquals("hello", Wire.exchange(webToEcho, "hello", java.time.Duration.ofSeconds(10)));
        Await.until(Duration.ofSeconds(20), "an allow decision in echo's sidecar",
                () -> metric(echoSidecar, "connect_proxy_authz_total", Map.of("result", "allow")) >= 1);
        Await.until(Duration.ofSeconds(20), "a connection counted by web's upstream listener for echo",
                () -> metric(webSidecar, "connect_proxy_connections_total", Map.of("listener", "upstream",
                "destination", "echo")) >= 1);
        assertTrue(metric(echoSidecar, "connect_proxy_connections_total", Map.of("listener", "public",
                "destination", "echo")) >= 1);

        // denied: bad -> echo is refused by echo's sidecar after the handshake, never reaching the app
        int accepted = echo.accepted();
        try (Socket s = new Socket("127.0.0.1", badToEcho)) {
            s.setSoTimeout(5000);
            s.getOutputStream().write("x".getBytes(StandardCharsets.UTF_8));
            assertEquals(-1, s.getInputStream().read());
        }
        Await.until(Duration.ofSeconds(20), "a deny decision in echo's sidecar",
                () -> metric(echoSidecar, "connect_proxy_authz_total", Map.of("result", "deny")) >= 1);
        assertTrue(metric(echoSidecar, "connect_proxy_rejections_total", Map.of("reason", "denied")) >= 1);
        assertEquals(accepted, echo.accepted());

        // failed dial: nothing serves ghost
        try (Socket s = new Socket("127.0.0.1", webToGhost)) {
            s.setSoTimeout(15000);
            assertEquals(-1, s.getInputStream().read());
        }
        Await.until(Duration.ofSeconds(20), "a dial failure of web's upstream ghost",
                () -> metric(webSidecar, "connect_proxy_upstream_dial_failures_total",
                Map.of("destination", "ghost")) >= 1);

        String text = Http.get(webSidecar.adminPort(), "/metrics").body();
        assertTrue(text.contains("connect_proxy_leaf_expiry_seconds"), "leaf expiry gauge missing");
        assertTrue(text.contains("connect_proxy_upstream_healthy_endpoints"), "healthy endpoints gauge missing");
        String config = Http.get(webSidecar.adminPort(), "/config").body();
        assertTrue(config.contains("\"service_name\" : \"web\""), config);
        assertFalse(Http.get(webSidecar.adminPort(), "/ready").body().contains("\"ready\" : false"));
    }

    private static double metric(ProxyRuntime runtime, String name, Map<String, String> labels) {
        return Scrape.value(Http.get(runtime.adminPort(), "/metrics").body(), name, labels);
    }
}
