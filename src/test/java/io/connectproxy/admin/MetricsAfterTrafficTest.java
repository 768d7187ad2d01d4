package io.connectproxy.admin;

import io.connectproxy.config.HostPort;
import io.connectproxy.config.LaunchConfig;
import io.connectproxy.config.LaunchConfigResolver;
import io.connectproxy.logging.AccessLog;
import io.connectproxy.logging.LogFields;
import io.connectproxy.runtime.ProxyRuntime;
import io.connectproxy.testsupport.Scrape;
import io.connectproxy.testsupport.Await;
import io.connectproxy.testsupport.EchoServer;
import io.connectproxy.testsupport.Http;
import io.connectproxy.testsupport.MeshTestBase;
import io.connectproxy.testsupport.TestMesh;
import io.connectproxy.testsupport.Wire;
import io.vertx.core.Vertx;
import io.vertx.core.VertxOptions;
import io.vertx.core.json.JsonArray;
import io.vertx.core.json.JsonObject;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.Timeout;

import java.io.InputStream;
import java.io.OutputStream;
import java.net.Socket;
import java.time.Duration;
import java.util.Arrays;
import java.util.HashMap;
import java.util.List;
import java.util.Map;
import java.util.concurrent.CopyOnWriteArrayList;
import java.util.concurrent.TimeUnit;
import java.util.logging.Handler;
import java.util.logging.LogRecord;
import java.util.logging.Logger;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

/**
 * {@code /metrics} of real sidecars after real traffic through a mesh: bytes while a connection is open, the
 * latency histograms, the label vocabulary shared by every family, the access log, and the metrics-only listener.
 */
class MetricsAfterTrafficTest extends MeshTestBase {
    private static LaunchConfig launch(String sidecarFor, String agent) {
        LaunchConfig base = LaunchConfigResolver.resolve(Map.of("sidecar-for", sidecarFor, "http-addr", agent),
                List.of(), Map.of());
        return new LaunchConfig(base.source(), base.agent(), new HostPort("127.0.0.1", 0), base.logLevel(), false,
                null);
    }

    private static double metric(ProxyRuntime runtime, String name, Map<String, String> labels) {
        return Scrape.value(Http.get(runtime.adminPort(), "/metrics").body(), name, labels);
    }

    /** echo (an echo app behind a sidecar that writes the access log) and web with an upstream to it. */
    private record Mesh(ProxyRuntime echo, ProxyRuntime web, int webToEcho) {
    }

    private Mesh startMesh() {
        EchoServer app = TestMesh.await(EchoServer.start(vertx));
        int webToEcho = TestMesh.freePort();
        mesh.register(new JsonObject().put("name", "echo").put("port", app.port()).put("connect", new JsonObject()
                .put("sidecar_service", new JsonObject().put("port", TestMesh.freePort())
                        .put("proxy", new JsonObject().put("config", new JsonObject().put("access_log", true))))));
        mesh.registerWithSidecar("web", TestMesh.freePort(), new JsonArray()
                .add(new JsonObject().put("destination_name", "echo").put("local_bind_port", webToEcho)));
        ProxyRuntime echo = mesh.startRuntime(launch("echo", mesh.agent().httpAddr()));
        ProxyRuntime web = mesh.startRuntime(launch("web", mesh.agent().httpAddr()));
        return new Mesh(echo, web, webToEcho);
    }

    /** 800 KB over an 8-second connection are in /metrics on both sides before the connection closes. */
    @Test
    @Timeout(value = 60, unit = TimeUnit.SECONDS)
    void bytesShowWhileTheConnectionIsStillOpen() throws Exception {
        Mesh m = startMesh();
        Map<String, String> webIn = Map.of("listener", "upstream", "destination", "echo", "direction", "in");
        Map<String, String> webOut = Map.of("listener", "upstream", "destination", "echo", "direction", "out");
        Map<String, String> echoIn = Map.of("listener", "public", "destination", "echo", "direction", "in");
        byte[] chunk = new byte[100_000];
        Arrays.fill(chunk, (byte) 'x');
        try (Socket s = new Socket("127.0.0.1", m.webToEcho())) {
            s.setSoTimeout(10_000);
            OutputStream out = s.getOutputStream();
            InputStream in = s.getInputStream();
            byte[] back = new byte[chunk.length];
            for (int second = 0; second < 8; second++) {
                out.write(chunk);
                out.flush();
                int got = 0;
                while (got < back.length) {
                    int n = in.read(back, got, back.length - got);
                    assertTrue(n > 0, "the echo ended after " + got + " bytes of chunk " + second);
                    got += n;
                }
                if (second == 3) {
                    Await.until(Duration.ofSeconds(5), "400 KB counted in web's upstream bytes while open",
                            () -> metric(m.web(), "connect_proxy_bytes_total", webIn) >= 400_000);
                }
                Thread.sleep(1000);
            }
            Await.until(Duration.ofSeconds(5), "800 KB each way counted on both sidecars while open",
                    () -> metric(m.web(), "connect_proxy_bytes_total", webIn) >= 800_000
                            && metric(m.web(), "connect_proxy_bytes_total", webOut) >= 800_000
                            && metric(m.echo(), "connect_proxy_bytes_total", echoIn) >= 800_000);
            assertEquals(1.0, metric(m.web(), "connect_proxy_connections_active",
                    Map.of("listener", "upstream", "destination", "echo")), "the connection is still open");
            assertEquals(0.0, metric(m.web(), "connect_proxy_connection_duration_seconds_count",
                    Map.of("listener", "upstream", "destination", "echo")), "no connection has ended yet");
        }
        Await.until(Duration.ofSeconds(10), "the connection's end recorded",
                () -> metric(m.web(), "connect_proxy_connection_duration_seconds_count",
                        Map.of("listener", "upstream", "destination", "echo")) == 1);
        assertEquals(800_000.0, metric(m.web(), "connect_proxy_bytes_total", webIn), "counted once");
        assertEquals(1.0, metric(m.web(), "connect_proxy_connection_duration_seconds_bucket",
                Map.of("listener", "upstream", "le", "30.0")), "an 8-second connection is under 30 s");
        assertEquals(0.0, metric(m.web(), "connect_proxy_connection_duration_seconds_bucket",
                Map.of("listener", "upstream", "le", "5.0")), "an 8-second connection is over 5 s");
    }

    /**
     * After one connection: the histograms have counted it, every family names the destination by its service
     * name, and echo's sidecar wrote one access log line with the connection's facts as fields.
     */
    @Test
    @Timeout(value = 60, unit = TimeUnit.SECONDS)
    void oneConnectionShowsInHistogramsLabelsAndTheAccessLog() throws Exception {
        List<LogRecord> access = new CopyOnWriteArrayList<>();
        Handler capture = new Handler() {
            @Override
            public void publish(LogRecord r) {
                access.add(r);
            }

            @Override
            public void flush() {
            }

            @Override
            public void close() {
            }
        };
        Logger accessLogger = Logger.getLogger(AccessLog.LOGGER_NAME);
        accessLogger.addHandler(capture);
        try {
            Mesh m = startMesh();
            assertEquals("hello", Wire.exchange(m.webToEcho(), "hello", Duration.ofSeconds(10)));
            Await.until(Duration.ofSeconds(10), "an access log line from echo's sidecar", () -> !access.isEmpty());

            String echoText = Http.get(m.echo().adminPort(), "/metrics").body();
            assertEquals(1.0, Scrape.value(echoText, "connect_proxy_tls_handshake_duration_seconds_bucket",
                    Map.of("listener", "public", "le", "+Inf")), echoText);
            assertEquals(1.0, Scrape.value(echoText, "connect_proxy_connection_duration_seconds_count",
                    Map.of("listener", "public", "destination", "echo")), echoText);
            assertTrue(echoText.contains("connect_proxy_rejections_total{listener=\"public\",reason=\"denied\"} 0.0"),
                    echoText);
            String webText = Http.get(m.web().adminPort(), "/metrics").body();
            assertEquals(1.0, Scrape.value(webText, "connect_proxy_upstream_dial_duration_seconds_bucket",
                    Map.of("destination", "echo", "result", "ok", "le", "+Inf")), webText);
            assertTrue(webText.contains("connect_proxy_upstream_dial_failures_total{destination=\"echo\","
                    + "reason=\"connect\"} 0.0"), webText);
            assertTrue(webText.contains("connect_proxy_upstream_healthy_endpoints{destination=\"echo\"} 1"), webText);
            for (String line : (echoText + webText).split("\n")) {
                if (line.startsWith("connect_proxy_") && line.contains("destination=")) {
                    assertTrue(line.matches(".*destination=\"(echo|web)\".*"), "destination not a service name: "
                            + line);
                }
            }

            assertEquals(1, access.size(), "one line per connection: " + access);
            LogRecord r = access.get(0);
            Map<String, Object> fields = new HashMap<>();
            for (Map.Entry<String, Object> e : ((LogFields) r.getParameters()[0]).entries()) {
                fields.put(e.getKey(), e.getValue());
            }
            assertEquals("public", fields.get("listener"), fields.toString());
            assertTrue(fields.get("spiffe_id").toString().matches("spiffe://[^/]+/ns/default/dc/[^/]+/svc/web"),
                    fields.toString());
            assertEquals("echo", fields.get("destination"), fields.toString());
            assertEquals(5L, fields.get("bytes_in"), fields.toString());
            assertEquals(5L, fields.get("bytes_out"), fields.toString());
            assertTrue(fields.get("peer").toString().startsWith("127.0.0.1:"), fields.toString());
            assertTrue(fields.get("endpoint").toString().startsWith("127.0.0.1:"), fields.toString());
            assertTrue(fields.containsKey("duration_ms") && fields.containsKey("reason"), fields.toString());
            assertEquals(1, access.stream().filter(x -> "connection ended".equals(x.getMessage())).count());
        } finally {
            accessLogger.removeHandler(capture);
        }
    }

    /** -admin-metrics-bind: /metrics and /ready on a second address that never serves /config. */
    @Test
    @Timeout(value = 40, unit = TimeUnit.SECONDS)
    void theMetricsListenerServesMetricsButNotTheConfig() throws Exception {
        EchoServer app = TestMesh.await(EchoServer.start(vertx));
        Vertx own = Vertx.vertx(new VertxOptions().setEventLoopPoolSize(1));
        try {
            ProxyRuntime runtime = new ProxyRuntime(TestMesh.TIMING);
            runtime.serveMetricsOn(new HostPort("127.0.0.1", 0));
            LaunchConfig base = LaunchConfigResolver.resolve(Map.of("service", "web", "listen",
                    "127.0.0.1:" + TestMesh.freePort(), "service-addr", "127.0.0.1:" + app.port(),
                    "http-addr", mesh.agent().httpAddr()), List.of(), Map.of());
            runtime.start(own, new LaunchConfig(base.source(), base.agent(), new HostPort("127.0.0.1", 0),
                    base.logLevel(), false, null)).await(20, TimeUnit.SECONDS);
            int metricsPort = runtime.metricsPort();
            assertTrue(metricsPort > 0 && metricsPort != runtime.adminPort(), "metrics port " + metricsPort);
            Http.Response metrics = Http.get(metricsPort, "/metrics");
            assertEquals(200, metrics.status());
            assertTrue(metrics.body().contains("connect_proxy_connections_total{destination=\"web\","
                    + "listener=\"public\"} 0.0"), metrics.body());
            Http.Response config = Http.get(metricsPort, "/config");
            assertEquals(404, config.status(), config.body());
            assertTrue(!config.body().contains("web"), config.body());
            Await.until(Duration.ofSeconds(20), "/ready on the metrics listener",
                    () -> Http.get(metricsPort, "/ready").status() == 200);
            assertEquals(200, Http.get(runtime.adminPort(), "/config").status());
        } finally {
            own.close().await(10, TimeUnit.SECONDS);
        }
    }
}
