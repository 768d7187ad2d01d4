package io.connectproxy.mesh;

import io.connectproxy.testsupport.Await;

import io.connectproxy.testsupport.Wire;
import io.connectproxy.testsupport.MeshTestBase;
import io.connectproxy.runtime.ProxyRuntime;
import io.connectproxy.testsupport.EchoServer;
import io.connectproxy.testsupport.TestMesh;
import io.connectproxy.devagent.DevAgentOptions;
import io.vertx.core.json.JsonArray;
import io.vertx.core.net.NetServer;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.Timeout;

import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.concurrent.TimeUnit;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

/**
 * Acceptance 2 and 3 of issue 4: several healthy instances of {@code echo} behind real sidecars, web's upstream
 * listener spreading connections over them, retrying past a dead one, and dropping an instance whose health check
 * fails.
 */
class BalancingAndFailoverTest extends MeshTestBase {
    private static final String ECHO_KEY = "service/default/echo";


    /**
     * Registers echo-1..n, each with its app and its check echo-i-ttl; starts the sidecars of the first `live`.
     * The others are instances that died after their last passing "Connect Sidecar Listening" check: their port
     * listened when the agent checked it, and is closed now.
     */
    private List<EchoServer> echoInstances(int n, int live) {
        List<EchoServer> apps = new ArrayList<>();
        List<Integer> sidecarPorts = new ArrayList<>();
        for (int i = 1; i <= n; i++) {
            EchoServer app = TestMesh.await(EchoServer.start(vertx));
            apps.add(app);
            int sidecarPort = TestMesh.freePort();
            sidecarPorts.add(sidecarPort);
            mesh.register(Wire.service("echo-" + i, "echo", app.port(), sidecarPort, "echo-" + i + "-ttl",
                    new JsonArray()));
        }
        for (int i = 1; i <= live; i++) {
            mesh.startSidecar("echo-" + i);
        }
        for (int i = live + 1; i <= n; i++) {
            NetServer diedSince = TestMesh.await(vertx.createNetServer().connectHandler(so -> { })
                    .listen(sidecarPorts.get(i - 1), "127.0.0.1"));
            TestMesh.await(mesh.agent().runChecks());
            TestMesh.await(diedSince.close());
        }
        return apps;
    }

    /** The agent's TCP checks do not run again during the test: a dead instance stays listed until its TTL fails. */
    private void checksOnlyWhenAsked() {
        mesh.close();
        mesh = TestMesh.start(vertx, DevAgentOptions.defaults().withSidecarCheckInterval(Duration.ofMinutes(10)));
    }

    private ProxyRuntime web(int upstreamPort) {
        mesh.register(Wire.service("web", "web", TestMesh.freePort(), TestMesh.freePort(), null,
                new JsonArray().add(Wire.upstream("echo", upstreamPort))));
        return mesh.startSidecar("web");
    }

    @Test
    @Timeout(value = 60, unit = TimeUnit.SECONDS)
    void threeHundredConnectionsSpreadOverThreeInstances() throws Exception {
        List<EchoServer> apps = echoInstances(3, 3);
        int port = TestMesh.freePort();
        ProxyRuntime web = web(port);
        Await.until(Duration.ofSeconds(5), "web sees 3 echo endpoints", () -> web.upstreamEndpoints(ECHO_KEY) == 3);

        for (int i = 0; i < 300; i++) {
            assertEquals("ping " + i, Wire.exchangeOnce(port, "ping " + i), "connection " + i);
        }

        List<Integer> perInstance = apps.stream().map(EchoServer::accepted).toList();
        assertEquals(300, perInstance.stream().mapToInt(Integer::intValue).sum(), "per instance " + perInstance);
        // each listener instance (one per event loop) keeps its own ring, so exact thirds are not guaranteed;
        // round-robin still gives every instance close to a third
        for (int count : perInstance) {
            assertTrue(count >= 80 && count <= 120, "unfair spread " + perInstance);
        }
        assertEquals(0.0, web.metrics().count("upstream_dial_retries_total", "destination", "echo"));
    }

    @Test
    @Timeout(value = 60, unit = TimeUnit.SECONDS)
    void deadInstanceIsRetriedPastThenDroppedWhenItsCheckFails() throws Exception {
        checksOnlyWhenAsked();
        List<EchoServer> apps = echoInstances(3, 2); // echo-3 is registered but nothing listens on its port
        int port = TestMesh.freePort();
        ProxyRuntime web = web(port);
        Await.until(Duration.ofSeconds(5), "web sees 3 echo endpoints", () -> web.upstreamEndpoints(ECHO_KEY) == 3);

        for (int i = 0; i < 60; i++) {
            assertEquals("try " + i, Wire.exchangeOnce(port, "try " + i), "connection " + i);
        }
        double retries = web.metrics().count("upstream_dial_retries_total", "destination", "echo");
        assertTrue(retries >= 15, "the dead instance was tried and skipped: retries " + retries);
        assertEquals(60, apps.get(0).accepted() + apps.get(1).accepted());

        long failedAt = System.nanoTime();
        Wire.agent(mesh.agent().httpAddr(), "PUT", "/v1/agent/check/fail/echo-3-ttl", null);
        Await.until(Duration.ofSeconds(1), "echo-3 dropped within 1 s of its check failing",
                () -> web.upstreamEndpoints(ECHO_KEY) == 2);
        long ms = (System.nanoTime() - failedAt) / 1_000_000L;
        assertTrue(ms <= 1000, "took " + ms + " ms");

        for (int i = 0; i < 30; i++) {
            assertEquals("after " + i, Wire.exchangeOnce(port, "after " + i));
        }
        assertEquals(retries, web.metrics().count("upstream_dial_retries_total", "destination", "echo"),
                "no more dials to the removed instance");
        System.out.println("[figures] failed check -> endpoint removed in " + ms + " ms");
    }
}
