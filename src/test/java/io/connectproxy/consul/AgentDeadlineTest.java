package io.connectproxy.consul;

import io.connectproxy.runtime.ProxyRuntime;
import io.connectproxy.config.LaunchConfig;
import io.connectproxy.config.LaunchConfigResolver;
import io.connectproxy.testsupport.LogCapture;
import io.connectproxy.testsupport.MisbehavingAgent;
import io.connectproxy.testsupport.MisbehavingAgent.Behaviour;
import io.connectproxy.testsupport.TestMesh;
import io.vertx.core.Vertx;
import io.vertx.core.json.JsonArray;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.Timeout;

import java.time.Duration;
import java.util.List;
import java.util.Map;
import java.util.concurrent.TimeUnit;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

/**
 * Every agent call has an overall deadline, from the request to the last body byte: against servers on real
 * sockets that send the headers and a few body bytes and stall, or trickle a byte a second, the call fails with
 * {@link AgentException.Reason#TIMEOUT} at its deadline and closes the connection; the caller retries, and a proxy
 * starts once the agent answers properly.
 */
class AgentDeadlineTest {
    private static final Duration TIMEOUT = Duration.ofMillis(1500);

    private Vertx vertx;

    @BeforeEach
    void setUp() {
        vertx = Vertx.vertx();
    }

    @AfterEach
    void tearDown() throws Exception {
        vertx.close().await(10, TimeUnit.SECONDS);
    }

    private AgentException failedCall(Behaviour behaviour, QueryOptions query, Duration timeout) throws Exception {
        // nothing to relay to: every connection misbehaves
        MisbehavingAgent agent = MisbehavingAgent.start(vertx, 1).await(10, TimeUnit.SECONDS).otherwise(behaviour);
        AgentClient client = AgentClient.create(vertx, AgentSettings.local(agent.addr()), timeout);
        long start = System.nanoTime();
        AgentException e = assertThrows(AgentException.class,
                () -> client.caRoots(query).await(30, TimeUnit.SECONDS));
        long tookMs = (System.nanoTime() - start) / 1_000_000;
        assertEquals(AgentException.Reason.TIMEOUT, e.reason(), e.getMessage());
        assertTrue(e.getMessage().contains(agent.addr()), "names the agent: " + e.getMessage());
        // the deadline is a timer: never before it; and the call does not outlive it by more than scheduling slack
        assertTrue(tookMs >= timeoutOf(query, timeout) - 50 && tookMs < timeoutOf(query, timeout) + 3_000,
                "failed after " + tookMs + " ms, deadline " + timeoutOf(query, timeout) + " ms");
        MisbehavingAgent.Seen seen = agent.seen().get(0);
        long deadline = System.nanoTime() + TimeUnit.SECONDS.toNanos(5);
        while (seen.openMillis() < 0 && System.nanoTime() < deadline) {
            Thread.sleep(20);
        }
        assertTrue(seen.openMillis() >= 0, "the client closed the stalled connection, not pooled it");
        return e;
    }

    private static long timeoutOf(QueryOptions query, Duration timeout) {
        return query.blocking() ? AgentClient.blockingDeadline(query.waitTime(), timeout).toMillis()
                : timeout.toMillis();
    }

    @Test
    @Timeout(value = 30, unit = TimeUnit.SECONDS)
    void stallMidBodyFailsAtTheDeadline() throws Exception {
        failedCall(Behaviour.STALL_MID_BODY, QueryOptions.NONE, TIMEOUT);
    }

    @Test
    @Timeout(value = 30, unit = TimeUnit.SECONDS)
    void aByteASecondFailsAtTheDeadline() throws Exception {
        // 2.5 s: two bytes arrive before the deadline, so an idle timeout alone would never fire
        failedCall(Behaviour.TRICKLE, QueryOptions.NONE, Duration.ofMillis(2500));
    }

    @Test
    @Timeout(value = 30, unit = TimeUnit.SECONDS)
    void blockingQueryGetsItsWaitPlusJitterPlusTheTimeout() throws Exception {
        AgentException e = failedCall(Behaviour.STALL_MID_BODY, QueryOptions.index(9, Duration.ofSeconds(1)),
                Duration.ofMillis(500));
        assertTrue(e.getMessage().contains("within 1562 ms"), e.getMessage());
    }

    @Test
    @Timeout(value = 60, unit = TimeUnit.SECONDS)
    void startUpRetriesStalledCallsAndProceedsOnceTheAgentAnswers() throws Exception {
        try (TestMesh mesh = TestMesh.start(vertx);
             LogCapture log = new LogCapture(AgentOutageLog.class)) {
            mesh.registerWithSidecar("web", TestMesh.freePort(), new JsonArray());
            MisbehavingAgent agent = MisbehavingAgent.start(vertx, mesh.agent().port()).await(10, TimeUnit.SECONDS)
                    .then(Behaviour.STALL_MID_BODY, Behaviour.TRICKLE, Behaviour.STALL_MID_BODY);
            LaunchConfig launch = LaunchConfigResolver.resolve(Map.of("sidecar-for", "web",
                    "http-addr", agent.addr(), "admin-bind", "off"), List.of(), Map.of());

            ProxyRuntime runtime = mesh.startRuntime(launch, TestMesh.TIMING.withAgentRequestTimeout(TIMEOUT));

            assertTrue(runtime.ready(), "ready: " + runtime.readiness().reasons());
            List<MisbehavingAgent.Seen> bad = agent.seen().subList(0, 3);
            for (MisbehavingAgent.Seen s : bad) {
                assertTrue(s.openMillis() >= TIMEOUT.toMillis() - 50 && s.openMillis() < TIMEOUT.toMillis() + 3_000,
                        s.behaviour + " connection closed by the client after " + s.openMillis() + " ms");
            }
            List<String> warnings = log.messages.stream().filter(m -> m.startsWith("WARNING")).toList();
            assertEquals(1, warnings.size(), "one WARN for the outage: " + log.messages);
            assertTrue(warnings.get(0).contains("http://" + agent.addr()), warnings.get(0));
            assertTrue(log.messages.stream().anyMatch(m -> m.startsWith("INFO") && m.contains("answering again")),
                    "an INFO when it is back: " + log.messages);
        }
    }
}
