package io.connectproxy.envoy;

import io.vertx.core.json.DecodeException;
import io.vertx.core.json.JsonArray;
import io.vertx.core.json.JsonObject;

import java.util.Map;

/**
 * Builds the Envoy v3 bootstrap document Consul 1.10's {@code consul connect envoy} renders, from plain inputs
 * only (no I/O, no agent). The document is built as JSON objects rather than by text templating, so every value
 * is escaped; the one deliberate difference from Consul's text is that {@code ads_config.grpc_services} is an
 * array (Consul writes a lone object, which Envoy tolerates and strict protobuf JSON parsers reject).
 */
public final class BootstrapBuilder {

    private BootstrapBuilder() {
    }

    /** What Consul's {@code ConfigureArgs} derives from the Proxy.Config before rendering. */
    record Configured(JsonArray extraClusters, JsonArray listeners, JsonArray statsSinks, JsonObject statsConfig,
                      String statsFlushInterval, JsonObject tracing) {
    }

    /**
     * @param env the environment for {@code $VAR} stats sink URLs
     * @throws EnvoyException naming the Proxy.Config key or flag when an input cannot produce a document
     */
    public static JsonObject build(BootstrapArgs args, BootstrapConfig config, boolean omitDeprecatedTags,
                                   Map<String, String> env) {
        Configured c = configure(args, config, omitDeprecatedTags, env);
        if (!config.overrideJsonTpl().isEmpty()) {
            return BootstrapTemplate.render(config.overrideJsonTpl(), args, c);
        }
        return defaultDocument(args, c);
    }

    static Configured configure(BootstrapArgs args, BootstrapConfig config, boolean omitDeprecatedTags,
                                Map<String, String> env) {
        JsonArray sinks = new JsonArray();
        if (!config.statsdUrl().isEmpty()) {
            sinks.add(StatsSinks.sink("envoy_statsd_url", StatsSinks.STATSD,
                    "type.googleapis.com/envoy.config.metrics.v3.StatsdSink", config.statsdUrl(), env));
        }
        if (!config.dogstatsdUrl().isEmpty()) {
            sinks.add(StatsSinks.sink("envoy_dogstatsd_url", StatsSinks.DOGSTATSD,
                    "type.googleapis.com/envoy.config.metrics.v3.DogStatsdSink", config.dogstatsdUrl(), env));
        }
        sinks.addAll(objectList(config.statsSinksJson(), "envoy_extra_stats_sinks_json"));

        JsonObject statsConfig = config.statsConfigJson().isEmpty()
                ? StatsTags.statsConfig(args, config.statsTags(), omitDeprecatedTags)
                : object(config.statsConfigJson(), "envoy_stats_config_json");

        JsonArray clusters = objectList(config.staticClustersJson(), "envoy_extra_static_clusters_json");
        JsonArray listeners = objectList(config.staticListenersJson(), "envoy_extra_static_listeners_json");
        // these must come after the user's extra clusters and listeners, as in Consul
        if (!config.prometheusBindAddr().isEmpty()) {
            MetricsListeners.add(clusters, listeners, "Proxy.Config.envoy_prometheus_bind_addr",
                    config.prometheusBindAddr(), "envoy_prometheus_metrics", "path", args.prometheusScrapePath(),
                    "/stats/prometheus", args.adminBindPort(), args.prometheusBackendPort());
        }
        if (!config.statsBindAddr().isEmpty()) {
            MetricsListeners.add(clusters, listeners, "Proxy.Config.envoy_stats_bind_addr", config.statsBindAddr(),
                    "envoy_metrics", "prefix", "/stats", "/stats", args.adminBindPort(), "");
        }
        if (!config.readyBindAddr().isEmpty()) {
            MetricsListeners.add(clusters, listeners, "-address", config.readyBindAddr(), "envoy_ready", "path",
                    "/ready", "/ready", args.adminBindPort(), "");
        }
        JsonObject tracing = config.tracingConfigJson().isEmpty() ? null
                : object(config.tracingConfigJson(), "envoy_tracing_json");
        return new Configured(clusters, listeners, sinks, statsConfig, config.statsFlushInterval(), tracing);
    }

    private static JsonObject defaultDocument(BootstrapArgs args, Configured c) {
        JsonObject doc = new JsonObject();
        doc.put("admin", new JsonObject()
                .put("access_log_path", args.adminAccessLogPath())
                .put("address", new JsonObject().put("socket_address", new JsonObject()
                        .put("address", args.adminBindAddress()).put("port_value", args.adminBindPort()))));
        doc.put("node", new JsonObject()
                .put("cluster", args.proxyCluster())
                .put("id", args.proxyId())
                .put("metadata", new JsonObject()
                        .put("namespace", args.namespaceOrDefault())
                        .put("envoy_version", args.envoyVersion())));
        JsonArray clusters = new JsonArray().add(localAgentCluster(args)).addAll(c.extraClusters());
        JsonObject staticResources = new JsonObject().put("clusters", clusters);
        if (!c.listeners().isEmpty()) {
            staticResources.put("listeners", c.listeners());
        }
        doc.put("static_resources", staticResources);
        if (!c.statsSinks().isEmpty()) {
            doc.put("stats_sinks", c.statsSinks());
        }
        doc.put("stats_config", c.statsConfig());
        if (!c.statsFlushInterval().isEmpty()) {
            doc.put("stats_flush_interval", c.statsFlushInterval());
        }
        if (c.tracing() != null) {
            doc.put("tracing", c.tracing());
        }
        doc.put("dynamic_resources", new JsonObject()
                .put("lds_config", new JsonObject().put("ads", new JsonObject()).put("resource_api_version", "V3"))
                .put("cds_config", new JsonObject().put("ads", new JsonObject()).put("resource_api_version", "V3"))
                .put("ads_config", new JsonObject()
                        .put("api_type", "DELTA_GRPC")
                        .put("transport_api_version", "V3")
                        .put("grpc_services", new JsonArray().add(new JsonObject()
                                .put("initial_metadata", new JsonArray().add(new JsonObject()
                                        .put("key", "x-consul-token").put("value", args.token())))
                                .put("envoy_grpc", new JsonObject()
                                        .put("cluster_name", args.localAgentClusterName()))))));
        return doc;
    }

    private static JsonObject localAgentCluster(BootstrapArgs args) {
        JsonObject cluster = new JsonObject()
                .put("name", args.localAgentClusterName())
                .put("ignore_health_on_host_removal", false)
                .put("connect_timeout", "1s")
                .put("type", "STATIC");
        if (args.agentTls()) {
            cluster.put("transport_socket", new JsonObject()
                    .put("name", "tls")
                    .put("typed_config", new JsonObject()
                            .put("@type", "type.googleapis.com/envoy.extensions.transport_sockets.tls.v3"
                                    + ".UpstreamTlsContext")
                            .put("common_tls_context", new JsonObject().put("validation_context", new JsonObject()
                                    .put("trusted_ca", new JsonObject().put("inline_string", args.agentCaPem()))))));
        }
        cluster.put("http2_protocol_options", new JsonObject());
        JsonObject address = args.agentSocket().isEmpty()
                ? new JsonObject().put("socket_address", new JsonObject()
                        .put("address", args.agentAddress()).put("port_value", args.agentPort()))
                : new JsonObject().put("pipe", new JsonObject().put("path", args.agentSocket()));
        cluster.put("loadAssignment", loadAssignment(args.localAgentClusterName(), address));
        return cluster;
    }

    static JsonObject loadAssignment(String clusterName, JsonObject address) {
        return new JsonObject()
                .put("clusterName", clusterName)
                .put("endpoints", new JsonArray().add(new JsonObject()
                        .put("lbEndpoints", new JsonArray().add(new JsonObject()
                                .put("endpoint", new JsonObject().put("address", address))))));
    }

    /** Consul splices these values into a JSON array: zero or more objects separated by commas. */
    static JsonArray objectList(String text, String key) {
        if (text.isBlank()) {
            return new JsonArray();
        }
        JsonArray list;
        try {
            list = new JsonArray("[" + text + "]");
        } catch (DecodeException e) {
            throw new EnvoyException(EnvoyException.Reason.CONFIG, "Proxy.Config." + key
                    + ": not valid JSON (expected zero or more comma-separated objects): " + firstLine(e));
        }
        for (int i = 0; i < list.size(); i++) {
            if (!(list.getValue(i) instanceof JsonObject)) {
                throw new EnvoyException(EnvoyException.Reason.CONFIG, "Proxy.Config." + key + ": element " + (i + 1)
                        + " is not a JSON object");
            }
        }
        return list;
    }

    static JsonObject object(String text, String key) {
        try {
            return new JsonObject(text);
        } catch (DecodeException | ClassCastException e) {
            throw new EnvoyException(EnvoyException.Reason.CONFIG, "Proxy.Config." + key
                    + ": not a valid JSON object: " + firstLine(e));
        }
    }

    static String firstLine(Exception e) {
        String m = String.valueOf(e.getMessage());
        int nl = m.indexOf('\n');
        return nl < 0 ? m : m.substring(0, nl);
    }
}
