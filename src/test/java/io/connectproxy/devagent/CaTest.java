package io.connectproxy.devagent;

import io.vertx.core.Vertx;
import io.vertx.core.buffer.Buffer;
import io.vertx.core.http.ClientAuth;
import io.vertx.core.json.JsonArray;
import io.vertx.core.json.JsonObject;
import io.vertx.core.net.NetClient;
import io.vertx.core.net.NetClientOptions;
import io.vertx.core.net.NetServer;
import io.vertx.core.net.NetServerOptions;
import io.vertx.core.net.PemKeyCertOptions;
import io.vertx.core.net.PemTrustOptions;
import io.vertx.junit5.Timeout;
import io.vertx.junit5.VertxExtension;
import io.vertx.junit5.VertxTestContext;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.extension.ExtendWith;

import java.io.ByteArrayInputStream;
import java.nio.charset.StandardCharsets;
import java.security.MessageDigest;
import java.security.cert.CertificateFactory;
import java.security.cert.X509Certificate;
import java.time.Duration;
import java.time.Instant;
import java.util.ArrayList;
import java.util.Collection;
import java.util.HexFormat;
import java.util.List;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.TimeUnit;

import static io.connectproxy.devagent.AgentHttp.await;
import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertNotEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

/** The dev CA: Consul-shaped roots and leaves that chain, serve real TLS, renew and rotate. */
@ExtendWith(VertxExtension.class)
@Timeout(value = 30, timeUnit = TimeUnit.SECONDS)
class CaTest {

    private Vertx vertx;
    private DevAgent agent;
    private AgentHttp http;

    @BeforeEach
    void start(Vertx vertx) {
        this.vertx = vertx;
        startAgent(DevAgentOptions.defaults());
    }

    private void startAgent(DevAgentOptions options) {
        if (agent != null) {
            await(agent.close());
        }
        agent = await(DevAgent.start(vertx, options));
        http = new AgentHttp(agent);
    }

    @AfterEach
    void stop() {
        await(agent.close());
    }

    @Test
    void leafChainsToTheRootWithConsulsExtensions() throws Exception {
        JsonObject roots = http.get("/v1/agent/connect/ca/roots").json();
        JsonObject rootJson = roots.getJsonArray("Roots").getJsonObject(0);
        X509Certificate root = certificates(rootJson.getString("RootCert")).get(0);
        JsonObject leafJson = http.get("/v1/agent/connect/ca/leaf/web").json();
        X509Certificate leaf = certificates(leafJson.getString("CertPEM")).get(0);

        leaf.verify(root.getPublicKey());
        root.verify(root.getPublicKey());
        assertEquals(agent.trustDomain(), roots.getString("TrustDomain"));
        assertEquals(rootJson.getString("ID"), roots.getString("ActiveRootID"));
        assertEquals(CaCrypto.colonHex(MessageDigest.getInstance("SHA-1").digest(root.getEncoded())),
            rootJson.getString("ID"));
        assertEquals(List.of("spiffe://" + agent.trustDomain()), uriSans(root));
        assertTrue(root.getBasicConstraints() >= 0, "root is a CA");
        assertTrue(root.getSubjectX500Principal().getName()
            .matches("CN=pri-[a-z0-9]{8}\\.consul\\.ca\\.[0-9a-f]{8}\\.consul"), root.getSubjectX500Principal().getName());

        String uri = "spiffe://" + agent.trustDomain() + "/ns/default/dc/dc1/svc/web";
        assertEquals(uri, leafJson.getString("ServiceURI"));
        assertEquals(List.of(uri), uriSans(leaf));
        assertEquals(List.of("1.3.6.1.5.5.7.3.2", "1.3.6.1.5.5.7.3.1"), leaf.getExtendedKeyUsage());
        assertEquals(-1, leaf.getBasicConstraints(), "leaf is not a CA");
        assertEquals("CN=web.svc.default." + agent.trustDomain().substring(0, 8) + ".consul",
            leaf.getSubjectX500Principal().getName());
        assertEquals(CaCrypto.colonHex(CaCrypto.serialBytes(leaf.getSerialNumber())), leafJson.getString("SerialNumber"));
        assertEquals(Instant.parse(leafJson.getString("ValidBefore")), leaf.getNotAfter().toInstant());
        assertEquals(Duration.ofHours(72), Duration.between(Instant.parse(leafJson.getString("ValidAfter")),
            Instant.parse(leafJson.getString("ValidBefore"))));
        // AKI of the leaf names the root's SKI, which is SHA-256 of the root's public key
        byte[] rootSki = MessageDigest.getInstance("SHA-256").digest(root.getPublicKey().getEncoded());
        assertEquals(CaCrypto.colonHex(rootSki), rootJson.getString("SigningKeyID"));
        byte[] aki = leaf.getExtensionValue("2.5.29.35");
        byte[] akiTail = java.util.Arrays.copyOfRange(aki, aki.length - 32, aki.length);
        assertArrayEquals(rootSki, akiTail);
        assertTrue(leafJson.getString("PrivateKeyPEM").startsWith("-----BEGIN EC PRIVATE KEY-----\n"),
                () -> String.valueOf(leafJson.getString("PrivateKeyPEM")));
        // same leaf until it is renewed
        assertEquals(leafJson.getString("SerialNumber"),
            http.get("/v1/agent/connect/ca/leaf/web").json().getString("SerialNumber"));
    }

    @Test
    void leafKeyAndChainServeMutualTlsInVertx(VertxTestContext ctx) {
        JsonObject server = http.get("/v1/agent/connect/ca/leaf/pong").json();
        JsonObject client = http.get("/v1/agent/connect/ca/leaf/web").json();
        String rootPem = agent.ca().activeRootPem();
        NetServer netServer = vertx.createNetServer(new NetServerOptions().setSsl(true)
            .setClientAuth(ClientAuth.REQUIRED)
            .setKeyCertOptions(new PemKeyCertOptions()
                .addCertValue(Buffer.buffer(server.getString("CertPEM")))
                .addKeyValue(Buffer.buffer(server.getString("PrivateKeyPEM"))))
            .setTrustOptions(new PemTrustOptions().addCertValue(Buffer.buffer(rootPem))));
        netServer.exceptionHandler(ctx::failNow);
        netServer.connectHandler(socket -> {
            socket.exceptionHandler(ctx::failNow);
            socket.handler(socket::write);
        });
        // keep a strong reference: Vert.x 5 closes a NetClient that becomes unreachable (CleanableNetClient)
        NetClient netClient = vertx.createNetClient(new NetClientOptions().setSsl(true)
            .setHostnameVerificationAlgorithm("")
            .setKeyCertOptions(new PemKeyCertOptions()
                .addCertValue(Buffer.buffer(client.getString("CertPEM")))
                .addKeyValue(Buffer.buffer(client.getString("PrivateKeyPEM"))))
            .setTrustOptions(new PemTrustOptions().addCertValue(Buffer.buffer(rootPem))));
        netServer.listen(0, "127.0.0.1")
            .compose(s -> netClient.connect(s.actualPort(), "127.0.0.1"))
            .onComplete(ctx.succeeding(socket -> {
                socket.exceptionHandler(ctx::failNow);
                socket.handler(echoed -> ctx.verify(() -> {
                    assertEquals("hello mesh", echoed.toString());
                    X509Certificate peer = (X509Certificate) socket.sslSession().getPeerCertificates()[0];
                    assertEquals(List.of(server.getString("ServiceURI")), uriSans(peer));
                    netClient.close().onComplete(v -> netServer.close()).onComplete(v -> ctx.completeNow());
                }));
                socket.write("hello mesh");
            }));
    }

    @Test
    void leafIsRenewedBeforeExpiryAndBlockingWatchersSeeIt() throws Exception {
        startAgent(DevAgentOptions.defaults().withLeafTtl(Duration.ofSeconds(2)));
        AgentHttp.Answer first = http.get("/v1/agent/connect/ca/leaf/web");
        String serial = first.json().getString("SerialNumber");
        long started = System.nanoTime();
        AgentHttp.Answer renewed = http.getAsync("/v1/agent/connect/ca/leaf/web?index=" + first.index() + "&wait=10s")
            .get(10, TimeUnit.SECONDS);
        long elapsedMs = TimeUnit.NANOSECONDS.toMillis(System.nanoTime() - started);
        assertNotEquals(serial, renewed.json().getString("SerialNumber"));
        assertTrue(renewed.index() > first.index(),
                () -> "renewed.index() = " + renewed.index() + ", " + "first.index() = " + first.index());
        assertEquals(renewed.index(), renewed.json().getLong("ModifyIndex"));
        assertTrue(elapsedMs < 2000, "renewed after " + elapsedMs + " ms, past 90% of a 2 s lifetime");
        assertTrue(Instant.parse(renewed.json().getString("ValidBefore")).isAfter(Instant.now()),
                () -> String.valueOf(Instant.parse(renewed.json().getString("ValidBefore"))));
    }

    @Test
    void rotationKeepsTheOldRootListedAndReissuesLeavesFromTheNewOne() throws Exception {
        JsonObject before = http.get("/v1/agent/connect/ca/roots").json();
        X509Certificate oldRoot = certificates(before.getJsonArray("Roots").getJsonObject(0).getString("RootCert")).get(0);
        AgentHttp.Answer oldLeaf = http.get("/v1/agent/connect/ca/leaf/web");
        long rootsIndex = http.get("/v1/agent/connect/ca/roots").index();

        CompletableFuture<AgentHttp.Answer> leafWatch =
            http.getAsync("/v1/agent/connect/ca/leaf/web?index=" + oldLeaf.index() + "&wait=10s");
        CompletableFuture<AgentHttp.Answer> rootsWatch =
            http.getAsync("/v1/agent/connect/ca/roots?index=" + rootsIndex + "&wait=10s");
        Thread.sleep(200);
        assertFalse(leafWatch.isDone());
        http.putOk("/v1/connect/ca/configuration", new JsonObject().put("Provider", "consul")
            .put("Config", new JsonObject().put("LeafCertTTL", "24h")));

        JsonObject after = rootsWatch.get(5, TimeUnit.SECONDS).json();
        JsonArray roots = after.getJsonArray("Roots");
        assertEquals(2, roots.size());
        assertNotEquals(before.getString("ActiveRootID"), after.getString("ActiveRootID"));
        JsonObject active = roots.getJsonObject(0);
        JsonObject retired = roots.getJsonObject(1);
        assertTrue(active.getBoolean("Active"), () -> String.valueOf(active));
        assertFalse(retired.getBoolean("Active"));
        assertEquals(before.getString("ActiveRootID"), retired.getString("ID"));
        X509Certificate newRoot = certificates(active.getString("RootCert")).get(0);

        AgentHttp.Answer newLeaf = leafWatch.get(5, TimeUnit.SECONDS);
        List<X509Certificate> chain = certificates(newLeaf.json().getString("CertPEM"));
        chain.get(0).verify(newRoot.getPublicKey());
        assertNotEquals(oldLeaf.json().getString("SerialNumber"), newLeaf.json().getString("SerialNumber"));
        assertEquals(Duration.ofHours(24), Duration.between(Instant.parse(newLeaf.json().getString("ValidAfter")),
            Instant.parse(newLeaf.json().getString("ValidBefore"))));
        // Consul appends the new root cross-signed by the old key, so peers still on the old root can verify
        assertEquals(2, chain.size());
        chain.get(1).verify(oldRoot.getPublicKey());
        assertEquals(newRoot.getSubjectX500Principal(), chain.get(1).getSubjectX500Principal());
        assertEquals(active.getJsonArray("IntermediateCerts").getString(0).strip(),
            CaCrypto.certificatePem(chain.get(1)).strip());

        JsonObject config = http.get("/v1/connect/ca/configuration").json();
        assertEquals("24h0m0s", config.getJsonObject("Config").getString("LeafCertTTL"));
        assertEquals(after, http.get("/v1/connect/ca/roots").json());
    }

    @Test
    void issuesLeavesForNonServiceIdentities() throws Exception {
        String uri = "spiffe://" + agent.trustDomain() + "/agent/client/dc/dc1/id/node-1";
        DevCa.IssuedLeaf leaf = agent.ca().issueLeaf(uri, "node-1.agnt.dc1.consul", Duration.ofMinutes(5));
        X509Certificate cert = certificates(leaf.certPem()).get(0);
        cert.verify(certificates(agent.ca().activeRootPem()).get(0).getPublicKey());
        assertEquals(List.of(uri), uriSans(cert));
        assertEquals(leaf.validBefore(), cert.getNotAfter().toInstant());
        assertEquals(CaCrypto.colonHex(CaCrypto.serialBytes(cert.getSerialNumber())), leaf.serialHex());
    }

    @Test
    void reconfigurationWithAnotherProviderIsRejected() {
        AgentHttp.Answer answer = http.put("/v1/connect/ca/configuration",
            new JsonObject().put("Provider", "vault").put("Config", new JsonObject()));
        assertEquals(400, answer.status());
        assertEquals(1, http.get("/v1/agent/connect/ca/roots").json().getJsonArray("Roots").size());
    }

    static List<X509Certificate> certificates(String pem) throws Exception {
        Collection<? extends java.security.cert.Certificate> parsed = CertificateFactory.getInstance("X.509")
            .generateCertificates(new ByteArrayInputStream(pem.getBytes(StandardCharsets.US_ASCII)));
        List<X509Certificate> out = new ArrayList<>();
        parsed.forEach(c -> out.add((X509Certificate) c));
        return out;
    }

    static List<String> uriSans(X509Certificate certificate) throws Exception {
        List<String> out = new ArrayList<>();
        for (List<?> san : certificate.getSubjectAlternativeNames()) {
            if (((Integer) san.get(0)) == 6) {
                out.add((String) san.get(1));
            }
        }
        return out;
    }

    @SuppressWarnings("unused")
    private static String hex(byte[] bytes) {
        return HexFormat.of().formatHex(bytes);
    }
}
