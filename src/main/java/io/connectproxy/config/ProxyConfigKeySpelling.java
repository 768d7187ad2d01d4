package io.connectproxy.config;

import io.vertx.core.json.JsonObject;

import java.util.ArrayList;
import java.util.List;
import java.util.Set;
import java.util.logging.Logger;

/**
 * Warns about a key of the opaque proxy config map that is one edit (Damerau-Levenshtein distance 1: one letter
 * added, dropped, changed, or two neighbours swapped) away from a key this proxy reads, e.g.
 * {@code handshake_timout_ms} for {@code handshake_timeout_ms}. Such a key would otherwise be kept silently
 * and its default used. Unknown keys are never errors: Consul's proxy config map also carries the settings of
 * other proxies ({@code envoy_*}, {@code protocol}, …), so those are listed as known too and never warned about.
 */
public final class ProxyConfigKeySpelling {
    private static final Logger LOG = Logger.getLogger(ProxyConfigKeySpelling.class.getName());

    /** The keys this proxy reads from the map (top level). */
    static final Set<String> OWN_KEYS = Set.of(
            "bind_address", "bind_port", "local_service_address", "local_service_socket_path",
            ProxyTuning.LOCAL_CONNECT_TIMEOUT_MS, ProxyTuning.HANDSHAKE_TIMEOUT_MS, ProxyTuning.IDLE_TIMEOUT_MS,
            ProxyTuning.AUTHZ_RECHECK_INTERVAL_MS, ProxyTuning.TLS_ENGINE,
            ShutdownTiming.SHUTDOWN_GRACE_MS, ShutdownTiming.DRAIN_TIMEOUT_MS, "upstreams",
            // being added alongside: listed here so a misspelling of them is caught from the start
            "admin_bind", "accept_backlog", "max_handshakes_in_flight", "max_inbound_connections",
            "access_log", KeyExchangeGroups.KEY);

    /**
     * Keys Consul documents for its other proxies (built-in and Envoy): kept as they are and not treated as
     * misspellings of ours even when they are one edit away.
     */
    static final Set<String> FOREIGN_KEYS = Set.of(
            "protocol", "connect_timeout_ms", "local_request_timeout_ms", "local_idle_timeout_ms",
            "envoy_public_listener_json", "envoy_local_cluster_json", "envoy_listener_json", "envoy_cluster_json",
            "envoy_extra_static_clusters_json", "envoy_extra_static_listeners_json", "envoy_extra_stats_sinks_json",
            "envoy_stats_config_json", "envoy_stats_flush_interval", "envoy_tracing_json", "envoy_stats_tags",
            "envoy_stats_bind_addr", "envoy_prometheus_bind_addr", "envoy_statsd_url", "envoy_dogstatsd_url",
            "envoy_gateway_no_default_bind", "envoy_gateway_bind_tagged_addresses", "envoy_gateway_bind_addresses",
            "envoy_gateway_remote_tcp_keepalive_time", "envoy_dns_discovery_type", "envoy_mesh_gateway_bind_addresses",
            "envoy_mesh_gateway_no_default_bind", "envoy_mesh_gateway_bind_tagged_addresses", "envoy_hcp_metrics_bind_socket_dir",
            "telemetry", "balance_inbound_connections");

    private ProxyConfigKeySpelling() {
    }

    /**
     * Logs one WARN per near-miss key of {@code map} (called once per config load) and returns the warnings, in the
     * map's key order.
     *
     * @param path where the map sits, for the message, e.g. {@code Proxy.Config}
     */
    public static List<String> warnNearMisses(JsonObject map, String path) {
        List<String> warnings = new ArrayList<>();
        if (map == null) {
            return warnings;
        }
        for (String key : map.fieldNames()) {
            String known = nearMiss(key);
            if (known != null) {
                String line = path + "." + key + ": unknown key, kept as given; did you mean " + known
                        + "? (" + known + " keeps its default)";
                LOG.warning(line);
                warnings.add(line);
            }
        }
        return warnings;
    }

    /** The own key {@code key} is one edit away from, or null when it is known or not that close to any. */
    static String nearMiss(String key) {
        if (OWN_KEYS.contains(key) || FOREIGN_KEYS.contains(key)) {
            return null;
        }
        return OWN_KEYS.stream().filter(k -> distance(key, k) == 1).sorted().findFirst().orElse(null);
    }

    /** Optimal-string-alignment distance (Damerau-Levenshtein with adjacent transpositions). */
    static int distance(String a, String b) {
        int n = a.length();
        int m = b.length();
        if (Math.abs(n - m) > 1) {
            return Math.abs(n - m); // a lower bound: enough to tell "not one edit"
        }
        int[][] d = new int[n + 1][m + 1];
        for (int i = 0; i <= n; i++) {
            d[i][0] = i;
        }
        for (int j = 0; j <= m; j++) {
            d[0][j] = j;
        }
        for (int i = 1; i <= n; i++) {
            for (int j = 1; j <= m; j++) {
                int cost = a.charAt(i - 1) == b.charAt(j - 1) ? 0 : 1;
                d[i][j] = Math.min(Math.min(d[i - 1][j] + 1, d[i][j - 1] + 1), d[i - 1][j - 1] + cost);
                if (i > 1 && j > 1 && a.charAt(i - 1) == b.charAt(j - 2) && a.charAt(i - 2) == b.charAt(j - 1)) {
                    d[i][j] = Math.min(d[i][j], d[i - 2][j - 2] + 1);
                }
            }
        }
        return d[n][m];
    }
}
