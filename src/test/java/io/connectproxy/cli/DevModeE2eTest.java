package io.connectproxy.cli;

import io.connectproxy.testsupport.FatJarProcess;
import io.connectproxy.testsupport.TestMesh;
import io.vertx.core.json.JsonObject;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.Timeout;
import org.junit.jupiter.api.io.TempDir;

import java.net.URI;
import java.net.http.HttpClient;
import java.net.http.HttpRequest;
import java.net.http.HttpResponse;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.util.List;
import java.util.Map;
import java.util.concurrent.TimeUnit;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertTrue;

/** {@code java -jar proxy-fat.jar dev} as a process: the agent API answers like Consul. */
class DevModeE2eTest {

    @Test
    @Timeout(value = 60, unit = TimeUnit.SECONDS)
    void devAgentAnswersCaRoots() throws Exception {
        int port = TestMesh.freePort();
        try (FatJarProcess dev = FatJarProcess.start(List.of("dev", "-http-addr", "127.0.0.1:" + port), Map.of())) {
            dev.awaitLine(l -> l.contains("dev agent serving the Consul agent API"), Duration.ofSeconds(30));
            HttpResponse<String> r = HttpClient.newHttpClient().send(HttpRequest.newBuilder(
                    URI.create("http://127.0.0.1:" + port + "/v1/agent/connect/ca/roots")).build(),
                    HttpResponse.BodyHandlers.ofString());
            assertEquals(200, r.statusCode());
            assertTrue(r.headers().firstValue("X-Consul-Index").isPresent(),
                    () -> String.valueOf(r.headers().firstValue("X-Consul-Index")));
            JsonObject roots = new JsonObject(r.body());
            assertTrue(roots.getString("TrustDomain").endsWith(".consul"),
                    () -> String.valueOf(roots.getString("TrustDomain")));
            assertEquals(roots.getString("ActiveRootID"), roots.getJsonArray("Roots").getJsonObject(0).getString("ID"));
        }
    }

    @Test
    @Timeout(value = 90, unit = TimeUnit.SECONDS)
    void aKilledAgentStartedAgainOnItsDataDirKeepsItsCaAndIntentions(@TempDir Path tmp) throws Exception {
        int port = TestMesh.freePort();
        List<String> args = List.of("dev", "-http-addr", "127.0.0.1:" + port, "-data-dir", tmp.toString());
        HttpClient http = HttpClient.newHttpClient();
        String base = "http://127.0.0.1:" + port;
        String trustDomain;
        try (FatJarProcess dev = FatJarProcess.start(args, Map.of())) {
            dev.awaitLine(l -> l.contains("dev agent serving the Consul agent API"), Duration.ofSeconds(30));
            trustDomain = new JsonObject(http.send(HttpRequest.newBuilder(URI.create(base + "/v1/connect/ca/roots"))
                .build(), HttpResponse.BodyHandlers.ofString()).body()).getString("TrustDomain");
            HttpResponse<String> put = http.send(HttpRequest.newBuilder(URI.create(base
                    + "/v1/connect/intentions/exact?source=web&destination=db"))
                .PUT(HttpRequest.BodyPublishers.ofString("{\"Action\":\"deny\"}")).build(),
                HttpResponse.BodyHandlers.ofString());
            assertEquals(200, put.statusCode(), put.body());
            // written shortly after the change; SIGKILL gives the process no chance to write it on the way out
            Path state = tmp.resolve("dev-agent-state.json");
            io.connectproxy.testsupport.Await.until(Duration.ofSeconds(10), "the state file with the intention",
                () -> {
                    try {
                        return Files.exists(state) && Files.readString(state).contains("\"destination\" : \"db\"");
                    } catch (java.io.IOException e) {
                        return false;
                    }
                });
            dev.process().destroyForcibly().waitFor(10, TimeUnit.SECONDS);
        }
        try (FatJarProcess again = FatJarProcess.start(args, Map.of())) {
            again.awaitLine(l -> l.contains("dev agent serving the Consul agent API"), Duration.ofSeconds(30));
            JsonObject roots = new JsonObject(http.send(HttpRequest.newBuilder(URI.create(base
                + "/v1/connect/ca/roots")).build(), HttpResponse.BodyHandlers.ofString()).body());
            assertEquals(trustDomain, roots.getString("TrustDomain"), "trust domain after kill and start");
            String intentions = http.send(HttpRequest.newBuilder(URI.create(base + "/v1/connect/intentions")).build(),
                HttpResponse.BodyHandlers.ofString()).body();
            assertTrue(intentions.contains("\"DestinationName\":\"db\"") && intentions.contains("\"deny\""),
                "the deny intention after kill and start: " + intentions);
        }
    }

    @Test
    @Timeout(value = 60, unit = TimeUnit.SECONDS)
    void badFlagExitsTwoWithTheFlagNamed() throws Exception {
        try (FatJarProcess dev = FatJarProcess.start(List.of("dev", "-leaf-ttl", "soon"), Map.of())) {
            assertEquals(2, dev.awaitExit(Duration.ofSeconds(30)));
            assertTrue(dev.stderr().contains("-leaf-ttl: invalid duration \"soon\""), dev.output());
            assertFalse(dev.stderr().contains("Exception"), dev.output());
        }
    }
}
