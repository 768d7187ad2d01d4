package io.connectproxy.cli;

import io.connectproxy.testsupport.FatJarProcess;
import io.connectproxy.testsupport.TestMesh;
import io.vertx.core.json.JsonObject;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.Timeout;

import java.net.URI;
import java.net.http.HttpClient;
import java.net.http.HttpRequest;
import java.net.http.HttpResponse;
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
    @Timeout(value = 60, unit = TimeUnit.SECONDS)
    void badFlagExitsTwoWithTheFlagNamed() throws Exception {
        try (FatJarProcess dev = FatJarProcess.start(List.of("dev", "-leaf-ttl", "soon"), Map.of())) {
            assertEquals(2, dev.awaitExit(Duration.ofSeconds(30)));
            assertTrue(dev.stderr().contains("-leaf-ttl: invalid duration \"soon\""), dev.output());
            assertFalse(dev.stderr().contains("Exception"), dev.output());
        }
    }
}
