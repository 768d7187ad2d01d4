package io.connectproxy.envoy;

import io.connectproxy.config.HostPort;
import io.vertx.core.json.JsonArray;
import io.vertx.core.json.JsonObject;

/**
 * The small HTTP listeners Consul adds in front of Envoy's admin server so that one path (metrics, stats,
 * ready) can be exposed without exposing the admin API, and the cluster they route to.
 */
final class MetricsListeners {
    static final String SELF_ADMIN = "self_admin";
    static final String PROMETHEUS_BACKEND = "prometheus_backend";

    private MetricsListeners() {
    }

    /**
     * Adds the listener for {@code bindAddr} to {@code listeners} and, unless a {@code self_admin} cluster is
     * already in {@code clusters}, its cluster. With a prometheus backend port the route goes to a
     * {@code prometheus_backend} cluster instead (consul-k8s merged metrics).
     *
     * @param source the Proxy.Config key or flag the bind address came from, for errors
     */
    static void add(JsonArray clusters, JsonArray listeners, String source, String bindAddr, String name,
                    String matchType, String matchValue, String prefixRewrite, int adminPort,
                    String prometheusBackendPort) {
        HostPort bind = GoAddress.split(bindAddr, source);
        int clusterPort = adminPort;
        String clusterName = SELF_ADMIN;
        if (!prometheusBackendPort.isEmpty()) {
            clusterPort = GoAddress.port(prometheusBackendPort, "-prometheus-backend-port");
            clusterName = PROMETHEUS_BACKEND;
        }
        JsonObject cluster = new JsonObject()
                .put("name", clusterName)
                .put("ignore_health_on_host_removal", false)
                .put("connect_timeout", "5s")
                .put("type", "STATIC")
                .put("http_protocol_options", new JsonObject())
                .put("loadAssignment", BootstrapBuilder.loadAssignment(clusterName, new JsonObject()
                        .put("socket_address", new JsonObject().put("address", "127.0.0.1")
                                .put("port_value", clusterPort))));
        JsonObject listener = new JsonObject()
                .put("name", name + "_listener")
                .put("address", new JsonObject().put("socket_address",
                        new JsonObject().put("address", bind.host()).put("port_value", bind.port())))
                .put("filter_chains", new JsonArray().add(new JsonObject().put("filters", new JsonArray()
                        .add(new JsonObject()
                                .put("name", "envoy.filters.network.http_connection_manager")
                                .put("typedConfig", new JsonObject()
                                        .put("@type", "type.googleapis.com/envoy.extensions.filters.network"
                                                + ".http_connection_manager.v3.HttpConnectionManager")
                                        .put("stat_prefix", name)
                                        .put("codec_type", "HTTP1")
                                        .put("route_config", routeConfig(clusterName, matchType, matchValue,
                                                prefixRewrite))
                                        .put("http_filters", new JsonArray().add(
                                                new JsonObject().put("name", "envoy.filters.http.router"))))))));
        // Consul checks for self_admin only, even when the cluster it would add is prometheus_backend
        if (!containsCluster(clusters, SELF_ADMIN)) {
            clusters.add(cluster);
        }
        listeners.add(listener);
    }

    private static JsonObject routeConfig(String cluster, String matchType, String matchValue, String rewrite) {
        return new JsonObject()
                .put("name", "self_admin_route")
                .put("virtual_hosts", new JsonArray().add(new JsonObject()
                        .put("name", "self_admin")
                        .put("domains", new JsonArray().add("*"))
                        .put("routes", new JsonArray()
                                .add(new JsonObject()
                                        .put("match", new JsonObject().put(matchType, matchValue))
                                        .put("route", new JsonObject().put("cluster", cluster)
                                                .put("prefix_rewrite", rewrite)))
                                .add(new JsonObject()
                                        .put("match", new JsonObject().put("prefix", "/"))
                                        .put("direct_response", new JsonObject().put("status", 404))))));
    }

    private static boolean containsCluster(JsonArray clusters, String name) {
        for (Object o : clusters) {
            if (o instanceof JsonObject c && name.equals(c.getValue("name"))) {
                return true;
            }
        }
        return false;
    }
}
