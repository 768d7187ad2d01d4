package io.connectproxy.inbound;

import io.connectproxy.metrics.ProxyMetrics;
import io.connectproxy.config.ProxyConfig;
import io.connectproxy.config.ProxyTuning;
import io.connectproxy.consul.AgentClient;
import io.connectproxy.consul.AgentSettings;
import io.connectproxy.devagent.DevAgent;
import io.connectproxy.devagent.DevAgentOptions;
import io.connectproxy.devagent.DevCa;
import io.connectproxy.identity.TlsEngine;
import io.connectproxy.identity.TlsIdentity;
import io.connectproxy.testsupport.EchoServer;
import io.connectproxy.testsupport.TestMesh;
import io.vertx.core.Vertx;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.Timeout;

import javax.net.ssl.SSLSocket;
import java.time.Duration;
import java.util.List;
import java.util.concurrent.TimeUnit;

import static io.connectproxy.inbound.InboundTestSupport.msUntilClosed;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

/**
 * The periodic re-check on its own: the acceptor deployed without the intentions watch, so nothing but the
 * {@code authz_recheck_interval_ms} timer can notice that an intention turned to deny. (With the watch, see
 * {@link InboundAcceptanceTest#intentionFlippedToDenyClosesAnOpenConnection}.)
 */
class InboundRecheckTest {
    private static final long RECHECK_MS = 400;
    private final Vertx vertx = Vertx.vertx();

    @AfterEach
    void tearDown() throws Exception {
        vertx.close().await(10, TimeUnit.SECONDS);
    }

    @Test
    @Timeout(value = 20, unit = TimeUnit.SECONDS)
    void openConnectionIsClosedWithinTheRecheckIntervalAfterADeny() throws Exception {
        DevAgent agent = TestMesh.await(DevAgent.start(vertx, DevAgentOptions.defaults().withPort(0)));
        DevCa ca = agent.ca();
        EchoServer app = TestMesh.await(EchoServer.start(vertx));
        DevCa.IssuedLeaf leaf = ca.issueServiceLeaf("echo", Duration.ofHours(1));
        TlsIdentity identity = TlsIdentity.build(leaf.certPem(), leaf.privateKeyPem(), ca.rootPems(),
                ca.trustDomain());
        ProxyConfig config = new ProxyConfig("echo", "echo", null, "127.0.0.1", 0, "127.0.0.1", app.port(), null,
                List.of(), ProxyTuning.DEFAULT.withTimeouts(1000, 5000, 0, RECHECK_MS), null, "test");
        ProxyMetrics metrics = ProxyMetrics.inMemory();
        InboundAcceptorVerticle acceptor = new InboundAcceptorVerticle(
                AgentClient.create(vertx, AgentSettings.local(agent.httpAddr())), metrics,
                TlsEngine.forPublicListener(null), config, identity);
        TestMesh.await(vertx.deployVerticle(acceptor));

        MeshClient web = MeshClient.of(ca.issueServiceLeaf("web", Duration.ofHours(1)), ca.rootPems());
        try (SSLSocket s = web.connect(acceptor.actualPort())) {
            assertEquals("allowed", MeshClient.roundTrip(s, "allowed"));
            Thread.sleep(RECHECK_MS * 2); // re-checks that still allow leave it alone
            assertEquals("still allowed", MeshClient.roundTrip(s, "still allowed"));

            InboundTestSupport.intention(agent, "web", "echo", "deny");
            long ms = msUntilClosed(s.getInputStream());
            assertTrue(ms < RECHECK_MS + 1000, "closed after " + ms + " ms, interval " + RECHECK_MS);
        }
        assertEquals(1, metrics.count("rejections_total", "listener", "public", "reason", "revoked"));
    }
}
