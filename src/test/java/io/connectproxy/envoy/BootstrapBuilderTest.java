package io.connectproxy.envoy;

import io.envoyproxy.envoy.config.bootstrap.v3.Bootstrap;
import io.envoyproxy.envoy.config.metrics.v3.DogStatsdSink;
import io.envoyproxy.envoy.config.metrics.v3.StatsdSink;
import io.envoyproxy.envoy.config.trace.v3.ZipkinConfig;
import io.vertx.core.json.JsonArray;
import io.vertx.core.json.JsonObject;
import org.junit.jupiter.api.Test;

import java.util.List;
import java.util.Map;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

/** The pure builder, with Consul 1.10's golden inputs and no agent. */
class BootstrapBuilderTest {
    private static final BootstrapArgs ARGS = new BootstrapArgs("test-proxy", "test-proxy", "test-proxy", "127.0.0.1",
            8502, "", false, "", "/dev/null", "127.0.0.1", 19000, "local_agent", "", "", "dc1", "1.18.3", "",
            "/metrics");

    private static JsonObject build(JsonObject proxyConfig, Map<String, String> env) {
        JsonObject doc = BootstrapBuilder.build(ARGS, BootstrapConfig.fromProxyConfig(proxyConfig), false, env);
        EnvoyProtos.parse(doc.encode());
        return doc;
    }

    private static JsonObject build(JsonObject proxyConfig) {
        return build(proxyConfig, Map.of());
    }

    @Test
    void defaultsMatchConsul() {
        assertEquals(Harness.expected("defaults"), build(new JsonObject()));
    }

    @Test
    void extraSingle() {
        JsonObject doc = build(new JsonObject()
                .put("envoy_extra_static_clusters_json", "{\"name\": \"fake_cluster_1\"}")
                .put("envoy_extra_static_listeners_json", "{\"name\": \"fake_listener_1\"}")
                .put("envoy_extra_stats_sinks_json", "{\"name\": \"fake_sink_1\"}"));
        JsonObject want = Harness.expected("defaults");
        BootstrapDocs.clusters(want).add(new JsonObject().put("name", "fake_cluster_1"));
        want.getJsonObject("static_resources").put("listeners",
                new JsonArray().add(new JsonObject().put("name", "fake_listener_1")));
        want.put("stats_sinks", new JsonArray().add(new JsonObject().put("name", "fake_sink_1")));
        assertEquals(want, doc);
    }

    @Test
    void extraMultiple() {
        JsonObject doc = build(new JsonObject()
                .put("envoy_extra_static_clusters_json", "{\"name\": \"fake_cluster_1\"},{\"name\": \"fake_cluster_2\"}")
                .put("envoy_extra_static_listeners_json", "{\"name\": \"fake_listener_1\"},{\"name\": \"fake_listener_2\"}")
                .put("envoy_extra_stats_sinks_json", "{\"name\": \"fake_sink_1\"} , {\"name\": \"fake_sink_2\"}"));
        JsonObject want = Harness.expected("defaults");
        BootstrapDocs.clusters(want).add(new JsonObject().put("name", "fake_cluster_1"))
                .add(new JsonObject().put("name", "fake_cluster_2"));
        want.getJsonObject("static_resources").put("listeners", new JsonArray()
                .add(new JsonObject().put("name", "fake_listener_1"))
                .add(new JsonObject().put("name", "fake_listener_2")));
        want.put("stats_sinks", new JsonArray().add(new JsonObject().put("name", "fake_sink_1"))
                .add(new JsonObject().put("name", "fake_sink_2")));
        assertEquals(want, doc);
    }

    @Test
    void statsConfigOverride() {
        JsonObject override = new JsonObject().put("stats_tags", new JsonArray().add(new JsonObject()
                .put("tag_name", "foo").put("fixed_value", "bar"))).put("use_all_default_tags", false);
        JsonObject doc = build(new JsonObject().put("envoy_stats_config_json", override.encode()));
        JsonObject want = Harness.expected("defaults").put("stats_config", override);
        assertEquals(want, doc);
    }

    @Test
    void statsTagsComeFirstAndReplaceDefaults() {
        JsonObject doc = build(new JsonObject().put("envoy_stats_tags",
                new JsonArray().add("Canary").add("local_cluster=mine")));
        JsonArray tags = doc.getJsonObject("stats_config").getJsonArray("stats_tags");
        assertEquals(new JsonObject().put("tag_name", "canary").put("fixed_value", "1"), tags.getJsonObject(0));
        assertEquals(new JsonObject().put("tag_name", "local_cluster").put("fixed_value", "mine"),
                tags.getJsonObject(1));
        assertEquals(1, tags.stream().filter(t -> "local_cluster".equals(((JsonObject) t).getString("tag_name")))
                .count());
    }

    @Test
    void omitDeprecatedTags() {
        JsonObject doc = BootstrapBuilder.build(ARGS, BootstrapConfig.EMPTY, true, Map.of());
        JsonArray tags = doc.getJsonObject("stats_config").getJsonArray("stats_tags");
        assertFalse(tags.stream().anyMatch(t -> "consul.service".equals(((JsonObject) t).getString("tag_name"))));
        assertTrue(tags.stream().anyMatch(t -> "consul.destination.service"
                .equals(((JsonObject) t).getString("tag_name"))));
    }

    @Test
    void statsdFromWholeEnvVariable() throws Exception {
        JsonObject doc = build(new JsonObject().put("envoy_statsd_url", "$MY_STATSD_URL"),
                Map.of("MY_STATSD_URL", "udp://127.0.0.1:9125"));
        Bootstrap b = EnvoyProtos.parse(doc.encode());
        assertEquals("envoy.stat_sinks.statsd", b.getStatsSinks(0).getName());
        StatsdSink sink = b.getStatsSinks(0).getTypedConfig().unpack(StatsdSink.class);
        assertEquals("127.0.0.1", sink.getAddress().getSocketAddress().getAddress());
        assertEquals(9125, sink.getAddress().getSocketAddress().getPortValue());
    }

    @Test
    void dogstatsdWithHostIpAndUnixSocket() throws Exception {
        JsonObject doc = build(new JsonObject()
                        .put("envoy_statsd_url", "udp://${HOST_IP}:8125")
                        .put("envoy_dogstatsd_url", "unix:///var/run/dogstatsd.sock")
                        .put("envoy_extra_stats_sinks_json", "{\"name\": \"fake_sink_1\"}"),
                Map.of("HOST_IP", "10.1.2.3"));
        Bootstrap b = EnvoyProtos.parse(doc.encode());
        assertEquals(3, b.getStatsSinksCount());
        assertEquals("10.1.2.3", b.getStatsSinks(0).getTypedConfig().unpack(StatsdSink.class).getAddress()
                .getSocketAddress().getAddress());
        assertEquals("envoy.stat_sinks.dog_statsd", b.getStatsSinks(1).getName());
        assertEquals("/var/run/dogstatsd.sock", b.getStatsSinks(1).getTypedConfig().unpack(DogStatsdSink.class)
                .getAddress().getPipe().getPath());
        assertEquals("fake_sink_1", b.getStatsSinks(2).getName());
    }

    @Test
    void envExpansionOnlyForHostIp() {
        Map<String, String> env = Map.of("HOST_IP", "10.0.0.1", "OTHER", "x");
        assertEquals("udp://10.0.0.1:${OTHER}", StatsSinks.expand("udp://${HOST_IP}:${OTHER}", env));
        assertEquals("udp://10.0.0.1:${OTHER}", StatsSinks.expand("udp://$HOST_IP:$OTHER", env));
        assertEquals("x", StatsSinks.expand("$OTHER", env));
    }

    @Test
    void unsupportedSinkSchemeNamesTheKey() {
        EnvoyException e = assertThrows(EnvoyException.class,
                () -> build(new JsonObject().put("envoy_dogstatsd_url", "tcp://127.0.0.1:8125")));
        assertTrue(e.getMessage().contains("envoy_dogstatsd_url"), e.getMessage());
        assertTrue(e.getMessage().contains("\"tcp\""), e.getMessage());
    }

    @Test
    @SuppressWarnings("deprecation") // Bootstrap.tracing is deprecated in newer Envoy, still what Consul 1.10 writes
    void tracingAndFlushInterval() throws Exception {
        JsonObject zipkinCluster = new JsonObject().put("name", "zipkin").put("type", "STRICT_DNS")
                .put("connect_timeout", "5s").put("load_assignment", new JsonObject().put("cluster_name", "zipkin")
                        .put("endpoints", new JsonArray().add(new JsonObject().put("lb_endpoints", new JsonArray()
                                .add(new JsonObject().put("endpoint", new JsonObject().put("address",
                                        BootstrapDocs.socket("zipkin.service.consul", 9411))))))));
        JsonObject tracing = new JsonObject().put("http", new JsonObject().put("name", "envoy.tracers.zipkin")
                .put("typedConfig", new JsonObject()
                        .put("@type", "type.googleapis.com/envoy.config.trace.v3.ZipkinConfig")
                        .put("collector_cluster", "zipkin").put("collector_endpoint", "/api/v2/spans")
                        .put("collector_endpoint_version", "HTTP_JSON")));
        JsonObject doc = build(new JsonObject()
                .put("envoy_extra_static_clusters_json", zipkinCluster.encode())
                .put("envoy_tracing_json", tracing.encode())
                .put("envoy_stats_flush_interval", "5s"));
        JsonObject want = Harness.expected("defaults").put("tracing", tracing).put("stats_flush_interval", "5s");
        BootstrapDocs.clusters(want).add(zipkinCluster);
        assertEquals(want, doc);
        Bootstrap b = EnvoyProtos.parse(doc.encode());
        assertEquals("zipkin", b.getTracing().getHttp().getTypedConfig().unpack(ZipkinConfig.class)
                .getCollectorCluster());
        assertEquals(5, b.getStatsFlushInterval().getSeconds());
    }

    @Test
    void statsAndPrometheusListenersShareOneSelfAdminCluster() {
        JsonObject doc = build(new JsonObject().put("envoy_prometheus_bind_addr", "0.0.0.0:9000")
                .put("envoy_stats_bind_addr", "0.0.0.0:9001"));
        JsonArray clusters = BootstrapDocs.clusters(doc);
        assertEquals(2, clusters.size());
        assertEquals("self_admin", clusters.getJsonObject(1).getString("name"));
        JsonArray listeners = doc.getJsonObject("static_resources").getJsonArray("listeners");
        assertEquals(List.of("envoy_prometheus_metrics_listener", "envoy_metrics_listener"),
                listeners.stream().map(l -> ((JsonObject) l).getString("name")).toList());
    }

    @Test
    void badBindAddressNamesTheKey() {
        EnvoyException e = assertThrows(EnvoyException.class,
                () -> build(new JsonObject().put("envoy_prometheus_bind_addr", "9000")));
        assertTrue(e.getMessage().contains("envoy_prometheus_bind_addr"), e.getMessage());
    }

    @Test
    void unixSocketAndTls() {
        BootstrapArgs args = new BootstrapArgs("web", "web-sidecar-proxy", "web", "", 0, "/var/run/consul.sock", true,
                "-----BEGIN CERTIFICATE-----\nabc\n-----END CERTIFICATE-----\n", "/dev/null", "127.0.0.1", 19000, "",
                "tok", "", "dc1", "1.18.3", "", "/metrics");
        JsonObject doc = BootstrapBuilder.build(args, BootstrapConfig.EMPTY, false, Map.of());
        Bootstrap b = EnvoyProtos.parse(doc.encode());
        assertEquals("/var/run/consul.sock", b.getStaticResources().getClusters(0).getLoadAssignment()
                .getEndpoints(0).getLbEndpoints(0).getEndpoint().getAddress().getPipe().getPath());
        assertEquals("tls", b.getStaticResources().getClusters(0).getTransportSocket().getName());
        assertEquals("tok", b.getDynamicResources().getAdsConfig().getGrpcServices(0).getInitialMetadata(0)
                .getValue());
    }

    // ---- custom template -------------------------------------------------------------------------------------

    private static final String TEMPLATE = """
            {
              "admin": {
                "access_log_path": "{{ .AdminAccessLogPath }}",
                "address": {"socket_address": {"address": "{{ .AdminBindAddress }}", "port_value": {{ .AdminBindPort }}}}
              },
              "node": {"cluster": "{{ .ProxyCluster }}", "id": "{{.ProxyID}}",
                       "metadata": {"namespace": "default", "envoy_version": "{{ .EnvoyVersion }}", "dc": "{{ .Datacenter }}"}},
              "static_resources": {"clusters": [
                {"name": "{{ .LocalAgentClusterName }}", "connect_timeout": "1s", "type": "STATIC",
                 "http2_protocol_options": {},
                 "loadAssignment": {"clusterName": "{{ .LocalAgentClusterName }}", "endpoints": [{"lbEndpoints": [
                   {"endpoint": {"address": {"socket_address": {"address": "{{ .AgentAddress }}", "port_value": {{ .AgentPort }}}}}}]}]}},
                {{ .StaticClustersJSON }}
              ]},
              "stats_config": {{ .StatsConfigJSON }},
              "dynamic_resources": {"ads_config": {"api_type": "DELTA_GRPC", "transport_api_version": "V3",
                "grpc_services": [{"initial_metadata": [{"key": "x-consul-token", "value": "{{ .Token }}"}],
                                   "envoy_grpc": {"cluster_name": "{{ .LocalAgentClusterName }}"}}]}}
            }
            """;

    @Test
    void customTemplateSubstitutesAndEscapes() {
        BootstrapArgs args = new BootstrapArgs("web", "web-sidecar-proxy", "web", "127.0.0.1", 8502, "", false, "",
                "/dev/null", "127.0.0.1", 19000, "", "to\"ken\\", "", "dc1", "1.18.3", "", "/metrics");
        JsonObject proxyConfig = new JsonObject().put("envoy_bootstrap_json_tpl", TEMPLATE)
                .put("envoy_extra_static_clusters_json", "{\"name\": \"extra\"}");
        JsonObject doc = BootstrapBuilder.build(args, BootstrapConfig.fromProxyConfig(proxyConfig), false, Map.of());
        Bootstrap b = EnvoyProtos.parse(doc.encode());
        assertEquals("web-sidecar-proxy", b.getNode().getId());
        assertEquals("dc1", b.getNode().getMetadata().getFieldsOrThrow("dc").getStringValue());
        assertEquals(8502, b.getStaticResources().getClusters(0).getLoadAssignment().getEndpoints(0)
                .getLbEndpoints(0).getEndpoint().getAddress().getSocketAddress().getPortValue());
        assertEquals("extra", b.getStaticResources().getClusters(1).getName());
        assertEquals("to\"ken\\", b.getDynamicResources().getAdsConfig().getGrpcServices(0).getInitialMetadata(0)
                .getValue());
        assertTrue(b.getStatsConfig().getStatsTagsCount() > 0);
    }

    @Test
    void customTemplateRefusesGoTemplateLogic() {
        String tpl = "{ {{- if .AgentTLS }}\"tls\": true{{ end }} }";
        EnvoyException e = assertThrows(EnvoyException.class,
                () -> build(new JsonObject().put("envoy_bootstrap_json_tpl", tpl)));
        assertTrue(e.getMessage().contains("envoy_bootstrap_json_tpl"), e.getMessage());
        assertTrue(e.getMessage().contains("{{- if .AgentTLS }}"), e.getMessage());
    }

    @Test
    void customTemplateRefusesUnknownVariables() {
        EnvoyException e = assertThrows(EnvoyException.class,
                () -> build(new JsonObject().put("envoy_bootstrap_json_tpl", "{\"a\": \"{{ .Nope }}\"}")));
        assertTrue(e.getMessage().contains(".Nope"), e.getMessage());
    }

    @Test
    void jsonValuesMustBeStrings() {
        EnvoyException e = assertThrows(EnvoyException.class, () -> build(new JsonObject()
                .put("envoy_tracing_json", new JsonObject().put("http", new JsonObject()))));
        assertTrue(e.getMessage().contains("Proxy.Config.envoy_tracing_json"), e.getMessage());
    }
}
