package io.connectproxy.cli;

import io.connectproxy.testsupport.Await;

import io.connectproxy.testsupport.MeshTestBase;
import io.connectproxy.testsupport.Http;
import io.connectproxy.testsupport.EchoServer;
import io.connectproxy.testsupport.FatJarProcess;
import io.connectproxy.testsupport.TestMesh;
import io.vertx.core.json.JsonObject;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.Timeout;

import java.time.Duration;
import java.util.List;
import java.util.Map;
import java.util.concurrent.TimeUnit;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

/**
 * {@code -register} on the real jar against the dev agent: registered (the id built from {@code -register-id} as a
 * suffix, as Consul does), check passing once ready, gone on exit.
 */
class RegisterE2eTest extends MeshTestBase {
    private FatJarProcess proxy;

    @AfterEach
    void stopOwnParts() throws Exception {
        if (proxy != null) {
            proxy.close();
        }
    }

    private Http.Response agent(String path) {
        return Http.send("GET", "http://" + mesh.agent().httpAddr() + path, null);
    }

    private String checkStatus() {
        JsonObject check = new JsonObject(agent("/v1/agent/checks").body()).getJsonObject("web-proxy-edge-ttl");
        return check == null ? "missing" : check.getString("Status");
    }

    @Test
    @Timeout(value = 60, unit = TimeUnit.SECONDS)
    void registersPassesWhileReadyAndDeregistersOnExit() throws Exception {
        EchoServer app = TestMesh.await(EchoServer.start(vertx));
        int listen = TestMesh.freePort();
        proxy = FatJarProcess.start(List.of("-service", "web", "-listen", "127.0.0.1:" + listen,
                "-service-addr", "127.0.0.1:" + app.port(), "-upstream", "db:" + TestMesh.freePort(),
                "-register", "-register-id", "edge", "-http-addr", mesh.agent().httpAddr(),
                "-admin-bind", "off"), Map.of());
        proxy.awaitLine(l -> l.contains("registered as web-proxy-edge"), Duration.ofSeconds(30));

        JsonObject service = new JsonObject(agent("/v1/agent/service/web-proxy-edge").body());
        assertEquals("connect-proxy", service.getString("Kind"));
        assertEquals(listen, service.getInteger("Port"));
        assertEquals("web", service.getJsonObject("Proxy").getString("DestinationServiceName"));
        assertEquals(app.port(), service.getJsonObject("Proxy").getInteger("LocalServicePort"));

        proxy.awaitLine(l -> l.contains("ready: web"), Duration.ofSeconds(30));
        Await.until(Duration.ofSeconds(10), "the TTL check never passed", () -> checkStatus().equals("passing"));
        // the proxy is a healthy connect endpoint of web now
        assertTrue(agent("/v1/health/connect/web?passing=1").body().contains("web-proxy-edge"),
                () -> String.valueOf(agent("/v1/health/connect/web?passing=1").body()));

        DrainE2eTest.sigterm(proxy.process());
        assertEquals(0, proxy.awaitExit(Duration.ofSeconds(20)), proxy.output());
        assertEquals(404, agent("/v1/agent/service/web-proxy-edge").status(), proxy.output());
        assertTrue(proxy.output().contains("deregistered web-proxy-edge"), proxy.output());
    }

    @Test
    @Timeout(value = 30, unit = TimeUnit.SECONDS)
    void registerWithoutAPublicListenerIsAUsageError() throws Exception {
        proxy = FatJarProcess.start(List.of("-sidecar-for", "web", "-register"), Map.of());
        assertEquals(2, proxy.awaitExit(Duration.ofSeconds(20)));
        assertTrue(proxy.stderr().startsWith("-register: needs -service with -listen"), proxy.output());
    }
}
