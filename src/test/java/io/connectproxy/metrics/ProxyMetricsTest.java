package io.connectproxy.metrics;

import io.connectproxy.runtime.BuildInfo;
import io.micrometer.prometheusmetrics.PrometheusConfig;
import io.micrometer.prometheusmetrics.PrometheusMeterRegistry;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.Timeout;

import java.util.ArrayList;
import java.util.HashMap;
import java.util.List;
import java.util.Map;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.AtomicLong;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

/** What Prometheus reads from a fresh proxy's registry, before and after connections, as text. */
class ProxyMetricsTest {
    private final PrometheusMeterRegistry registry = new PrometheusMeterRegistry(PrometheusConfig.DEFAULT);
    private final ProxyMetrics metrics = new ProxyMetrics(registry);

    private static List<String> lines(String text, String prefix) {
        List<String> out = new ArrayList<>();
        for (String l : text.split("\n")) {
            if (l.startsWith(prefix)) {
                out.add(l);
            }
        }
        return out;
    }

    @Test
    void everyErrorCounterIsExportedAtZeroBeforeAnythingHappened() {
        metrics.localService("web");
        metrics.upstreamListening("db");
        String text = registry.scrape();
        for (String reason : ProxyMetrics.REJECTION_REASONS) {
            assertTrue(text.contains("connect_proxy_rejections_total{listener=\"public\",reason=\"" + reason
                    + "\"} 0.0"), "rejections_total for " + reason + " missing in:\n" + text);
        }
        for (String reason : List.of("timeout", "untrusted_certificate", "no_client_cert", "not_tls")) {
            assertTrue(text.contains("connect_proxy_tls_handshake_failures_total{listener=\"public\",reason=\""
                    + reason + "\"} 0.0"), reason + " missing in:\n" + text);
        }
        for (String reason : ProxyMetrics.DIAL_FAILURE_REASONS) {
            assertTrue(text.contains("connect_proxy_upstream_dial_failures_total{destination=\"db\",reason=\""
                    + reason + "\"} 0.0"), reason + " missing in:\n" + text);
        }
        assertTrue(text.contains("connect_proxy_upstream_dial_retries_total{destination=\"db\"} 0.0"), text);
        assertTrue(text.contains("connect_proxy_probes_total{listener=\"public\"} 0.0"), text);
        assertTrue(text.contains("connect_proxy_authz_total{result=\"deny\"} 0.0"), text);
        assertTrue(text.contains("connect_proxy_watch_errors_total{watch=\"leaf\"} 0.0"), text);
        assertTrue(text.contains("connect_proxy_config_reloads_total 0.0"), text);
        assertTrue(text.contains("connect_proxy_connections_total{destination=\"web\",listener=\"public\"} 0.0"),
                text);
        assertTrue(text.contains("connect_proxy_bytes_total{destination=\"db\",direction=\"in\","
                + "listener=\"upstream\"} 0.0"), text);
    }

    @Test
    void buildInfoNamesVersionRevisionAndJava() {
        BuildInfo b = BuildInfo.current();
        String expected = "connect_proxy_build_info{java=\"" + Runtime.version() + "\",revision=\"" + b.revision()
                + "\",version=\"" + b.version() + "\"} 1";
        String text = registry.scrape();
        assertEquals(List.of(expected), lines(text, "connect_proxy_build_info"), text);
    }

    @Test
    void latencyHistogramsHaveBucketsFrom100MicrosecondsTo30Seconds() {
        metrics.handshakeSucceeded(TimeUnit.MILLISECONDS.toNanos(3));
        metrics.upstreamDialed("db", true, TimeUnit.MILLISECONDS.toNanos(40));
        new ConnectionTracker(metrics).opened(ProxyMetrics.PUBLIC, "web", () -> 1, () -> 1).closed();
        String text = registry.scrape();
        for (String family : List.of(
                "connect_proxy_tls_handshake_duration_seconds_bucket{listener=\"public\",",
                "connect_proxy_upstream_dial_duration_seconds_bucket{destination=\"db\",",
                "connect_proxy_connection_duration_seconds_bucket{destination=\"web\",listener=\"public\",")) {
            List<String> buckets = lines(text, family);
            assertEquals(18, buckets.size(), family + " has buckets " + buckets);
            assertTrue(buckets.get(0).contains("le=\"1.0E-4\""), buckets.get(0));
            assertTrue(buckets.get(16).contains("le=\"30.0\""), buckets.get(16));
            assertTrue(buckets.get(17).contains("le=\"+Inf\"") && buckets.get(17).endsWith(" 1"), buckets.get(17));
        }
        assertTrue(text.contains("connect_proxy_tls_handshake_duration_seconds_bucket{listener=\"public\","
                + "le=\"0.0025\"} 0"), text);
        assertTrue(text.contains("connect_proxy_tls_handshake_duration_seconds_bucket{listener=\"public\","
                + "le=\"0.005\"} 1"), text);
    }

    @Test
    void bytesReachTheCounterAtEachFlushNotOnlyAtTheClose() {
        AtomicLong in = new AtomicLong();
        AtomicLong out = new AtomicLong();
        ConnectionTracker tracker = new ConnectionTracker(metrics);
        ConnectionTracker.Connection c = tracker.opened(ProxyMetrics.UPSTREAM, "db", in::get, out::get);
        in.set(100_000);
        tracker.flush();
        assertEquals(100_000.0, metrics.count("bytes_total", "destination", "db", "direction", "in"));
        in.set(250_000);
        out.set(7);
        tracker.flush();
        tracker.flush();
        assertEquals(250_000.0, metrics.count("bytes_total", "destination", "db", "direction", "in"));
        assertEquals(7.0, metrics.count("bytes_total", "destination", "db", "direction", "out"));
        assertEquals(1, metrics.gaugeValue("connections_active", "destination", "db"));
        in.set(300_000);
        c.closed();
        c.closed();
        tracker.flush();
        assertEquals(300_000.0, metrics.count("bytes_total", "destination", "db", "direction", "in"),
                "the last bytes are counted once at the close");
        assertEquals(0, metrics.gaugeValue("connections_active", "destination", "db"));
        assertEquals(0, tracker.size());
        assertEquals(1, metrics.timerCount("connection_duration", "destination", "db"));
    }

    /**
     * Every family has a help text (ours and the JVM's), the JVM's are in base units (bytes, seconds), and the
     * process' file descriptors are there.
     */
    @Test
    @Timeout(value = 30, unit = TimeUnit.SECONDS)
    void everyFamilyHasHelpAndTheJvmSpeaksBaseUnits() {
        JvmMeters.bind(registry);
        metrics.localService("web");
        metrics.leafExpiresAt(System.currentTimeMillis() / 1000 + 3600);
        metrics.healthyEndpoints("db", 2);
        metrics.tlsResumed("db");
        metrics.upstreamDialed("db", false, 1_000_000);
        String text = registry.scrape();
        Map<String, String> help = new HashMap<>();
        for (String l : lines(text, "# HELP ")) {
            String[] parts = l.split(" ", 4);
            help.put(parts[2], parts.length > 3 ? parts[3].trim() : "");
        }
        for (String l : lines(text, "# TYPE ")) {
            String family = l.split(" ")[2];
            assertTrue(!help.getOrDefault(family, "").isEmpty(), "no help text for " + family + " in:\n" + text);
        }
        assertTrue(text.contains("\nprocess_open_fds "), "process_open_fds missing:\n" + text);
        assertTrue(text.contains("\nprocess_max_fds "), "process_max_fds missing:\n" + text);
        assertTrue(text.contains("\njvm_memory_used_bytes{"), text);
        assertTrue(text.contains("\nprocess_uptime_seconds "), text);
        List<String> notBase = new ArrayList<>();
        for (String family : help.keySet()) {
            if (family.matches(".*_(ms|milliseconds|millis|kilobytes|megabytes|minutes)(_.*)?")) {
                notBase.add(family);
            }
        }
        assertEquals(List.of(), notBase, "families not in base units");
    }
}
