package io.connectproxy.admin;

import io.connectproxy.testsupport.LogCapture;
import io.connectproxy.testsupport.Http;
import io.connectproxy.metrics.ConnectionTracker;
import io.connectproxy.metrics.ProxyMetrics;

import io.connectproxy.config.HostPort;
import io.micrometer.prometheusmetrics.PrometheusConfig;
import io.micrometer.prometheusmetrics.PrometheusMeterRegistry;
import io.vertx.core.Vertx;
import io.vertx.core.json.JsonObject;
import io.vertx.junit5.Timeout;
import io.vertx.junit5.VertxExtension;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.extension.ExtendWith;

import java.net.InetAddress;
import java.net.ServerSocket;
import java.util.List;
import java.util.concurrent.TimeUnit;
import java.util.logging.Level;
import java.util.logging.LogRecord;
import java.util.concurrent.atomic.AtomicReference;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

@ExtendWith(VertxExtension.class)
class AdminVerticleTest {

    private static AdminVerticle admin(HostPort bind, boolean anyPortWhenTaken) {
        return new AdminVerticle(bind, anyPortWhenTaken, () -> Readiness.READY, JsonObject::new, () -> "");
    }

    @Test
    @Timeout(value = 20, timeUnit = TimeUnit.SECONDS)
    void theDefaultAddressTakenFallsBackToAnyLoopbackPortWithAWarning(Vertx vertx) throws Exception {
        try (LogCapture log = new LogCapture(AdminVerticle.class);
             ServerSocket taken = new ServerSocket(0, 50, InetAddress.getLoopbackAddress())) {
            HostPort bind = new HostPort("127.0.0.1", taken.getLocalPort());
            AdminVerticle admin = admin(bind, true);
            vertx.deployVerticle(admin).await(10, TimeUnit.SECONDS);
            int port = admin.actualPort();
            assertTrue(port > 0 && port != taken.getLocalPort(), "listening on " + port);
            assertEquals(new HostPort("127.0.0.1", port), admin.boundAddress());
            assertEquals(200, Http.get(port, "/ready").status());
            List<String> warnings = log.records().stream().filter(r -> r.getLevel() == Level.WARNING)
                    .map(LogRecord::getMessage).toList();
            assertEquals(1, warnings.size(), "one warning: " + warnings);
            assertTrue(warnings.get(0).contains(bind + " is taken")
                    && warnings.get(0).contains("listening on 127.0.0.1:" + port), warnings.get(0));
        }
    }

    @Test
    @Timeout(value = 20, timeUnit = TimeUnit.SECONDS)
    void aChosenAddressTakenIsAnError(Vertx vertx) throws Exception {
        try (ServerSocket taken = new ServerSocket(0, 50, InetAddress.getLoopbackAddress())) {
            HostPort bind = new HostPort("127.0.0.1", taken.getLocalPort());
            Exception e = assertThrows(Exception.class,
                    () -> vertx.deployVerticle(admin(bind, false)).await(10, TimeUnit.SECONDS));
            assertTrue(e.getMessage().startsWith("admin listener: cannot bind " + bind), e.getMessage());
        }
    }

    @Test
    @Timeout(value = 20, timeUnit = TimeUnit.SECONDS)
    void answersReadyHealthMetricsAndConfig(Vertx vertx) throws Exception {
        AtomicReference<Readiness> readiness = new AtomicReference<>(
                Readiness.notReady("waiting for the leaf certificate and CA roots of web"));
        PrometheusMeterRegistry registry = new PrometheusMeterRegistry(PrometheusConfig.DEFAULT);
        ProxyMetrics metrics = new ProxyMetrics(registry);
        metrics.localService("web");
        metrics.upstreamListening("redis");
        ConnectionTracker tracker = new ConnectionTracker(metrics);
        tracker.opened(ProxyMetrics.PUBLIC, "web", () -> 10, () -> 20).closed();
        tracker.opened(ProxyMetrics.UPSTREAM, "redis", () -> 0, () -> 0);
        AdminVerticle admin = new AdminVerticle(new HostPort("127.0.0.1", 0), readiness::get,
                () -> new JsonObject().put("service", "web"), registry::scrape);
        vertx.deployVerticle(admin).await(10, TimeUnit.SECONDS);
        int port = admin.actualPort();

        Http.Response notReady = Http.get(port, "/ready");
        assertEquals(503, notReady.status());
        JsonObject body = new JsonObject(notReady.body());
        assertEquals(false, body.getBoolean("ready"));
        assertEquals("waiting for the leaf certificate and CA roots of web", body.getJsonArray("reasons").getString(0));

        readiness.set(Readiness.READY);
        Http.Response ready = Http.get(port, "/ready");
        assertEquals(200, ready.status());
        assertTrue(new JsonObject(ready.body()).getBoolean("ready"));

        assertEquals(200, Http.get(port, "/health").status());
        assertEquals("web", new JsonObject(Http.get(port, "/config").body()).getString("service"));

        Http.Response m = Http.get(port, "/metrics");
        assertEquals(200, m.status());
        assertTrue(m.contentType().startsWith("text/plain"), m.contentType());
        assertTrue(m.body().contains(
                "connect_proxy_connections_total{destination=\"web\",listener=\"public\"} 1.0"), m.body());
        assertTrue(m.body().contains("connect_proxy_bytes_total{destination=\"web\",direction=\"out\","
                + "listener=\"public\"} 20.0"), m.body());
        assertTrue(m.body().contains("connect_proxy_connections_active{destination=\"redis\","
                + "listener=\"upstream\"} 1.0"), m.body());

        assertEquals(404, Http.get(port, "/nope").status());
        assertEquals(405, Http.send("POST", "http://127.0.0.1:" + port + "/ready", "").status());
    }

    @Test
    @Timeout(value = 20, timeUnit = TimeUnit.SECONDS)
    void aTakenPortFailsTheStartNamingTheFlag(Vertx vertx) throws Exception {
        AdminVerticle first = new AdminVerticle(new HostPort("127.0.0.1", 0), () -> Readiness.READY,
                JsonObject::new, () -> "");
        vertx.deployVerticle(first).await(10, TimeUnit.SECONDS);
        AdminVerticle second = new AdminVerticle(new HostPort("127.0.0.1", first.actualPort()),
                () -> Readiness.READY, JsonObject::new, () -> "");
        Throwable e = vertx.deployVerticle(second).transform(ar -> io.vertx.core.Future.succeededFuture(ar.cause()))
                .await(10, TimeUnit.SECONDS);
        assertTrue(e != null && e.getMessage().contains("-admin-bind"), String.valueOf(e));
    }
}
