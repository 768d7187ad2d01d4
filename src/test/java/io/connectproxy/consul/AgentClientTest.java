package io.connectproxy.consul;

import io.connectproxy.consul.wire.AgentService;
import io.connectproxy.consul.wire.AuthorizeRequest;
import io.connectproxy.testsupport.Fixtures;
import io.connectproxy.testsupport.ScriptedAgent;
import io.vertx.core.Vertx;
import io.vertx.junit5.Timeout;
import io.vertx.junit5.VertxExtension;
import io.vertx.junit5.VertxTestContext;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.extension.ExtendWith;

import java.time.Duration;
import java.util.concurrent.TimeUnit;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertTrue;

@ExtendWith(VertxExtension.class)
class AgentClientTest {
    private ScriptedAgent agent;

    @BeforeEach
    void start(Vertx vertx, VertxTestContext ctx) {
        ScriptedAgent.start(vertx).onComplete(ctx.succeeding(a -> {
            agent = a;
            ctx.completeNow();
        }));
    }

    @Test
    @Timeout(value = 10, timeUnit = TimeUnit.SECONDS)
    void sendsTokenAndReadsHashCursor(Vertx vertx, VertxTestContext ctx) {
        agent.answer("/v1/agent/service/web-sidecar-proxy", Fixtures.text("agent-service-web-sidecar.json"), 0,
                "f779497c5d7e226");
        AgentClient client = AgentClient.create(vertx, AgentSettings.local(agent.addr()).withToken("s3cr3t"));
        client.agentService("web-sidecar-proxy", QueryOptions.NONE).onComplete(ctx.succeeding(r -> ctx.verify(() -> {
            AgentService s = r.body();
            assertEquals("web-sidecar-proxy", s.id());
            assertEquals("f779497c5d7e226", r.contentHash());
            ScriptedAgent.Seen seen = agent.seen().get(0);
            assertEquals("s3cr3t", seen.headers().get("X-Consul-Token"));
            assertFalse(seen.params().contains("index"), "a first read is not blocking");
            ctx.completeNow();
        })));
    }

    /**
     * Callers outside Vert.x (a CLI's main thread, a test) get whole answers: Vert.x hands a response's body only to
     * a handler set before its bytes are read, and a continuation attached from a foreign thread after the answer
     * arrived used to see 0 bytes ("Unexpected token", a flaky AuthorizerTest).
     */
    @Test
    @Timeout(value = 60, timeUnit = TimeUnit.SECONDS)
    void callsFromAThreadOutsideVertxReadTheWholeAnswer(Vertx vertx, VertxTestContext ctx) throws Exception {
        agent.answer("/v1/agent/connect/authorize", Fixtures.text("authorize-allow.json"), 0, null);
        AgentClient client = AgentClient.create(vertx, AgentSettings.local(agent.addr()));
        AuthorizeRequest req = new AuthorizeRequest("pong", "spiffe://td.consul/ns/default/dc/dc1/svc/web", "01");
        for (int i = 0; i < 2000; i++) {
            assertTrue(client.authorize(req, Duration.ofSeconds(5)).toCompletionStage().toCompletableFuture()
                    .get(10, TimeUnit.SECONDS).authorized(), "call " + i);
        }
        ctx.completeNow();
    }

    @Test
    @Timeout(value = 10, timeUnit = TimeUnit.SECONDS)
    void nonSuccessIsTypedWithStatusAndBody(Vertx vertx, VertxTestContext ctx) {
        agent.fail("/v1/agent/service/nope", 404, "unknown service ID: nope");
        AgentClient client = AgentClient.create(vertx, AgentSettings.local(agent.addr()));
        client.agentService("nope", QueryOptions.NONE).onComplete(ctx.failing(e -> ctx.verify(() -> {
            AgentException ae = (AgentException) e;
            assertTrue(ae.isNotFound(), () -> String.valueOf(ae));
            assertEquals("unknown service ID: nope", ae.body());
            ctx.completeNow();
        })));
    }

    @Test
    @Timeout(value = 10, timeUnit = TimeUnit.SECONDS)
    void garbageBodyIsBadResponse(Vertx vertx, VertxTestContext ctx) {
        agent.answer("/v1/agent/connect/ca/roots", "{\"Roots\": 7}", 3, null);
        AgentClient client = AgentClient.create(vertx, AgentSettings.local(agent.addr()));
        client.caRoots(QueryOptions.NONE).onComplete(ctx.failing(e -> ctx.verify(() -> {
            assertEquals(AgentException.Reason.BAD_RESPONSE, ((AgentException) e).reason());
            assertTrue(e.getMessage().contains("Roots: expected array, got number"), e.getMessage());
            assertTrue(e.getMessage().startsWith("GET /v1/agent/connect/ca/roots: unexpected answer from the agent at http://"
                    + agent.addr()), "names the request and the agent: " + e.getMessage());
            assertTrue(e.getMessage().contains("(12 bytes)"), "gives the body's size: " + e.getMessage());
            ctx.completeNow();
        })));
    }

    @Test
    @Timeout(value = 10, timeUnit = TimeUnit.SECONDS)
    void hungAgentCostsBoundedTime(Vertx vertx, VertxTestContext ctx) {
        agent.hang("/v1/agent/connect/authorize");
        AgentClient client = AgentClient.create(vertx, AgentSettings.local(agent.addr()));
        long t0 = System.nanoTime();
        client.authorize(new AuthorizeRequest("web", "spiffe://x.consul/ns/default/dc/dc1/svc/a", "01"),
                Duration.ofMillis(300)).onComplete(ctx.failing(e -> ctx.verify(() -> {
                    long ms = (System.nanoTime() - t0) / 1_000_000;
                    assertEquals(AgentException.Reason.TIMEOUT, ((AgentException) e).reason(), e.toString());
                    assertTrue(ms < 3000, "took " + ms + " ms");
                    ctx.completeNow();
                })));
    }

    @Test
    @Timeout(value = 10, timeUnit = TimeUnit.SECONDS)
    void unreachableAgent(Vertx vertx, VertxTestContext ctx) {
        agent.stop().onComplete(ctx.succeeding(v -> {
            AgentClient client = AgentClient.create(vertx, AgentSettings.local(agent.addr()));
            client.agentSelf().onComplete(ctx.failing(e -> ctx.verify(() -> {
                assertEquals(AgentException.Reason.UNREACHABLE, ((AgentException) e).reason());
                assertTrue(e.getMessage().contains("http://127.0.0.1:" + agent.port()), e.getMessage());
                ctx.completeNow();
            })));
        }));
    }

    @Test
    @Timeout(value = 10, timeUnit = TimeUnit.SECONDS)
    void blockingRequestSendsIndexWaitAndDatacenter(Vertx vertx, VertxTestContext ctx) {
        agent.answer("/v1/health/connect/pong", Fixtures.text("health-connect-pong.json"), 40, null);
        AgentClient client = AgentClient.create(vertx, AgentSettings.local(agent.addr()));
        client.healthConnect("pong", "dc2", QueryOptions.index(12, Duration.ofSeconds(5)))
                .onComplete(ctx.succeeding(r -> ctx.verify(() -> {
                    assertEquals(40, r.index());
                    assertFalse(r.body().isEmpty());
                    ScriptedAgent.Seen seen = agent.seen().get(0);
                    assertEquals("12", seen.params().get("index"));
                    assertEquals("5s", seen.params().get("wait"));
                    assertEquals("1", seen.params().get("passing"));
                    assertEquals("dc2", seen.params().get("dc"));
                    ctx.completeNow();
                })));
    }
}
