package io.connectproxy.envoy;

import io.connectproxy.testsupport.ScriptedAgent;
import io.connectproxy.testsupport.TestCertificate;

import io.envoyproxy.envoy.config.bootstrap.v3.Bootstrap;
import io.envoyproxy.envoy.config.cluster.v3.Cluster;
import io.envoyproxy.envoy.extensions.transport_sockets.tls.v3.UpstreamTlsContext;
import io.vertx.core.Future;
import io.vertx.core.Vertx;
import io.vertx.core.json.JsonArray;
import io.vertx.core.json.JsonObject;
import io.vertx.junit5.Timeout;
import io.vertx.junit5.VertxExtension;
import io.vertx.junit5.VertxTestContext;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.extension.ExtendWith;
import org.junit.jupiter.api.io.TempDir;

import java.nio.file.Files;
import java.nio.file.Path;
import java.util.List;
import java.util.Map;
import java.util.concurrent.TimeUnit;
import java.util.function.Consumer;

import static io.connectproxy.envoy.BootstrapDocs.socket;
import static io.connectproxy.envoy.BootstrapDocs.withAgentAddress;
import static io.connectproxy.envoy.BootstrapDocs.withToken;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertInstanceOf;
import static org.junit.jupiter.api.Assertions.assertTrue;

/**
 * The acceptance table: each case runs the verticle against an in-process agent, compares the document with
 * Consul 1.10's output for the same inputs (structurally), and parses it into Envoy's Bootstrap message.
 */
@ExtendWith(VertxExtension.class)
@Timeout(value = 10, timeUnit = TimeUnit.SECONDS)
class EnvoyBootstrapVerticleTest {
    private static final String TOKEN = "c9a52720-bf6c-4aa6-b8bc-66881a5ade95";

    @TempDir
    Path tmp;
    private ScriptedAgent agent;

    @BeforeEach
    void startAgent(Vertx vertx, VertxTestContext ctx) {
        Harness.agent(vertx, null, Harness.sidecar("test-proxy", "test-proxy", new JsonObject())).onSuccess(a -> {
            agent = a;
            Harness.grpcPort(a, 8502);
        }).onComplete(ctx.succeedingThenComplete());
    }

    private void expect(Vertx vertx, VertxTestContext ctx, List<String> args, Map<String, String> env,
                        Consumer<JsonObject> check) {
        Harness.run(vertx, args, env).onComplete(ctx.succeeding(outcome -> ctx.verify(() -> {
            assertEquals(0, outcome.exitCode());
            EnvoyProtos.parse(outcome.bootstrapJson());
            check.accept(new JsonObject(outcome.bootstrapJson()));
            ctx.completeNow();
        })));
    }

    private void expectError(Vertx vertx, VertxTestContext ctx, List<String> args, Map<String, String> env,
                             String... fragments) {
        Harness.run(vertx, args, env).onComplete(ctx.failing(e -> ctx.verify(() -> {
            for (String f : fragments) {
                assertTrue(e.getMessage().contains(f), () -> "\"" + e.getMessage() + "\" should contain " + f);
            }
            ctx.completeNow();
        })));
    }

    @Test
    void defaults(Vertx vertx, VertxTestContext ctx) {
        expect(vertx, ctx, Harness.args(agent, "-proxy-id", "test-proxy"), Map.of(),
                doc -> assertEquals(Harness.expected("defaults"), doc));
    }

    @Test
    void tokenFromFlag(Vertx vertx, VertxTestContext ctx) {
        expect(vertx, ctx, Harness.args(agent, "-proxy-id", "test-proxy", "-token", TOKEN), Map.of(), doc -> {
            assertEquals(withToken(Harness.expected("defaults"), TOKEN), doc);
            assertEquals(List.of(), agent.seen().stream().filter(r -> !TOKEN.equals(r.token())).toList(),
                    "agent calls without the token");
        });
    }

    @Test
    void tokenFromEnv(Vertx vertx, VertxTestContext ctx) {
        expect(vertx, ctx, Harness.args(agent, "-proxy-id", "test-proxy"), Harness.env("CONSUL_HTTP_TOKEN", TOKEN),
                doc -> assertEquals(withToken(Harness.expected("defaults"), TOKEN), doc));
    }

    @Test
    void tokenFromFileFlag(Vertx vertx, VertxTestContext ctx) throws Exception {
        Path file = Files.writeString(tmp.resolve("token.txt"), TOKEN + "\n");
        expect(vertx, ctx, Harness.args(agent, "-proxy-id", "test-proxy", "-token-file", file.toString()), Map.of(),
                doc -> assertEquals(withToken(Harness.expected("defaults"), TOKEN), doc));
    }

    @Test
    void tokenFromFileEnv(Vertx vertx, VertxTestContext ctx) throws Exception {
        Path file = Files.writeString(tmp.resolve("token.txt"), TOKEN);
        expect(vertx, ctx, Harness.args(agent, "-proxy-id", "test-proxy"),
                Harness.env("CONSUL_HTTP_TOKEN_FILE", file.toString()),
                doc -> assertEquals(withToken(Harness.expected("defaults"), TOKEN), doc));
    }

    @Test
    void tokenWithQuotesStaysValidJson(Vertx vertx, VertxTestContext ctx) {
        String nasty = "a\"b\\c}{";
        expect(vertx, ctx, Harness.args(agent, "-proxy-id", "test-proxy", "-token", nasty), Map.of(),
                doc -> assertEquals(nasty, BootstrapDocs.token(doc)));
    }

    @Test
    void grpcAddressFromFlag(Vertx vertx, VertxTestContext ctx) {
        expect(vertx, ctx, Harness.args(agent, "-proxy-id", "test-proxy", "-grpc-addr", "localhost:9999"), Map.of(),
                doc -> {
                    assertEquals(withAgentAddress(Harness.expected("defaults"), socket("127.0.0.1", 9999)), doc);
                    assertFalse(agent.requests().contains("GET /v1/agent/self"),
                            "no lookup when -grpc-addr is given: " + agent.requests());
                });
    }

    @Test
    void grpcAddressFromEnv(Vertx vertx, VertxTestContext ctx) {
        expect(vertx, ctx, Harness.args(agent, "-proxy-id", "test-proxy"),
                Harness.env("CONSUL_GRPC_ADDR", "http://127.0.0.1:9999"),
                doc -> assertEquals(withAgentAddress(Harness.expected("defaults"), socket("127.0.0.1", 9999)), doc));
    }

    @Test
    void grpcAddressUnixSocket(Vertx vertx, VertxTestContext ctx) {
        expect(vertx, ctx, Harness.args(agent, "-proxy-id", "test-proxy", "-grpc-addr",
                "unix:///var/run/consul.sock"), Map.of(), doc -> assertEquals(withAgentAddress(
                Harness.expected("defaults"),
                new JsonObject().put("pipe", new JsonObject().put("path", "/var/run/consul.sock"))), doc));
    }

    @Test
    void grpcPortFromAgentSelf(Vertx vertx, VertxTestContext ctx) {
        Harness.grpcPort(agent, 8603);
        expect(vertx, ctx, Harness.args(agent, "-proxy-id", "test-proxy"), Map.of(), doc -> {
            assertEquals(withAgentAddress(Harness.expected("defaults"), socket("127.0.0.1", 8603)), doc);
            assertTrue(agent.requests().contains("GET /v1/agent/self"), agent.requests().toString());
        });
    }

    @Test
    void grpcDisabledOnAgentFallsBackTo8502(Vertx vertx, VertxTestContext ctx) {
        Harness.grpcPort(agent, -1);
        expect(vertx, ctx, Harness.args(agent, "-proxy-id", "test-proxy"), Map.of(),
                doc -> assertEquals(Harness.expected("defaults"), doc));
    }

    @Test
    void accessLogPath(Vertx vertx, VertxTestContext ctx) {
        JsonObject want = Harness.expected("defaults");
        want.getJsonObject("admin").put("access_log_path", "/some/path/access.log");
        expect(vertx, ctx, Harness.args(agent, "-proxy-id", "test-proxy", "-admin-access-log-path",
                "/some/path/access.log"), Map.of(), doc -> assertEquals(want, doc));
    }

    @Test
    void adminBind(Vertx vertx, VertxTestContext ctx) {
        expect(vertx, ctx, Harness.args(agent, "-proxy-id", "test-proxy", "-admin-bind", "127.0.0.2:19005"), Map.of(),
                doc -> assertEquals(socket("127.0.0.2", 19005), doc.getJsonObject("admin").getJsonObject("address")));
    }

    @Test
    void prometheusWithBackendPortAndScrapePath(Vertx vertx, VertxTestContext ctx) {
        agent.putService(Harness.sidecar("test-proxy", "test-proxy",
                new JsonObject().put("envoy_prometheus_bind_addr", "0.0.0.0:9000")));
        expect(vertx, ctx, Harness.args(agent, "-proxy-id", "test-proxy", "-prometheus-backend-port", "20100",
                "-prometheus-scrape-path", "/scrape-path"), Map.of(),
                doc -> assertEquals(Harness.expected("prometheus-metrics"), doc));
    }

    @Test
    void sidecarForFindsTheOneSidecar(Vertx vertx, VertxTestContext ctx) {
        agent.putService(Harness.sidecar("web-sidecar-proxy", "web", new JsonObject()));
        expect(vertx, ctx, Harness.args(agent, "-sidecar-for", "web"), Map.of(), doc -> {
            assertEquals("web-sidecar-proxy", doc.getJsonObject("node").getString("id"));
            assertEquals("web", doc.getJsonObject("node").getString("cluster"));
        });
    }

    @Test
    void sidecarForFromEnv(Vertx vertx, VertxTestContext ctx) {
        agent.putService(Harness.sidecar("web-sidecar-proxy", "web", new JsonObject()));
        expect(vertx, ctx, Harness.args(agent), Harness.env("CONNECT_SIDECAR_FOR", "web"),
                doc -> assertEquals("web-sidecar-proxy", doc.getJsonObject("node").getString("id")));
    }

    @Test
    void sidecarForWithNoSidecarNamesTheCount(Vertx vertx, VertxTestContext ctx) {
        expectError(vertx, ctx, Harness.args(agent, "-sidecar-for", "web"), Map.of(), "-sidecar-for web", "found 0");
    }

    @Test
    void sidecarForWithTwoSidecarsNamesTheCount(Vertx vertx, VertxTestContext ctx) {
        agent.putService(Harness.sidecar("web-a", "web", new JsonObject()));
        agent.putService(Harness.sidecar("web-b", "web", new JsonObject()));
        expectError(vertx, ctx, Harness.args(agent, "-sidecar-for", "web"), Map.of(), "found 2", "web-a, web-b",
                "-proxy-id");
    }

    @Test
    void unknownProxy(Vertx vertx, VertxTestContext ctx) {
        expectError(vertx, ctx, Harness.args(agent, "-proxy-id", "nope"), Map.of(), "unknown proxy \"nope\"");
    }

    @Test
    void noProxyId(Vertx vertx, VertxTestContext ctx) {
        expectError(vertx, ctx, Harness.args(agent), Map.of(), "no proxy ID specified");
    }

    @Test
    void missingCaFile(Vertx vertx, VertxTestContext ctx) {
        expectError(vertx, ctx, Harness.args(agent, "-proxy-id", "test-proxy", "-ca-file",
                tmp.resolve("missing.pem").toString()), Map.of(), "-ca-file", "missing.pem");
    }

    @Test
    void noCentralConfigSkipsTheRegistration(Vertx vertx, VertxTestContext ctx) {
        agent.putService(Harness.sidecar("test-proxy", "web",
                new JsonObject().put("envoy_prometheus_bind_addr", "0.0.0.0:9000")));
        expect(vertx, ctx, Harness.args(agent, "-proxy-id", "test-proxy", "-no-central-config"), Map.of(), doc -> {
            assertFalse(doc.getJsonObject("static_resources").containsKey("listeners"));
            assertEquals("test-proxy", doc.getJsonObject("node").getString("cluster"));
            assertFalse(agent.requests().contains("GET /v1/agent/service/test-proxy"), agent.requests().toString());
        });
    }

    // ---- TLS to the agent ------------------------------------------------------------------------------------

    private Future<TestCertificate> httpsAgent(Vertx vertx) {
        TestCertificate cert = TestCertificate.create(tmp);
        return Harness.agent(vertx, cert.keyCertOptions(), Harness.sidecar("test-proxy", "test-proxy",
                new JsonObject())).map(a -> {
                    agent = a;
                    Harness.grpcPort(a, 8502);
                    return cert;
                });
    }

    private static void assertTlsWithCa(JsonObject doc, String pem) {
        JsonObject tls = BootstrapDocs.localAgent(doc).getJsonObject("transport_socket");
        assertEquals("tls", tls.getString("name"));
        assertEquals(pem, tls.getJsonObject("typed_config").getJsonObject("common_tls_context")
                .getJsonObject("validation_context").getJsonObject("trusted_ca").getString("inline_string"));
        Cluster parsed = EnvoyProtos.parse(doc.encode()).getStaticResources().getClusters(0);
        try {
            UpstreamTlsContext ctx = parsed.getTransportSocket().getTypedConfig().unpack(UpstreamTlsContext.class);
            assertEquals(pem, ctx.getCommonTlsContext().getValidationContext().getTrustedCa().getInlineString());
        } catch (com.google.protobuf.InvalidProtocolBufferException e) {
            throw new AssertionError(e);
        }
    }

    @Test
    void caFileWithHttps(Vertx vertx, VertxTestContext ctx) {
        httpsAgent(vertx).onComplete(ctx.succeeding(cert -> expect(vertx, ctx, List.of("-bootstrap", "-proxy-id",
                "test-proxy", "-http-addr", "https://localhost:" + agent.port(), "-ca-file", cert.certificatePath()),
                Map.of(), doc -> assertTlsWithCa(doc, read(cert.certificatePath())))));
    }

    @Test
    void caPathWithHttps(Vertx vertx, VertxTestContext ctx) throws Exception {
        Path dir = Files.createDirectory(tmp.resolve("cas"));
        httpsAgent(vertx).onComplete(ctx.succeeding(cert -> {
            String pem = read(cert.certificatePath());
            try {
                Files.writeString(dir.resolve("agent.pem"), pem);
            } catch (java.io.IOException e) {
                ctx.failNow(e);
                return;
            }
            expect(vertx, ctx, List.of("-bootstrap", "-proxy-id", "test-proxy", "-http-addr",
                    "https://localhost:" + agent.port(), "-ca-path", dir.toString()), Map.of(),
                    doc -> assertTlsWithCa(doc, pem));
        }));
    }

    @Test
    void consulHttpAddrWithHttpsSchemeEnablesTls(Vertx vertx, VertxTestContext ctx) {
        httpsAgent(vertx).onComplete(ctx.succeeding(cert -> expect(vertx, ctx,
                List.of("-bootstrap", "-proxy-id", "test-proxy"),
                Harness.env("CONSUL_HTTP_ADDR", "https://localhost:" + agent.port(),
                        "CONSUL_CACERT", cert.certificatePath()),
                doc -> assertTlsWithCa(doc, read(cert.certificatePath())))));
    }

    @Test
    void plainHttpMeansNoTls(Vertx vertx, VertxTestContext ctx) {
        expect(vertx, ctx, Harness.args(agent, "-proxy-id", "test-proxy"), Map.of(),
                doc -> assertFalse(BootstrapDocs.localAgent(doc).containsKey("transport_socket")));
    }

    // ---- gateways --------------------------------------------------------------------------------------------

    private static JsonObject ingress(String id) {
        return new JsonObject().put("Kind", "ingress-gateway").put("ID", id).put("Service", "ingress-gateway")
                .put("Port", 8443).put("Proxy", new JsonObject().put("Config", new JsonObject()))
                .put("Datacenter", "dc1");
    }

    private static JsonObject readyListener(JsonObject doc) {
        JsonArray listeners = doc.getJsonObject("static_resources").getJsonArray("listeners");
        assertEquals(1, listeners.size());
        JsonObject l = listeners.getJsonObject(0);
        assertEquals("envoy_ready_listener", l.getString("name"));
        return l.getJsonObject("address");
    }

    @Test
    void ingressGatewayWithoutAddress(Vertx vertx, VertxTestContext ctx) {
        agent.putService(ingress("ingress-gateway-1"));
        expect(vertx, ctx, Harness.args(agent, "-proxy-id", "ingress-gateway-1", "-gateway", "ingress"), Map.of(),
                doc -> {
                    assertEquals(socket("127.0.0.1", 8443), readyListener(doc));
                    assertEquals("ingress-gateway", doc.getJsonObject("node").getString("cluster"));
                    assertEquals("self_admin", BootstrapDocs.clusters(doc).getJsonObject(1).getString("name"));
                    Bootstrap b = EnvoyProtos.parse(doc.encode());
                    assertEquals(8443, b.getStaticResources().getListeners(0).getAddress().getSocketAddress()
                            .getPortValue());
                });
    }

    @Test
    void ingressGatewayWithAddress(Vertx vertx, VertxTestContext ctx) {
        agent.putService(ingress("ingress-gateway"));
        expect(vertx, ctx, Harness.args(agent, "-gateway", "ingress", "-address", "1.2.3.4:7777"), Map.of(),
                doc -> {
                    assertEquals(socket("1.2.3.4", 7777), readyListener(doc));
                    assertEquals("ingress-gateway", doc.getJsonObject("node").getString("id"));
                });
    }

    @Test
    void ingressGatewayRegisters(Vertx vertx, VertxTestContext ctx) {
        expect(vertx, ctx, Harness.args(agent, "-gateway", "ingress", "-register", "-service", "my-ingress",
                "-address", "127.0.0.1:8444"), Map.of(), doc -> {
            assertEquals(1, agent.registrations().size());
            JsonObject reg = agent.registrations().get(0);
            assertEquals("ingress-gateway", reg.getString("Kind"));
            assertEquals("my-ingress", reg.getString("ID"));
            assertEquals(8444, reg.getInteger("Port"));
            assertEquals("127.0.0.1:8444", reg.getJsonObject("Check").getString("TCP"));
            assertEquals("my-ingress", doc.getJsonObject("node").getString("id"));
            assertEquals(socket("127.0.0.1", 8444), readyListener(doc));
        });
    }

    @Test
    void meshGatewayRegistersItsBindAddressesAndExposesTheServers(Vertx vertx, VertxTestContext ctx) {
        // consul connect envoy 1.10: -bind-address replaces the default binding rules in the registration's
        // Proxy.Config, -expose-servers adds the WAN federation meta key; a non-local -address is then no error
        expect(vertx, ctx, Harness.args(agent, "-gateway", "mesh", "-register", "-expose-servers",
                "-address", "203.0.113.7:443", "-bind-address", "lan=127.0.0.1:8443",
                "-bind-address", "wan=127.0.0.2:9443"), Map.of(), doc -> {
            assertEquals(1, agent.registrations().size(), agent.registrations()::toString);
            JsonObject reg = agent.registrations().get(0);
            assertEquals("mesh-gateway", reg.getString("Kind"), reg::encode);
            assertEquals(new JsonObject().put("consul-wan-federation", "1"), reg.getJsonObject("Meta"), reg::encode);
            assertEquals(new JsonObject().put("envoy_gateway_no_default_bind", true)
                    .put("envoy_gateway_bind_addresses", new JsonObject()
                            .put("lan", new JsonObject().put("Address", "127.0.0.1").put("Port", 8443))
                            .put("wan", new JsonObject().put("Address", "127.0.0.2").put("Port", 9443))),
                    reg.getJsonObject("Proxy").getJsonObject("Config"), reg::encode);
        });
    }

    @Test
    void meshGatewayWithoutExposeServersHasNoMeta(Vertx vertx, VertxTestContext ctx) {
        expect(vertx, ctx, Harness.args(agent, "-gateway", "mesh", "-register"), Map.of(), doc -> {
            JsonObject reg = agent.registrations().get(0);
            assertEquals(null, reg.getValue("Meta"), reg::encode);
        });
    }

    @Test
    void exposeServersNeedsARegisteredMeshGateway(Vertx vertx, VertxTestContext ctx) {
        expectError(vertx, ctx, Harness.args(agent, "-gateway", "ingress", "-register", "-expose-servers"),
                Map.of(), "-expose-servers: can only be used for mesh gateways");
    }

    @Test
    void exposeServersNeedsRegister(Vertx vertx, VertxTestContext ctx) {
        expectError(vertx, ctx, Harness.args(agent, "-gateway", "mesh", "-expose-servers"), Map.of(),
                "-expose-servers: requires -register");
    }

    @Test
    void bindAddressNeedsAName(Vertx vertx, VertxTestContext ctx) {
        expectError(vertx, ctx, Harness.args(agent, "-gateway", "mesh", "-register", "-bind-address",
                "127.0.0.1:8443"), Map.of(), "-bind-address: must be name=addr:port", "127.0.0.1:8443");
    }

    @Test
    void onlyTheDefaultNamespaceIsAccepted(Vertx vertx, VertxTestContext ctx) {
        expectError(vertx, ctx, Harness.args(agent, "-proxy-id", "test-proxy", "-namespace", "team-a"), Map.of(),
                "-namespace: namespaces are a Consul Enterprise feature", "\"team-a\"");
    }

    @Test
    void theDefaultNamespaceChangesNothing(Vertx vertx, VertxTestContext ctx) {
        expect(vertx, ctx, Harness.args(agent, "-proxy-id", "test-proxy", "-namespace", "default"),
                Map.of("CONSUL_NAMESPACE", "default"), doc -> assertEquals(Harness.expected("defaults"), doc));
    }

    @Test
    void gatewayWithNonLocalAddressIsRefused(Vertx vertx, VertxTestContext ctx) {
        expectError(vertx, ctx, Harness.args(agent, "-gateway", "mesh", "-register", "-address", "203.0.113.7:443"),
                Map.of(), "-address", "203.0.113.7", "not bindable");
    }

    @Test
    void registerWithoutGatewayIsRefused(Vertx vertx, VertxTestContext ctx) {
        expectError(vertx, ctx, Harness.args(agent, "-proxy-id", "test-proxy", "-register"), Map.of(),
                "-register", "only be used for gateways");
    }

    @Test
    void badProxyConfigNamesTheKey(Vertx vertx, VertxTestContext ctx) {
        agent.putService(Harness.sidecar("test-proxy", "test-proxy",
                new JsonObject().put("envoy_extra_static_clusters_json", "{not json")));
        expectError(vertx, ctx, Harness.args(agent, "-proxy-id", "test-proxy"), Map.of(),
                "envoy_extra_static_clusters_json");
    }

    @Test
    void unknownFlagIsAUsageError(Vertx vertx, VertxTestContext ctx) {
        Harness.run(vertx, List.of("-no-such-flag"), Map.of()).onComplete(ctx.failing(e -> ctx.verify(() -> {
            assertInstanceOf(io.connectproxy.config.ConfigException.class, e);
            assertTrue(e.getMessage().contains("-no-such-flag"), () -> String.valueOf(e.getMessage()));
            ctx.completeNow();
        })));
    }

    private static String read(String path) {
        try {
            return Files.readString(Path.of(path));
        } catch (java.io.IOException e) {
            throw new java.io.UncheckedIOException(e);
        }
    }
}
