package io.connectproxy.config;

import io.vertx.core.json.JsonObject;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertNull;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

class ConfigFileTest {


    private static ProxyConfig parse(String json) {
        return ConfigFile.parse(json, "/etc/web.json").proxyConfig(null);
    }

    private static String error(String json) {
        return assertThrows(ConfigException.class, () -> parse(json)).getMessage();
    }

    /** Wraps a connect.proxy.config body into a full file. */
    private static String withProxyConfig(String config) {
        return "{\"service\":{\"name\":\"web\",\"port\":8080,\"connect\":{\"proxy\":{\"config\":" + config + "}}}}";
    }

    @Test
    void tlsEngineIsOpensslOrJdk() {
        assertEquals("jdk", parse(withProxyConfig("{\"tls_engine\":\"jdk\"}")).opaqueConfig().getString("tls_engine"));
        assertEquals("service.connect.proxy.config.tls_engine: must be openssl or jdk, got \"boring\"",
                error(withProxyConfig("{\"tls_engine\":\"boring\"}")));
    }

    @Test
    void adminBindIsHostPort() {
        assertEquals(new HostPort("127.0.0.1", 19201),
                parse(withProxyConfig("{\"admin_bind\":\"127.0.0.1:19201\"}")).adminBind());
        assertEquals(new HostPort("127.0.0.1", 19202), parse(withProxyConfig("{\"admin_bind\":\":19202\"}")).adminBind());
        assertNull(parse(withProxyConfig("{}")).adminBind());
        assertEquals("service.connect.proxy.config.admin_bind: must be host:port, got \"19100\"",
                error(withProxyConfig("{\"admin_bind\":\"19100\"}")));
        assertTrue(error(withProxyConfig("{\"admin_bind\":8080}"))
                .startsWith("service.connect.proxy.config.admin_bind: must be a string"));
    }

    @Test
    void theIssueExampleParsesWithEveryDefault() {
        ProxyConfig c = parse(WatcherTestSupport.EXAMPLE);
        assertEquals("web", c.serviceName());
        assertEquals("web", c.serviceId());
        assertNull(c.datacenter());
        assertEquals("0.0.0.0", c.bindAddress());
        assertEquals(ProxyConfig.DEFAULT_BIND_PORT, c.bindPort());
        assertEquals("127.0.0.1", c.localServiceAddress());
        assertEquals(8080, c.localServicePort());
        assertNull(c.localServiceSocketPath());
        assertEquals(1000, c.localConnectTimeoutMs());
        assertEquals(10000, c.handshakeTimeoutMs());
        assertEquals(0, c.idleTimeoutMs());
        assertEquals(60000, c.authzRecheckIntervalMs());
        assertEquals("file:/etc/web.json", c.source());
        assertEquals(1, c.upstreams().size());
        UpstreamConfig u = c.upstreams().get(0);
        assertEquals(DestinationType.SERVICE, u.destinationType());
        assertEquals("redis", u.destinationName());
        assertEquals("default", u.destinationNamespace());
        assertNull(u.datacenter());
        assertEquals("127.0.0.1", u.localBindAddress());
        assertEquals(1234, u.localBindPort());
        assertNull(u.localBindSocketPath());
        assertEquals(10000, u.connectTimeoutMs());
        assertEquals(Balancer.ROUND_ROBIN, u.balancer());
        assertEquals("127.0.0.1:1234", u.listenerKey());
        assertEquals("service/default/redis", u.destinationKey());
    }

    @Test
    void everyKeySetExplicitly() {
        ProxyConfig c = parse("""
                {"service": {"name": "web", "id": "web-1", "address": "10.0.0.5", "port": 8080,
                  "connect": {"proxy": {"config": {
                    "bind_address": "10.0.0.5", "bind_port": 21001,
                    "local_service_address": "127.0.0.2:9090",
                    "local_connect_timeout_ms": 250, "handshake_timeout_ms": 3000,
                    "idle_timeout_ms": 60000, "authz_recheck_interval_ms": 5000,
                    "envoy_prometheus_bind_addr": "0.0.0.0:9102",
                    "upstreams": [
                      {"destination_name": "db", "destination_type": "prepared_query", "destination_namespace": "ns1",
                       "datacenter": "dc2", "local_bind_address": "127.0.0.3", "local_bind_port": 5432,
                       "connect_timeout_ms": 2000, "config": {"balancer": "least_conn"}},
                      {"destination_name": "cache", "local_bind_socket_path": "/run/cache.sock",
                       "config": {"connect_timeout_ms": 1500}}
                    ]}}}}}
                """);
        assertEquals("web-1", c.serviceId());
        assertEquals("10.0.0.5", c.bindAddress());
        assertEquals(21001, c.bindPort());
        assertEquals("127.0.0.2", c.localServiceAddress());
        assertEquals(9090, c.localServicePort());
        assertEquals(250, c.localConnectTimeoutMs());
        assertEquals(3000, c.handshakeTimeoutMs());
        assertEquals(60000, c.idleTimeoutMs());
        assertEquals(5000, c.authzRecheckIntervalMs());
        assertEquals("0.0.0.0:9102", c.opaqueConfig().getString("envoy_prometheus_bind_addr"));
        UpstreamConfig db = c.upstreams().get(0);
        assertEquals(DestinationType.PREPARED_QUERY, db.destinationType());
        assertEquals("ns1", db.destinationNamespace());
        assertEquals("dc2", db.datacenter());
        assertEquals("127.0.0.3:5432", db.listenerKey());
        assertEquals(2000, db.connectTimeoutMs());
        assertEquals(Balancer.LEAST_CONN, db.balancer());
        assertEquals("prepared_query/ns1/db@dc2", db.destinationKey());
        UpstreamConfig cache = c.upstreams().get(1);
        assertTrue(cache.isUnixSocket(), () -> String.valueOf(cache));
        assertEquals("unix:/run/cache.sock", cache.listenerKey());
        assertEquals(1500, cache.connectTimeoutMs());
    }

    @Test
    void unixSocketLocalService() {
        ProxyConfig c = parse("{\"service\":{\"name\":\"web\",\"connect\":{\"proxy\":{\"config\":"
                + "{\"local_service_socket_path\":\"/run/web.sock\"}}}}}");
        assertEquals("/run/web.sock", c.localServiceSocketPath());
        assertNull(c.localServiceAddress());
        assertEquals("unix:/run/web.sock", c.localServiceKey());
    }

    @Test
    void opaqueConfigIsKeptAndDefensivelyCopied() {
        ProxyConfig c = parse(withProxyConfig("{\"envoy_extra_static_clusters_json\":\"{}\",\"x\":{\"y\":1}}"));
        JsonObject copy = c.opaqueConfig();
        copy.put("x", "changed");
        assertEquals(1, c.opaqueConfig().getJsonObject("x").getInteger("y"));
        assertEquals("{}", c.opaqueConfig().getString("envoy_extra_static_clusters_json"));
    }

    @Test
    void weaklyTypedNumbersInTheOpaqueMapAreAccepted() {
        ProxyConfig c = parse(withProxyConfig("{\"handshake_timeout_ms\":\"2500\",\"bind_port\":21002}"));
        assertEquals(2500, c.handshakeTimeoutMs());
    }

    @Test
    void invalidFieldsNameThePathAndTheValue() {
        assertEquals("service.connect.proxy.config.upstreams[1].local_bind_port: must be 1-65535, got 70000",
                error(withProxyConfig("{\"upstreams\":[{\"destination_name\":\"a\",\"local_bind_port\":1},"
                        + "{\"destination_name\":\"b\",\"local_bind_port\":70000}]}")));
        assertEquals("service.name: required", error("{\"service\":{\"port\":8080}}"));
        assertEquals("service.name: must not be empty", error("{\"service\":{\"name\":\"\",\"port\":8080}}"));
        assertEquals("service.name: must be a string, got 42", error("{\"service\":{\"name\":42,\"port\":8080}}"));
        assertEquals("service.port: must be 1-65535, got 0", error("{\"service\":{\"name\":\"web\",\"port\":0}}"));
        assertEquals("service.port: must be a number, got \"8080\"",
                error("{\"service\":{\"name\":\"web\",\"port\":\"8080\"}}"));
        assertTrue(error("{\"service\":{\"name\":\"web\"}}").startsWith("service.port: required"),
                () -> String.valueOf(error("{\"service\":{\"name\":\"web\"}}")));
        assertEquals("service.connect.proxy.config.bind_port: must be 1-65535, got 65536",
                error(withProxyConfig("{\"bind_port\":65536}")));
        assertEquals("service.connect.proxy.config.bind_address: must be a string, got 1",
                error(withProxyConfig("{\"bind_address\":1}")));
        assertEquals("service.connect.proxy.config.local_service_address: port must be 1-65535, got 0",
                error(withProxyConfig("{\"local_service_address\":\"127.0.0.1:0\"}")));
        assertEquals("service.connect.proxy.config.local_service_address: must be host:port, got \"localhost\"",
                error(withProxyConfig("{\"local_service_address\":\"localhost\"}")));
        assertEquals("service.connect.proxy.config.local_service_address: cannot be combined with "
                        + "local_service_socket_path, got \"127.0.0.1:1\"",
                error(withProxyConfig("{\"local_service_address\":\"127.0.0.1:1\",\"local_service_socket_path\":\"/s\"}")));
        assertEquals("service.connect.proxy.config.local_connect_timeout_ms: must be at least 1, got 0",
                error(withProxyConfig("{\"local_connect_timeout_ms\":0}")));
        assertEquals("service.connect.proxy.config.handshake_timeout_ms: must be a whole number, got \"soon\"",
                error(withProxyConfig("{\"handshake_timeout_ms\":\"soon\"}")));
        assertEquals("service.connect.proxy.config.handshake_timeout_ms: must be a whole number, got 1.5",
                error(withProxyConfig("{\"handshake_timeout_ms\":1.5}")));
        assertEquals("service.connect.proxy.config.idle_timeout_ms: must be at least 0, got -1",
                error(withProxyConfig("{\"idle_timeout_ms\":-1}")));
        assertEquals("service.connect.proxy.config.authz_recheck_interval_ms: must be at least 0, got -5",
                error(withProxyConfig("{\"authz_recheck_interval_ms\":-5}")));
        assertEquals("service.connect.proxy.config.upstreams: must be an array, got {}",
                error(withProxyConfig("{\"upstreams\":{}}")));
        assertEquals("service.connect.proxy.config.upstreams[0]: must be an object, got \"redis:1234\"",
                error(withProxyConfig("{\"upstreams\":[\"redis:1234\"]}")));
        assertEquals("service.connect.proxy.config.upstreams[0].destination_name: required",
                error(withProxyConfig("{\"upstreams\":[{\"local_bind_port\":1234}]}")));
        assertEquals("service.connect.proxy.config.upstreams[0].local_bind_port: required (or local_bind_socket_path)",
                error(withProxyConfig("{\"upstreams\":[{\"destination_name\":\"a\"}]}")));
        assertEquals("service.connect.proxy.config.upstreams[0].local_bind_port: cannot be combined with "
                        + "local_bind_socket_path, got 1",
                error(withProxyConfig("{\"upstreams\":[{\"destination_name\":\"a\",\"local_bind_port\":1,"
                        + "\"local_bind_socket_path\":\"/s\"}]}")));
        assertEquals("service.connect.proxy.config.upstreams[0].destination_type: must be service or prepared_query, "
                        + "got \"query\"",
                error(withProxyConfig("{\"upstreams\":[{\"destination_name\":\"a\",\"local_bind_port\":1,"
                        + "\"destination_type\":\"query\"}]}")));
        assertEquals("service.connect.proxy.config.upstreams[0].connect_timeout_ms: must be at least 1, got 0",
                error(withProxyConfig("{\"upstreams\":[{\"destination_name\":\"a\",\"local_bind_port\":1,"
                        + "\"connect_timeout_ms\":0}]}")));
        assertEquals("service.connect.proxy.config.upstreams[0].config.balancer: must be round_robin or least_conn, "
                        + "got \"random\"",
                error(withProxyConfig("{\"upstreams\":[{\"destination_name\":\"a\",\"local_bind_port\":1,"
                        + "\"config\":{\"balancer\":\"random\"}}]}")));
        assertEquals("service.connect.proxy.config.upstreams[1].local_bind_port: 127.0.0.1:1234 is already used by "
                        + "service.connect.proxy.config.upstreams[0].local_bind_port",
                error(withProxyConfig("{\"upstreams\":[{\"destination_name\":\"a\",\"local_bind_port\":1234},"
                        + "{\"destination_name\":\"b\",\"local_bind_port\":1234}]}")));
        assertEquals("service.connect.proxy.config.upstreams[0].local_bind_port: 127.0.0.1:21000 collides with the "
                        + "public listener 0.0.0.0:21000 (service.connect.proxy.config.bind_port)",
                error(withProxyConfig("{\"upstreams\":[{\"destination_name\":\"a\",\"local_bind_port\":21000}]}")));
    }

    @Test
    void unknownKeysInTheProxysOwnBlocksAreErrors() {
        assertEquals("servce: unknown key (allowed: admin, consul, log, proxy_id, service, sidecar_for)",
                assertThrows(ConfigException.class, () -> ConfigFile.parse("{\"servce\":{}}", "f")).getMessage());
        assertEquals("admin.bnd: unknown key (allowed: bind)",
                assertThrows(ConfigException.class, () -> ConfigFile.parse("{\"admin\":{\"bnd\":1}}", "f"))
                        .getMessage());
        assertEquals("log.format: unknown key (allowed: json, level)",
                assertThrows(ConfigException.class, () -> ConfigFile.parse("{\"log\":{\"format\":1}}", "f"))
                        .getMessage());
        assertEquals("log.level: must be one of trace, debug, info, warn, error, got \"loud\"",
                assertThrows(ConfigException.class, () -> ConfigFile.parse("{\"log\":{\"level\":\"loud\"}}", "f"))
                        .getMessage());
        assertTrue(error("{\"service\":{\"name\":\"web\",\"port\":1,\"prot\":2}}")
                .startsWith("service.prot: unknown key (allowed: "));
        assertTrue(error("{\"service\":{\"name\":\"web\",\"port\":1,\"connect\":{\"proxy\":{\"upstreams\":[]}}}}")
                .startsWith("service.connect.proxy.upstreams: unknown key (allowed: command, config, exec_mode)"));
        assertTrue(error("{\"service\":{\"name\":\"web\",\"port\":1,\"connect\":{\"sidecar_service\":{}}}}")
                .startsWith("service.connect.sidecar_service: not read from a -conf file"));
        // consul block keys are checked by the agent settings resolver
        assertTrue(assertThrows(ConfigException.class, () -> LaunchConfigResolver.resolve(java.util.Map.of(),
                java.util.List.of(), java.util.Map.of(), ConfigFile.parse("{\"consul\":{\"adress\":1},"
                        + "\"sidecar_for\":\"web\"}", "f"))).getMessage().startsWith("consul.adress: unknown key"));
    }

    @Test
    void consulServiceDefinitionKeysThatDoNotConcernTheProxyAreAccepted() {
        ProxyConfig c = parse("{\"service\":{\"name\":\"web\",\"port\":8080,\"tags\":[\"a\"],\"meta\":{},"
                + "\"check\":{\"ttl\":\"10s\"}}}");
        assertEquals(8080, c.localServicePort());
        assertTrue(c.upstreams().isEmpty(), () -> String.valueOf(c.upstreams()));
    }

    @Test
    void aFileNamesOneSourceOnly() {
        ConfigFile f = ConfigFile.parse("{\"sidecar_for\":\"web\",\"admin\":{\"bind\":\"off\"},"
                + "\"log\":{\"level\":\"DEBUG\",\"json\":true}}", "f");
        assertEquals("web", f.sidecarFor());
        assertNull(f.service());
        assertEquals("off", f.adminBind());
        assertEquals(LogLevel.DEBUG, f.logLevel());
        assertEquals(Boolean.TRUE, f.logJson());
        assertNull(f.proxyConfig(null));
        assertEquals("service: only one of service, sidecar_for and proxy_id may be set (service: the config is in "
                        + "this file; sidecar_for/proxy_id: it comes from the agent)",
                assertThrows(ConfigException.class, () -> ConfigFile.parse("{\"sidecar_for\":\"web\","
                        + "\"service\":{\"name\":\"web\",\"port\":1}}", "f")).getMessage());
    }

    @Test
    void syntaxErrorsNameTheFileAndThePosition() {
        String m = assertThrows(ConfigException.class, () -> ConfigFile.parse("{\"service\": {\n  \"name\": }\n}",
                "/etc/web.json")).getMessage();
        assertTrue(m.startsWith("-conf: /etc/web.json is not a JSON object: "), m);
        assertTrue(m.endsWith(" at line 2, column 11"), m);
        assertFalse(m.contains("Source"), m);
        assertFalse(m.contains("\n"), m);
        assertEquals("-conf: /etc/web.json is empty",
                assertThrows(ConfigException.class, () -> ConfigFile.parse("  \n", "/etc/web.json")).getMessage());
        assertTrue(assertThrows(ConfigException.class, () -> ConfigFile.parse("[1]", "/etc/web.json")).getMessage()
                .startsWith("-conf: /etc/web.json is not a JSON object"));
    }

    @Test
    void missingAndUnreadableFilesNameThePath(@TempDir Path dir) throws IOException {
        Path missing = dir.resolve("nope.json");
        assertEquals("-conf: file not found: " + missing,
                assertThrows(ConfigException.class, () -> ConfigFile.load(missing.toString())).getMessage());
        assertTrue(assertThrows(ConfigException.class, () -> ConfigFile.load(dir.toString())).getMessage()
                .startsWith("-conf: cannot read " + dir));
        Path ok = dir.resolve("web.json");
        Files.writeString(ok, WatcherTestSupport.EXAMPLE);
        assertEquals("web", ConfigFile.load(ok.toString()).proxyConfig(null).serviceName());
    }
}
