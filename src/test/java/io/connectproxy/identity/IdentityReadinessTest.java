package io.connectproxy.identity;

import io.connectproxy.testsupport.Await;

import io.connectproxy.testsupport.Http;
import io.connectproxy.metrics.ProxyMetrics;
import io.connectproxy.runtime.ProxyRuntime;
import io.connectproxy.consul.AgentClient;
import io.connectproxy.consul.AgentSettings;
import io.connectproxy.consul.Backoff;
import io.connectproxy.devagent.DevAgent;
import io.connectproxy.devagent.DevAgentOptions;
import io.connectproxy.testsupport.ScriptedAgent;
import io.connectproxy.testsupport.TestMesh;
import io.connectproxy.testsupport.Wire;
import io.micrometer.prometheusmetrics.PrometheusConfig;
import io.micrometer.prometheusmetrics.PrometheusMeterRegistry;
import io.vertx.core.Vertx;
import io.vertx.core.json.JsonArray;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.Timeout;

import java.time.Duration;
import java.util.concurrent.TimeUnit;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertNull;
import static org.junit.jupiter.api.Assertions.assertTrue;

/**
 * When the identity in use is not fit to serve, {@code /ready} says so: while the agent's leaf and roots do not
 * chain (the identity is re-read at once and with backoff, not after the blocking wait), and while the leaf is due
 * for renewal but the agent does not answer.
 */
class IdentityReadinessTest {
    private static final String ROOTS = "/v1/agent/connect/ca/roots";
    private static final String LEAF = "/v1/agent/connect/ca/leaf/web";

    private Vertx vertx;

    @BeforeEach
    void setUp() {
        vertx = Vertx.vertx();
    }

    @AfterEach
    void tearDown() throws Exception {
        vertx.close().await(10, TimeUnit.SECONDS);
    }

    @Test
    @Timeout(value = 60, unit = TimeUnit.SECONDS)
    void aLeafThatDoesNotChainToTheRootsIsReportedAndReReadWithoutWaiting() throws Exception {
        DevAgent caA = TestMesh.await(DevAgent.start(vertx, DevAgentOptions.defaults()));
        DevAgent caB = TestMesh.await(DevAgent.start(vertx, DevAgentOptions.defaults()));
        ScriptedAgent agent = TestMesh.await(ScriptedAgent.start(vertx));
        agent.answer(ROOTS, Wire.agent(caA.httpAddr(), "GET", ROOTS, null), 9, null);
        agent.answer(LEAF, Wire.agent(caA.httpAddr(), "GET", LEAF, null), 18, null);
        // a 60 s blocking wait: anything seen sooner came from a re-read
        CertRotationVerticle rotation = new CertRotationVerticle(AgentClient.create(vertx,
                AgentSettings.local(agent.addr())), "web", Duration.ofSeconds(60),
                new Backoff(Duration.ofMillis(100), Duration.ofSeconds(1)),
                new ProxyMetrics(new PrometheusMeterRegistry(PrometheusConfig.DEFAULT)));
        TestMesh.await(vertx.deployVerticle(rotation));
        TestMesh.await(rotation.firstIdentity());
        assertNull(rotation.problem(), "fresh identity");

        // the agent comes back with another CA's roots under the same index, its leaf cache still the old one
        TestMesh.await(agent.stop());
        agent.answer(ROOTS, Wire.agent(caB.httpAddr(), "GET", ROOTS, null), 9, null);
        TestMesh.await(agent.restart());
        Await.until(Duration.ofSeconds(10), "a problem reported", () -> rotation.problem() != null);
        String problem = rotation.problem();
        assertTrue(problem.contains("does not match the agent's current CA") && problem.contains(caB.trustDomain()),
                problem);
        assertEquals(caA.trustDomain(), rotation.current().trustDomain(), "the last good identity stays in use");

        // the new leaf appears under the old index: no blocking query returns it, the re-reads do
        agent.answer(LEAF, Wire.agent(caB.httpAddr(), "GET", LEAF, null), 18, null);
        long tookMs = Await.until(Duration.ofSeconds(10), "the mismatch resolved", () -> rotation.problem() == null);
        assertEquals(caB.trustDomain(), rotation.current().trustDomain(), "identity from the new CA after "
                + tookMs + " ms");
        TestMesh.await(caA.close());
        TestMesh.await(caB.close());
    }

    @Test
    @Timeout(value = 60, unit = TimeUnit.SECONDS)
    void aLeafDueForRenewalWithTheAgentDownIsNotReady() throws Exception {
        Duration ttl = Duration.ofSeconds(10);
        try (TestMesh mesh = TestMesh.start(vertx, DevAgentOptions.defaults().withLeafTtl(ttl))) {
            mesh.registerWithSidecar("web", TestMesh.freePort(), new JsonArray());
            ProxyRuntime runtime = mesh.startSidecar("web", "admin-bind", "127.0.0.1:" + TestMesh.freePort());
            assertEquals(200, Http.get(runtime.adminPort(), "/ready").status(), "ready at first");
            TestMesh.await(mesh.agent().stopListening());
            long downAt = System.nanoTime();

            // still ready while the leaf has time left: the agent being down alone is no reason
            assertTrue(runtime.ready(), "ready with the agent down and the leaf fresh: "
                    + runtime.readiness().reasons());
            Await.until(Duration.ofSeconds(20), "not ready because the leaf cannot be renewed",
                    () -> runtime.readiness().reasons().stream().anyMatch(r -> r.contains("cannot be renewed")));
            long notReadyAfterMs = (System.nanoTime() - downAt) / 1_000_000;
            Http.Response ready = Http.get(runtime.adminPort(), "/ready");
            assertEquals(503, ready.status(), ready.body());
            // the leaf expires 1 s after it became due: on a loaded machine /ready may already say that instead
            assertTrue(ready.body().contains("cannot be renewed") && ready.body().contains(mesh.agent().httpAddr())
                    || ready.body().contains("expired") && ready.body().contains("no renewal received"), ready.body());
            // 90% of the lifetime is when Consul's agent would have renewed it
            assertTrue(notReadyAfterMs >= ttl.toMillis() * 9 / 10 - 2_000, "not ready after " + notReadyAfterMs
                    + " ms of a " + ttl.toMillis() + " ms leaf");

            TestMesh.await(mesh.agent().listen());
            Await.until(Duration.ofSeconds(10), "ready again with a renewed leaf: "
                    + runtime.readiness().reasons(), runtime::ready);
            assertEquals(200, Http.get(runtime.adminPort(), "/ready").status());
        }
    }
}
