package io.connectproxy.config;

import io.connectproxy.consul.wire.AgentService;
import io.connectproxy.consul.wire.AgentServices;
import io.connectproxy.consul.wire.ManagedProxyConfig;
import io.connectproxy.testsupport.Fixtures;
import io.vertx.core.json.JsonArray;
import io.vertx.core.json.JsonObject;
import org.junit.jupiter.api.Test;

import java.util.List;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertNull;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

class AgentRegistrationMapperTest {

    private static JsonObject sidecarJson() {
        return Fixtures.json("agent-service-web-sidecar.json");
    }

    private static ProxyConfig map(JsonObject json) {
        return AgentRegistrationMapper.fromAgentService(AgentService.fromJson(json));
    }

    @Test
    void consul110SidecarRegistration() {
        ProxyConfig c = map(sidecarJson());
        assertEquals("web", c.serviceName());
        assertEquals("web", c.serviceId());
        assertEquals("dc1", c.datacenter());
        assertEquals("127.0.0.1", c.bindAddress());
        assertEquals(21000, c.bindPort());
        assertEquals("127.0.0.1", c.localServiceAddress());
        assertEquals(8080, c.localServicePort());
        assertNull(c.localServiceSocketPath());
        assertEquals(ProxyConfig.DEFAULT_LOCAL_CONNECT_TIMEOUT_MS, c.localConnectTimeoutMs());
        assertEquals(ProxyConfig.DEFAULT_HANDSHAKE_TIMEOUT_MS, c.handshakeTimeoutMs());
        assertEquals("agent:web-sidecar-proxy", c.source());
        assertEquals(new JsonObject().put("bind_address", "127.0.0.1"), c.opaqueConfig());
        assertEquals(List.of("echo", "pong"), c.upstreams().stream().map(UpstreamConfig::destinationName).toList());
        UpstreamConfig echo = c.upstreams().get(0);
        assertEquals(DestinationType.SERVICE, echo.destinationType());
        assertEquals("default", echo.destinationNamespace());
        assertNull(echo.datacenter());
        assertEquals("127.0.0.1:1234", echo.listenerKey());
        assertEquals(UpstreamConfig.DEFAULT_CONNECT_TIMEOUT_MS, echo.connectTimeoutMs());
        assertEquals(Balancer.ROUND_ROBIN, echo.balancer());
        assertEquals("127.0.0.1:1235", c.upstreams().get(1).listenerKey());
    }

    @Test
    void theSidecarIsFoundInTheServicesListing() {
        AgentServices services = AgentServices.fromJson(Fixtures.json("agent-services.json"));
        List<AgentService> sidecars = services.sidecarsOf("web");
        assertEquals(1, sidecars.size());
        assertEquals("web-sidecar-proxy", sidecars.get(0).id());
    }

    @Test
    void proxyConfigOverridesAndUpstreamConfig() {
        JsonObject json = sidecarJson();
        json.getJsonObject("Proxy").put("Config", new JsonObject()
                .put("bind_address", "0.0.0.0").put("bind_port", "21500")
                .put("local_connect_timeout_ms", 500).put("handshake_timeout_ms", 2000)
                .put("envoy_stats_tags", new JsonArray().add("a")));
        JsonObject up = json.getJsonObject("Proxy").getJsonArray("Upstreams").getJsonObject(0);
        up.put("Datacenter", "dc2").put("DestinationNamespace", "team").put("LocalBindAddress", "127.0.0.9")
                .put("Config", new JsonObject().put("connect_timeout_ms", 1500).put("balancer", "least_conn"));
        json.getJsonObject("Proxy").getJsonArray("Upstreams").getJsonObject(1).put("DestinationType", "prepared_query");
        ProxyConfig c = map(json);
        assertEquals("0.0.0.0", c.bindAddress());
        assertEquals(21500, c.bindPort());
        assertEquals(500, c.localConnectTimeoutMs());
        assertEquals(2000, c.handshakeTimeoutMs());
        assertEquals("a", c.opaqueConfig().getJsonArray("envoy_stats_tags").getString(0));
        UpstreamConfig echo = c.upstreams().get(0);
        assertEquals("127.0.0.9:1234", echo.listenerKey());
        assertEquals(1500, echo.connectTimeoutMs());
        assertEquals(Balancer.LEAST_CONN, echo.balancer());
        assertEquals("service/team/echo@dc2", echo.destinationKey());
        assertEquals(DestinationType.PREPARED_QUERY, c.upstreams().get(1).destinationType());
    }

    @Test
    void theProxyConfigMapIsParsedIntoTheTuningAtLoad() {
        assertEquals(ProxyTuning.DEFAULT, map(sidecarJson()).tuning(), "no proxy keys: the defaults");
        JsonObject json = sidecarJson();
        json.getJsonObject("Proxy").put("Config", new JsonObject().put("shutdown_grace_ms", "250")
                .put("drain_timeout_ms", 750).put("tls_engine", "jdk").put("admin_bind", ":19333"));
        ProxyTuning t = map(json).tuning();
        assertEquals(new ShutdownTiming(java.time.Duration.ofMillis(250), java.time.Duration.ofMillis(750)),
                t.shutdown());
        assertEquals("jdk", t.tlsEngine());
        assertEquals(new HostPort("127.0.0.1", 19333), t.adminBind());

        // a drain timing that cannot be read is refused with the rest of the config, not found at SIGTERM
        JsonObject bad = sidecarJson();
        bad.getJsonObject("Proxy").put("Config", new JsonObject().put("drain_timeout_ms", -5));
        assertEquals("Proxy.Config.drain_timeout_ms: must be at least 0, got -5",
                assertThrows(ConfigException.class, () -> map(bad)).getMessage());
    }

    @Test
    void burstKeysOfThePublicListener() {
        assertEquals(16, map(sidecarJson()).maxHandshakesInFlight(), "default bound per event loop");
        assertEquals(0, map(sidecarJson()).acceptBacklog(), "default: the system's somaxconn");
        JsonObject json = sidecarJson();
        json.getJsonObject("Proxy").put("Config", new JsonObject()
                .put("accept_backlog", "8192").put("max_handshakes_in_flight", 0));
        ProxyConfig c = map(json);
        assertEquals(8192, c.acceptBacklog(), "a string, as Consul's weakly typed map may hold it");
        assertEquals(0, c.maxHandshakesInFlight(), "0 turns the bound off");

        JsonObject negative = sidecarJson();
        negative.getJsonObject("Proxy").put("Config", new JsonObject().put("max_handshakes_in_flight", -1));
        assertEquals("Proxy.Config.max_handshakes_in_flight: must be 0-100000 (0: no bound), got -1",
                assertThrows(ConfigException.class, () -> map(negative)).getMessage());
        JsonObject huge = sidecarJson();
        huge.getJsonObject("Proxy").put("Config", new JsonObject().put("accept_backlog", 1_000_000));
        assertEquals("Proxy.Config.accept_backlog: must be 0-65535 (0: the system default), got 1000000",
                assertThrows(ConfigException.class, () -> map(huge)).getMessage());
        JsonObject text = sidecarJson();
        text.getJsonObject("Proxy").put("Config", new JsonObject().put("accept_backlog", "lots"));
        assertEquals("Proxy.Config.accept_backlog: must be a whole number, got \"lots\"",
                assertThrows(ConfigException.class, () -> map(text)).getMessage());
    }

    @Test
    void keyExchangeGroupsAreAListOrACommaStringOfKnownNames() {
        assertEquals(KeyExchangeGroups.DEFAULT, map(sidecarJson()).tuning().keyExchangeGroups(),
                "default: X25519 first, P-256, the ML-KEM hybrid last");
        assertEquals(List.of("x25519", "secp256r1", "X25519MLKEM768"), KeyExchangeGroups.DEFAULT.names());

        JsonObject text = sidecarJson();
        text.getJsonObject("Proxy").put("Config", new JsonObject().put("tls_key_exchange_groups", "P-256, X25519"));
        assertEquals(List.of("secp256r1", "x25519"), map(text).tuning().keyExchangeGroups().names(),
                "OpenSSL/Go spellings, in the order given");
        JsonObject list = sidecarJson();
        list.getJsonObject("Proxy").put("Config", new JsonObject()
                .put("tls_key_exchange_groups", new JsonArray().add("X25519MLKEM768").add("x25519")));
        assertEquals(List.of("X25519MLKEM768", "x25519"), map(list).tuning().keyExchangeGroups().names());

        JsonObject unknown = sidecarJson();
        unknown.getJsonObject("Proxy").put("Config", new JsonObject().put("tls_key_exchange_groups", "x25519,ffdhe2048"));
        assertEquals("Proxy.Config.tls_key_exchange_groups: unknown key exchange group \"ffdhe2048\" in"
                        + " \"x25519,ffdhe2048\" (known: x25519, secp256r1, secp384r1, X25519MLKEM768)",
                assertThrows(ConfigException.class, () -> map(unknown)).getMessage());
        JsonObject twice = sidecarJson();
        twice.getJsonObject("Proxy").put("Config", new JsonObject().put("tls_key_exchange_groups", "P-256,secp256r1"));
        assertEquals("Proxy.Config.tls_key_exchange_groups: group \"secp256r1\" is listed twice in"
                        + " \"P-256,secp256r1\"",
                assertThrows(ConfigException.class, () -> map(twice)).getMessage());
        JsonObject empty = sidecarJson();
        empty.getJsonObject("Proxy").put("Config", new JsonObject().put("tls_key_exchange_groups", ""));
        assertEquals("Proxy.Config.tls_key_exchange_groups: unknown key exchange group \"\" in \"\""
                        + " (known: x25519, secp256r1, secp384r1, X25519MLKEM768)",
                assertThrows(ConfigException.class, () -> map(empty)).getMessage());
        JsonObject number = sidecarJson();
        number.getJsonObject("Proxy").put("Config", new JsonObject().put("tls_key_exchange_groups", 29));
        assertEquals("Proxy.Config.tls_key_exchange_groups: must be a comma-separated string or a list of group"
                        + " names, got 29",
                assertThrows(ConfigException.class, () -> map(number)).getMessage());
    }

    @Test
    void connectionLimitsOfThePublicListenerAndOfEachUpstream() {
        ProxyConfig defaults = map(sidecarJson());
        assertEquals(4096, defaults.maxInboundConnections(), "default bound of the public listener");
        assertEquals(4096, defaults.upstreams().get(0).maxConnections(), "default bound of an upstream");

        JsonObject json = sidecarJson();
        json.getJsonObject("Proxy").put("Config", new JsonObject().put("max_inbound_connections", "100"));
        json.getJsonObject("Proxy").getJsonArray("Upstreams").getJsonObject(0)
                .put("Config", new JsonObject().put("max_connections", 0));
        ProxyConfig c = map(json);
        assertEquals(100, c.maxInboundConnections(), "a string, as Consul's weakly typed map may hold it");
        assertEquals(0, c.upstreams().get(0).maxConnections(), "0 turns the bound off");

        JsonObject negative = sidecarJson();
        negative.getJsonObject("Proxy").put("Config", new JsonObject().put("max_inbound_connections", -5));
        assertEquals("Proxy.Config.max_inbound_connections: must be 0-1000000 (0: no bound), got -5",
                assertThrows(ConfigException.class, () -> map(negative)).getMessage());
        JsonObject badUpstream = sidecarJson();
        badUpstream.getJsonObject("Proxy").getJsonArray("Upstreams").getJsonObject(1)
                .put("Config", new JsonObject().put("max_connections", "many"));
        assertEquals("Proxy.Upstreams[1].Config.max_connections: must be a whole number, got \"many\"",
                assertThrows(ConfigException.class, () -> map(badUpstream)).getMessage());
    }

    @Test
    void addressDefaultsAndSocketPaths() {
        JsonObject json = sidecarJson();
        json.put("Address", "");
        json.getJsonObject("Proxy").put("Config", new JsonObject())
                .put("LocalServiceAddress", "").put("LocalServiceSocketPath", "/run/web.sock");
        json.getJsonObject("Proxy").getJsonArray("Upstreams").getJsonObject(0)
                .put("LocalBindPort", 0).put("LocalBindSocketPath", "/run/echo.sock");
        ProxyConfig c = map(json);
        assertEquals("0.0.0.0", c.bindAddress());
        assertEquals("/run/web.sock", c.localServiceSocketPath());
        assertEquals("unix:/run/web.sock", c.localServiceKey());
        assertEquals("unix:/run/echo.sock", c.upstreams().get(0).listenerKey());
    }

    @Test
    void upstreamsWithoutALocalListenerAreSkipped() {
        JsonObject json = sidecarJson();
        json.getJsonObject("Proxy").getJsonArray("Upstreams").getJsonObject(0).remove("LocalBindPort");
        assertEquals(List.of("pong"), map(json).upstreams().stream().map(UpstreamConfig::destinationName).toList());
    }

    @Test
    void errorsNameTheWireField() {
        JsonObject notProxy = sidecarJson().put("Kind", "");
        assertEquals("Kind: service web-sidecar-proxy is not a connect proxy: Kind must be connect-proxy, got \"\" "
                + "(use -sidecar-for web-sidecar-proxy to run as its sidecar)",
                assertThrows(ConfigException.class, () -> map(notProxy)).getMessage());

        JsonObject badPort = sidecarJson();
        badPort.getJsonObject("Proxy").getJsonArray("Upstreams").getJsonObject(1).put("LocalBindPort", 70000);
        assertEquals("Proxy.Upstreams[1].LocalBindPort: must be 1-65535, got 70000",
                assertThrows(ConfigException.class, () -> map(badPort)).getMessage());

        JsonObject dup = sidecarJson();
        dup.getJsonObject("Proxy").getJsonArray("Upstreams").getJsonObject(1).put("LocalBindPort", 1234);
        assertEquals("Proxy.Upstreams[1].LocalBindPort: 127.0.0.1:1234 is already used by "
                + "Proxy.Upstreams[0].LocalBindPort", assertThrows(ConfigException.class, () -> map(dup)).getMessage());

        JsonObject balancer = sidecarJson();
        balancer.getJsonObject("Proxy").getJsonArray("Upstreams").getJsonObject(0)
                .put("Config", new JsonObject().put("balancer", "maglev"));
        assertEquals("Proxy.Upstreams[0].Config.balancer: must be round_robin or least_conn, got \"maglev\"",
                assertThrows(ConfigException.class, () -> map(balancer)).getMessage());

        JsonObject timeout = sidecarJson();
        timeout.getJsonObject("Proxy").put("Config", new JsonObject().put("handshake_timeout_ms", "fast"));
        assertEquals("Proxy.Config.handshake_timeout_ms: must be a whole number, got \"fast\"",
                assertThrows(ConfigException.class, () -> map(timeout)).getMessage());

        JsonObject type = sidecarJson();
        type.getJsonObject("Proxy").getJsonArray("Upstreams").getJsonObject(0).put("DestinationType", "mesh");
        assertEquals("Proxy.Upstreams[0].DestinationType: must be service or prepared_query, got \"mesh\"",
                assertThrows(ConfigException.class, () -> map(type)).getMessage());

        JsonObject noLocalPort = sidecarJson();
        noLocalPort.getJsonObject("Proxy").put("LocalServicePort", 0);
        assertEquals("Proxy.LocalServicePort: must be 1-65535, got 0",
                assertThrows(ConfigException.class, () -> map(noLocalPort)).getMessage());
    }

    @Test
    void consul153ProxyRegistration() {
        ProxyConfig c = map(new JsonObject(Fixtures.text("consul-1.5.3", "agent-service-web-proxy.json")));
        assertEquals("web", c.serviceName());
        assertNull(c.datacenter());
        assertEquals("127.0.0.1:20128", c.publicListenerKey());
        assertEquals("127.0.0.1:18080", c.localServiceKey());
        assertEquals("agent:web-proxy", c.source());
        assertEquals(1, c.upstreams().size());
        assertEquals("127.0.0.1:11234", c.upstreams().get(0).listenerKey());
        assertEquals("redis", c.upstreams().get(0).destinationName());
    }

    @Test
    void consul153LegacyManagedProxyConfig() {
        ManagedProxyConfig managed = ManagedProxyConfig.fromJson(
                new JsonObject(Fixtures.text("consul-1.5.3", "legacy-managed-proxy-config.json")));
        ProxyConfig c = AgentRegistrationMapper.fromManagedProxy(managed);
        assertEquals("web", c.serviceName());
        assertEquals("web", c.serviceId());
        assertEquals("127.0.0.1:20128", c.publicListenerKey());
        assertEquals("127.0.0.1:18080", c.localServiceKey());
        assertEquals("managed:web-proxy", c.source());
        assertEquals("consul.proxy.web", c.opaqueConfig().getJsonObject("telemetry").getString("metrics_prefix"));
        assertEquals(List.of("127.0.0.1:11234"), c.upstreams().stream().map(UpstreamConfig::listenerKey).toList());
    }

    @Test
    void legacyManagedConfigUpstreamsInBothPlacesAreMerged() {
        JsonObject json = new JsonObject(Fixtures.text("consul-1.5.3", "legacy-managed-proxy-config.json"));
        json.getJsonObject("Config").put("upstreams", new JsonArray().add(new JsonObject()
                .put("destination_name", "db").put("destination_type", "prepared_query").put("local_bind_port", 5432)));
        ProxyConfig c = AgentRegistrationMapper.fromManagedProxy(ManagedProxyConfig.fromJson(json));
        assertEquals(List.of("db", "redis"), c.upstreams().stream().map(UpstreamConfig::destinationName).toList());

        json.getJsonObject("Config").remove("bind_port");
        assertTrue(assertThrows(ConfigException.class,
                () -> AgentRegistrationMapper.fromManagedProxy(ManagedProxyConfig.fromJson(json))).getMessage()
                .startsWith("Config.bind_port: required"));
    }
}
