package io.connectproxy.envoy;

import io.vertx.core.json.JsonArray;
import io.vertx.core.json.JsonObject;

import java.util.ArrayList;
import java.util.List;

/**
 * The keys of a proxy's {@code Proxy.Config} that shape the Envoy bootstrap (Consul's {@code BootstrapConfig}).
 * Other keys in that map are for the xDS side and are ignored here. Values are decoded the way Consul's weak
 * decoding does: numbers and booleans are accepted where a string is expected, and a single string where a list
 * is. Empty strings mean "not set".
 *
 * @param readyBindAddr not a Proxy.Config key: set for ingress gateways so their health check has a listener
 */
public record BootstrapConfig(
        String statsdUrl,
        String dogstatsdUrl,
        List<String> statsTags,
        String prometheusBindAddr,
        String statsBindAddr,
        String readyBindAddr,
        String overrideJsonTpl,
        String staticClustersJson,
        String staticListenersJson,
        String statsSinksJson,
        String statsConfigJson,
        String statsFlushInterval,
        String tracingConfigJson) {

    public static final BootstrapConfig EMPTY = new BootstrapConfig("", "", List.of(), "", "", "", "", "", "", "", "",
            "", "");

    public BootstrapConfig {
        statsTags = List.copyOf(statsTags == null ? List.of() : statsTags);
    }

    /** @param proxyConfig the registration's {@code Proxy.Config}; null is treated as empty */
    public static BootstrapConfig fromProxyConfig(JsonObject proxyConfig) {
        JsonObject c = proxyConfig == null ? new JsonObject() : proxyConfig;
        return new BootstrapConfig(
                string(c, "envoy_statsd_url"),
                string(c, "envoy_dogstatsd_url"),
                strings(c, "envoy_stats_tags"),
                string(c, "envoy_prometheus_bind_addr"),
                string(c, "envoy_stats_bind_addr"),
                "",
                string(c, "envoy_bootstrap_json_tpl"),
                string(c, "envoy_extra_static_clusters_json"),
                string(c, "envoy_extra_static_listeners_json"),
                string(c, "envoy_extra_stats_sinks_json"),
                string(c, "envoy_stats_config_json"),
                string(c, "envoy_stats_flush_interval"),
                string(c, "envoy_tracing_json"));
    }

    public BootstrapConfig withReadyBindAddr(String addr) {
        return new BootstrapConfig(statsdUrl, dogstatsdUrl, statsTags, prometheusBindAddr, statsBindAddr, addr,
                overrideJsonTpl, staticClustersJson, staticListenersJson, statsSinksJson, statsConfigJson,
                statsFlushInterval, tracingConfigJson);
    }

    private static String string(JsonObject c, String key) {
        Object v = c.getValue(key);
        if (v == null) {
            return "";
        }
        if (v instanceof String s) {
            return s;
        }
        if (v instanceof Number || v instanceof Boolean) {
            return String.valueOf(v);
        }
        throw new EnvoyException(EnvoyException.Reason.CONFIG, "Proxy.Config." + key
                + ": must be a string, got " + (v instanceof JsonObject ? "an object" : "an array")
                + (key.endsWith("_json") || key.endsWith("_tpl") ? " (JSON values are given as a string)" : ""));
    }

    private static List<String> strings(JsonObject c, String key) {
        Object v = c.getValue(key);
        if (v == null) {
            return List.of();
        }
        if (v instanceof JsonArray a) {
            List<String> out = new ArrayList<>();
            for (int i = 0; i < a.size(); i++) {
                Object e = a.getValue(i);
                if (e instanceof String || e instanceof Number || e instanceof Boolean) {
                    out.add(String.valueOf(e));
                } else {
                    throw new EnvoyException(EnvoyException.Reason.CONFIG, "Proxy.Config." + key + "[" + i
                            + "]: must be a string, got " + (e == null ? "null" : "a JSON structure"));
                }
            }
            return out;
        }
        return List.of(string(c, key));
    }
}
