package io.connectproxy.devagent;

import io.vertx.core.Vertx;
import io.vertx.core.json.JsonArray;
import io.vertx.core.json.JsonObject;
import io.vertx.junit5.Timeout;
import io.vertx.junit5.VertxExtension;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.extension.ExtendWith;
import org.junit.jupiter.api.io.TempDir;

import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.attribute.PosixFilePermissions;
import java.security.cert.X509Certificate;
import java.util.List;
import java.util.concurrent.TimeUnit;

import static io.connectproxy.devagent.AgentHttp.await;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertNotEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

/**
 * A dev agent with a data directory, stopped and started again as a new agent on the same directory (what a
 * process restart does), keeps what a non-dev Consul agent keeps: the CA (same roots, keys and trust domain, also
 * after a rotation), the intentions, the services registered over HTTP, and indexes that do not go backwards.
 */
@ExtendWith(VertxExtension.class)
@Timeout(value = 30, timeUnit = TimeUnit.SECONDS)
class DataDirTest {

    @Test
    void aNewAgentOnTheSameDataDirKeepsCaIntentionsServicesAndIndexes(Vertx vertx, @TempDir Path tmp) throws Exception {
        Path dataDir = tmp.resolve("data");
        DevAgentOptions options = DevAgentOptions.defaults().withDataDir(dataDir);
        DevAgent first = await(DevAgent.start(vertx, options));
        AgentHttp http = new AgentHttp(first);
        JsonObject app = Scenario.service("app", 9000, null).put("Address", "10.77.0.2");
        app.getJsonObject("Connect").getJsonObject("SidecarService").put("Address", "10.77.0.2");
        http.putOk("/v1/agent/service/register", app);
        http.putOk("/v1/connect/intentions/exact?source=web&destination=app",
            new JsonObject().put("Action", "deny"));
        http.putOk("/v1/connect/ca/configuration", new JsonObject().put("Provider", "consul")
            .put("Config", new JsonObject().put("LeafCertTTL", "24h")));
        JsonObject rootsBefore = http.get("/v1/agent/connect/ca/roots").json();
        AgentHttp.Answer healthBefore = http.get("/v1/health/connect/app");
        long indexBefore = http.get("/v1/connect/intentions").index();
        await(first.close());

        Path file = dataDir.resolve(StateFile.FILE_NAME);
        assertEquals("rw-------", PosixFilePermissions.toString(Files.getPosixFilePermissions(file)),
            "the state file holds the CA keys");

        DevAgent second = await(DevAgent.start(vertx, options));
        try {
            http = new AgentHttp(second);
            JsonObject rootsAfter = http.get("/v1/agent/connect/ca/roots").json();
            assertEquals(rootsBefore, rootsAfter, "roots (both, after the rotation) across the restart");
            assertEquals(2, rootsAfter.getJsonArray("Roots").size(), "active and retired root");
            // the restored signing key still signs: a new leaf chains to the saved active root
            JsonObject leaf = http.get("/v1/agent/connect/ca/leaf/web").json();
            X509Certificate root = CaTest.certificates(rootsAfter.getJsonArray("Roots").getJsonObject(0)
                .getString("RootCert")).get(0);
            CaTest.certificates(leaf.getString("CertPEM")).get(0).verify(root.getPublicKey());
            assertTrue(leaf.getString("ServiceURI").startsWith("spiffe://" + rootsBefore.getString("TrustDomain")),
                "leaf in the saved trust domain: " + leaf.getString("ServiceURI"));

            JsonObject authorize = http.post("/v1/agent/connect/authorize", new JsonObject().put("Target", "app")
                .put("ClientCertURI", "spiffe://" + second.trustDomain() + "/ns/default/dc/dc1/svc/web")).json();
            assertFalse(authorize.getBoolean("Authorized"), "saved deny intention applies: " + authorize);
            assertTrue(http.get("/v1/connect/intentions").index() >= indexBefore,
                "intentions index does not go backwards");

            AgentHttp.Answer healthAfter = http.get("/v1/health/connect/app");
            JsonArray entries = healthAfter.jsonArray();
            assertEquals(1, entries.size(), "app's sidecar registered over HTTP is back: " + healthAfter.body());
            assertEquals("10.77.0.2", entries.getJsonObject(0).getJsonObject("Service").getString("Address"),
                "the sidecar keeps the registered address");
            assertTrue(healthAfter.index() >= healthBefore.index(), "health index " + healthBefore.index() + " -> "
                + healthAfter.index());
            assertEquals("24h0m0s", http.get("/v1/connect/ca/configuration").json().getJsonObject("Config")
                .getString("LeafCertTTL"), "CA configuration across the restart");

            // a deregistration is remembered too
            http.putOk("/v1/agent/service/deregister/app", null);
        } finally {
            await(second.close());
        }
        DevAgent third = await(DevAgent.start(vertx, options));
        try {
            assertEquals(List.of(), third.serviceIds(), "deregistered services stay gone");
        } finally {
            await(third.close());
        }
    }

    @Test
    void withoutADataDirARestartedProcessHasANewCa(Vertx vertx, @TempDir Path tmp) {
        DevAgent first = await(DevAgent.start(vertx, DevAgentOptions.defaults()));
        String before = first.trustDomain();
        await(first.close());
        DevAgent second = await(DevAgent.start(vertx, DevAgentOptions.defaults()));
        try {
            assertNotEquals(before, second.trustDomain(), "an agent without a data dir starts a new CA");
        } finally {
            await(second.close());
        }
        try (var files = Files.list(tmp)) {
            assertEquals(0, files.count(), "nothing written without a data dir");
        } catch (java.io.IOException e) {
            throw new java.io.UncheckedIOException(e);
        }
    }

    @Test
    void aStateFileThatIsNotOneIsAnErrorNamingTheFile(Vertx vertx, @TempDir Path tmp) throws Exception {
        Files.writeString(tmp.resolve(StateFile.FILE_NAME), "not json");
        Throwable failure = awaitFailure(DevAgent.start(vertx, DevAgentOptions.defaults().withDataDir(tmp)));
        assertTrue(failure != null && failure.getMessage().contains("data_dir") && failure.getMessage()
            .contains(StateFile.FILE_NAME), "error: " + failure);
    }

    @Test
    void theDevModeConfigTakesDataDirAndNamesItInErrors() {
        assertEquals(Path.of("/var/lib/dev-agent"), DevAgentOptions.fromJson(new JsonObject()
            .put("data_dir", "/var/lib/dev-agent")).dataDir(), "data_dir");
        assertEquals(null, DevAgentOptions.fromJson(new JsonObject()).dataDir(), "no data_dir: in memory only");
        io.connectproxy.config.ConfigException bad = org.junit.jupiter.api.Assertions.assertThrows(
            io.connectproxy.config.ConfigException.class, () -> DevAgentOptions.fromJson(new JsonObject()
                .put("data_dir", 7)));
        assertEquals("data_dir", bad.field(), "error names the field: " + bad.getMessage());
    }

    private static Throwable awaitFailure(io.vertx.core.Future<?> future) throws Exception {
        return future.toCompletionStage().toCompletableFuture().handle((v, e) -> e).get(10, TimeUnit.SECONDS);
    }
}
