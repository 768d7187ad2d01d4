package io.connectproxy.mesh;

import io.connectproxy.testsupport.Wire;
import io.connectproxy.testsupport.EchoServer;
import io.connectproxy.testsupport.FatJarProcess;
import io.connectproxy.testsupport.ProcessMeshTestBase;
import io.connectproxy.testsupport.TestMesh;
import io.vertx.core.Vertx;
import io.vertx.core.json.JsonArray;
import io.vertx.core.json.JsonObject;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.Timeout;

import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.util.concurrent.TimeUnit;

import static org.junit.jupiter.api.Assertions.assertEquals;

/**
 * Acceptance 1 of issue 4 through separately started processes, as an operator would run them: the dev agent
 * ({@code dev -services}), echo's sidecar and web's sidecar ({@code -sidecar-for}), each its own fat-jar JVM;
 * the echo app is this test's.
 */
class MeshE2eTest extends ProcessMeshTestBase {

    @Test
    @Timeout(value = 90, unit = TimeUnit.SECONDS)
    void bytesRoundTripThroughSidecarProcessesStartedWithSidecarFor() throws Exception {
        vertx = Vertx.vertx();
        EchoServer echo = TestMesh.await(EchoServer.start(vertx));
        int upstreamPort = TestMesh.freePort();
        JsonObject loopback = new JsonObject().put("bind_address", "127.0.0.1");
        JsonArray services = new JsonArray()
                .add(new JsonObject().put("name", "echo").put("port", echo.port()).put("connect", new JsonObject()
                        .put("sidecar_service", new JsonObject().put("port", TestMesh.freePort())
                                .put("proxy", new JsonObject().put("config", loopback)))))
                .add(new JsonObject().put("name", "web").put("port", TestMesh.freePort()).put("connect",
                        new JsonObject().put("sidecar_service", new JsonObject().put("port", TestMesh.freePort())
                                .put("proxy", new JsonObject().put("config", loopback).put("upstreams",
                                        new JsonArray().add(Wire.upstream("echo", upstreamPort)))))));
        Path servicesFile = dir.resolve("services.json");
        Files.writeString(servicesFile, new JsonObject().put("services", services).encodePrettily());
        String agentAddr = "127.0.0.1:" + TestMesh.freePort();

        // each sidecar counts as passing once the agent's "Connect Sidecar Listening" check has seen its port
        // listen: every second here instead of Consul's 10 s, so the exchange below need not wait for it
        FatJarProcess agent = start("dev", "-http-addr", agentAddr, "-services", servicesFile.toString(),
                "-sidecar-check-interval", "1s");
        agent.awaitLine(l -> l.contains("dev agent serving"), Duration.ofSeconds(30));
        FatJarProcess echoSidecar = start("-sidecar-for", "echo", "-http-addr", agentAddr, "-admin-bind", "off");
        FatJarProcess webSidecar = start("-sidecar-for", "web", "-http-addr", agentAddr, "-admin-bind", "off");
        echoSidecar.awaitLine(l -> l.contains("ready: echo"), Duration.ofSeconds(30));
        webSidecar.awaitLine(l -> l.contains("ready: web"), Duration.ofSeconds(30));

        // until the agent's next check has seen echo's sidecar listen and web's discovery has the endpoint (1-2 s
        // on a quiet machine; a bound for a loaded 2-core CI box)
        assertEquals("across three processes", Wire.exchange(upstreamPort, "across three processes",
                Duration.ofSeconds(15)));
        for (int i = 0; i < 5; i++) {
            assertEquals("again " + i, Wire.exchangeOnce(upstreamPort, "again " + i));
        }
        assertEquals(6, echo.accepted());
    }
}
