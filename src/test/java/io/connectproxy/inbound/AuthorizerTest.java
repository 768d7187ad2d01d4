package io.connectproxy.inbound;

import io.connectproxy.consul.AgentClient;
import io.connectproxy.consul.AgentSettings;
import io.connectproxy.testsupport.Fixtures;
import io.connectproxy.testsupport.ScriptedAgent;
import io.vertx.core.Future;
import io.vertx.core.Vertx;
import io.vertx.junit5.Timeout;
import io.vertx.junit5.VertxExtension;
import io.vertx.junit5.VertxTestContext;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.extension.ExtendWith;

import java.time.Duration;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.AtomicLong;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertTrue;

@ExtendWith(VertxExtension.class)
class AuthorizerTest {
    private static final String PATH = "/v1/agent/connect/authorize";
    private static final String WEB = "spiffe://td.consul/ns/default/dc/dc1/svc/web";
    private static final String OTHER = "spiffe://td.consul/ns/default/dc/dc1/svc/other";

    private static final Duration TIMEOUT = Duration.ofMillis(1500);

    private ScriptedAgent agent;
    private final AtomicLong now = new AtomicLong();
    private Authorizer authorizer;

    @BeforeEach
    void start(Vertx vertx, VertxTestContext ctx) {
        ScriptedAgent.start(vertx).onComplete(ctx.succeeding(a -> {
            agent = a;
            AgentClient client = AgentClient.create(vertx, AgentSettings.local(a.addr()));
            // generous enough for the first request of a cold JVM on a busy machine; the hang test checks the bound
            authorizer = new Authorizer(client, "pong", TIMEOUT, Duration.ofSeconds(60),
                    new AuthzCache(), now::get);
            ctx.completeNow();
        }));
    }

    private long calls() {
        return agent.seen().stream().filter(s -> s.path().equals(PATH)).count();
    }

    @Test
    @Timeout(value = 10, timeUnit = TimeUnit.SECONDS)
    void cachesPerClientAndSharesConcurrentMisses(VertxTestContext ctx) {
        agent.answer(PATH, Fixtures.text("authorize-allow.json"), 0, null);
        Future<AuthzDecision> a = authorizer.authorize(WEB, "01");
        Future<AuthzDecision> b = authorizer.authorize(WEB, "01");
        Future.all(a, b).compose(v -> authorizer.authorize(WEB, "01")).onComplete(ctx.succeeding(c -> ctx.verify(() -> {
            assertTrue(a.result().allowed(), () -> String.valueOf(a.result()));
            assertTrue(c.allowed(), () -> String.valueOf(c));
            assertTrue(c.fromCache(), () -> String.valueOf(c));
            assertEquals(1, calls(), "one agent call for three authorizations");
            ctx.completeNow();
        })));
    }

    @Test
    @Timeout(value = 10, timeUnit = TimeUnit.SECONDS)
    void denyIsCachedAndInvalidationAsksAgain(VertxTestContext ctx) {
        agent.answer(PATH, Fixtures.text("authorize-deny.json"), 0, null);
        authorizer.authorize(WEB, "01").compose(d1 -> {
            ctx.verify(() -> {
                assertFalse(d1.allowed());
                assertTrue(d1.reason().contains("Matched L4 intention"), d1.reason());
            });
            agent.answer(PATH, Fixtures.text("authorize-allow.json"), 0, null);
            return authorizer.authorize(WEB, "01");
        }).compose(d2 -> {
            ctx.verify(() -> assertFalse(d2.allowed(), "still the cached deny"));
            authorizer.invalidateAll();
            return authorizer.authorize(WEB, "01");
        }).onComplete(ctx.succeeding(d3 -> ctx.verify(() -> {
            assertTrue(d3.allowed());
            assertEquals(2, calls());
            ctx.completeNow();
        })));
    }

    @Test
    @Timeout(value = 10, timeUnit = TimeUnit.SECONDS)
    void hungAgentDeniesUnknownClientWithinTimeoutButServesKnownOnes(VertxTestContext ctx) {
        agent.answer(PATH, Fixtures.text("authorize-allow.json"), 0, null);
        authorizer.authorize(WEB, "01").compose(first -> {
            agent.hang(PATH);
            now.addAndGet(Duration.ofMinutes(5).toNanos()); // the cached entry is past its max age
            long t0 = System.nanoTime();
            return Future.all(authorizer.authorize(WEB, "01"), authorizer.authorize(OTHER, "02")).map(all -> {
                long ms = (System.nanoTime() - t0) / 1_000_000;
                ctx.verify(() -> assertTrue(ms < TIMEOUT.toMillis() + 1000, "took " + ms + " ms"));
                return all;
            });
        }).onComplete(ctx.succeeding(all -> ctx.verify(() -> {
            AuthzDecision known = all.resultAt(0);
            AuthzDecision unknown = all.resultAt(1);
            assertTrue(known.allowed(), "a client decided before keeps its answer while the agent is down");
            assertTrue(known.fromCache(), () -> String.valueOf(known));
            assertFalse(unknown.allowed());
            assertTrue(unknown.error(), () -> String.valueOf(unknown));
            assertTrue(unknown.reason().startsWith("authorization unavailable, denying:"), unknown.reason());
            ctx.completeNow();
        })));
    }

    @Test
    @Timeout(value = 10, timeUnit = TimeUnit.SECONDS)
    void recheckAsksTheAgentDespiteAFreshCacheEntryAndCachesTheNewAnswer(VertxTestContext ctx) {
        agent.answer(PATH, Fixtures.text("authorize-allow.json"), 0, null);
        authorizer.authorize(WEB, "01").compose(first -> {
            agent.answer(PATH, Fixtures.text("authorize-deny.json"), 0, null);
            return authorizer.recheck(WEB, "01");
        }).compose(rechecked -> {
            ctx.verify(() -> {
                assertFalse(rechecked.allowed(), "the re-check sees the new deny at once");
                assertFalse(rechecked.fromCache());
            });
            return authorizer.authorize(WEB, "01");
        }).onComplete(ctx.succeeding(next -> ctx.verify(() -> {
            assertFalse(next.allowed(), "and later connections get it from the cache");
            assertTrue(next.fromCache(), () -> String.valueOf(next));
            assertEquals(2, calls());
            ctx.completeNow();
        })));
    }

    @Test
    @Timeout(value = 10, timeUnit = TimeUnit.SECONDS)
    void recheckWithTheAgentDownKeepsTheCachedAnswer(VertxTestContext ctx) {
        agent.answer(PATH, Fixtures.text("authorize-allow.json"), 0, null);
        authorizer.authorize(WEB, "01").compose(first -> {
            agent.fail(PATH, 500, "agent sick");
            return authorizer.recheck(WEB, "01");
        }).onComplete(ctx.succeeding(d -> ctx.verify(() -> {
            assertTrue(d.allowed(), "an open connection is not cut because the agent cannot answer");
            assertTrue(d.fromCache(), () -> String.valueOf(d));
            assertFalse(d.error());
            ctx.completeNow();
        })));
    }
}
