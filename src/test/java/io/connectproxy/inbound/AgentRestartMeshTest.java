package io.connectproxy.inbound;

import io.connectproxy.testsupport.Await;

import io.connectproxy.runtime.ProxyRuntime;
import io.connectproxy.config.ConfigWatcherVerticle;
import io.connectproxy.config.LaunchConfigResolver;
import io.connectproxy.consul.Backoff;
import io.connectproxy.devagent.DevCa;
import io.connectproxy.testsupport.EchoServer;
import io.connectproxy.testsupport.MeshTestBase;
import io.connectproxy.testsupport.TestMesh;
import io.connectproxy.testsupport.Wire;
import io.vertx.core.json.JsonArray;
import io.vertx.core.json.JsonObject;
import org.junit.jupiter.api.Timeout;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.ValueSource;

import javax.net.ssl.SSLSocket;
import java.io.IOException;
import java.time.Duration;
import java.util.List;
import java.util.Map;
import java.util.concurrent.TimeUnit;
import java.util.logging.Logger;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertNotEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

/**
 * Two sidecars and an app; the agent restarts as a {@code -dev} agent does, without its state: a new CA and
 * trust domain behind the same port and the same small indexes. With the production blocking wait (5 minutes)
 * and backoff, a new connection through the mesh must work again within 10 s of the agent being back, and a peer
 * with a certificate from the new CA must be accepted. Before, the watches kept blocking on the old indexes and the
 * mesh stayed on the old CA (peers of the new CA refused as untrusted) until the wait ran out and beyond.
 */
class AgentRestartMeshTest extends MeshTestBase {
    private static final Logger LOG = Logger.getLogger(AgentRestartMeshTest.class.getName());
    /** What a real deployment runs with: 5-minute blocking queries, 1 s to 5 s backoff. */
    private static final ConfigWatcherVerticle.Timing PRODUCTION = new ConfigWatcherVerticle.Timing(
            Duration.ofMinutes(5), Backoff.DEFAULT, 1_000, Duration.ofSeconds(30));
    private static final Duration RECOVERY_LIMIT = Duration.ofSeconds(10);

    private ProxyRuntime sidecar(String serviceId) {
        return mesh.startRuntime(LaunchConfigResolver.resolve(Map.of("sidecar-for", serviceId,
                "http-addr", mesh.agent().httpAddr(), "admin-bind", "off"), List.of(), Map.of()), PRODUCTION);
    }

    /**
     * @param downSeconds how long the agent stays away before it comes back: a quick restart, and one long enough
     *                    for the backoff to reach its cap (which bounds how late the proxy notices the agent is back)
     */
    @ParameterizedTest(name = "agent down for {0} s")
    @ValueSource(ints = {0, 15})
    @Timeout(value = 120, unit = TimeUnit.SECONDS)
    void meshServesNewConnectionsAndNewCaPeersSoonAfterTheAgentRestarts(int downSeconds) throws Exception {
        EchoServer echo = TestMesh.await(EchoServer.start(vertx));
        int upstreamPort = TestMesh.freePort();
        mesh.registerWithSidecar("echo", echo.port(), new JsonArray());
        mesh.registerWithSidecar("web", TestMesh.freePort(), new JsonArray().add(new JsonObject()
                .put("destination_name", "echo").put("local_bind_port", upstreamPort)));
        ProxyRuntime echoSidecar = sidecar("echo");
        ProxyRuntime webSidecar = sidecar("web");
        assertEquals("before", Wire.exchange(upstreamPort, "before", Duration.ofSeconds(10)));
        String oldTrustDomain = mesh.agent().trustDomain();
        assertEquals(oldTrustDomain, webSidecar.identity().trustDomain());

        TestMesh.await(mesh.agent().stopListening());
        Thread.sleep(TimeUnit.SECONDS.toMillis(downSeconds));
        TestMesh.await(mesh.agent().restart());
        long back = System.nanoTime();
        String newTrustDomain = mesh.agent().trustDomain();
        assertNotEquals(oldTrustDomain, newTrustDomain, "the restarted agent has a new CA");

        // old identities still trust each other (and a cached authorization lets them talk) for a while: what
        // counts is the mesh on the new CA, serving a new connection and accepting a peer of the new CA
        DevCa newCa = mesh.agent().ca();
        MeshClient newCaPeer = MeshClient.of(newCa.issueServiceLeaf("web", Duration.ofHours(1)), newCa.rootPems());
        Await.until(Duration.ofSeconds(60), "both sidecars on the new CA, a new connection through web's upstream"
                        + " echoed and a peer of the new CA accepted by echo's sidecar", () -> newTrustDomain.equals(webSidecar.identity().trustDomain())
                        && newTrustDomain.equals(echoSidecar.identity().trustDomain())
                        && echoes(upstreamPort) && accepted(newCaPeer, echoSidecar.publicPort()));
        long sinceBackMs = (System.nanoTime() - back) / 1_000_000;
        LOG.info(() -> "agent restart after " + downSeconds + " s down: mesh on the new CA, serving new connections"
                + " and accepting its peers " + sinceBackMs + " ms after the agent was back");
        assertTrue(sinceBackMs <= RECOVERY_LIMIT.toMillis(), "mesh recovered after " + sinceBackMs + " ms, limit "
                + RECOVERY_LIMIT.toMillis() + " ms");
        assertEquals("after", Wire.exchangeOnce(upstreamPort, "after"), "a new connection through the mesh");
        assertTrue(echoSidecar.ready(), "echo ready: " + echoSidecar.readiness().reasons());
        assertTrue(webSidecar.ready(), "web ready: " + webSidecar.readiness().reasons());
    }

    private static boolean accepted(MeshClient peer, int port) {
        try (SSLSocket s = peer.connect(port)) {
            return "new CA peer".equals(MeshClient.roundTrip(s, "new CA peer"));
        } catch (IOException e) {
            return false;
        }
    }

    private static boolean echoes(int port) {
        try {
            return "after".equals(Wire.exchangeOnce(port, "after"));
        } catch (IOException e) {
            return false;
        }
    }
}
