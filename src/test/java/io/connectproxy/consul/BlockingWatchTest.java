package io.connectproxy.consul;

import io.connectproxy.consul.wire.CaRoots;
import io.connectproxy.testsupport.Fixtures;
import io.connectproxy.testsupport.ScriptedAgent;
import io.vertx.core.Vertx;
import io.vertx.core.json.JsonObject;
import io.vertx.junit5.Timeout;
import io.vertx.junit5.VertxExtension;
import io.vertx.junit5.VertxTestContext;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.extension.ExtendWith;

import java.time.Duration;
import java.util.List;
import java.util.concurrent.CopyOnWriteArrayList;
import java.util.concurrent.TimeUnit;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

/** Blocking-query rules against a scripted agent; the same watch against the dev agent is in DevAgentWatchTest. */
@ExtendWith(VertxExtension.class)
class BlockingWatchTest {
    private static final String ROOTS = "/v1/agent/connect/ca/roots";
    private static final Backoff FAST = new Backoff(Duration.ofMillis(50), Duration.ofMillis(200));

    private ScriptedAgent agent;
    private AgentClient client;

    @BeforeEach
    void start(Vertx vertx, VertxTestContext ctx) {
        ScriptedAgent.start(vertx).onComplete(ctx.succeeding(a -> {
            agent = a;
            client = AgentClient.create(vertx, AgentSettings.local(a.addr()));
            ctx.completeNow();
        }));
    }

    private static String rootsWithTrustDomain(String td) {
        return Fixtures.json("ca-roots.json").put("TrustDomain", td).encode();
    }

    private BlockingWatch<CaRoots> rootsWatch(Vertx vertx, Duration wait) {
        return new BlockingWatch<>(vertx, "roots", BlockingWatch.Mode.INDEX, q -> client.caRoots(q), wait, FAST);
    }

    @Test
    @Timeout(value = 15, timeUnit = TimeUnit.SECONDS)
    void blocksUntilChangeAndSkipsUnchanged(Vertx vertx, VertxTestContext ctx) throws Exception {
        agent.answer(ROOTS, rootsWithTrustDomain("a.consul"), 5, null);
        List<String> seen = new CopyOnWriteArrayList<>();
        BlockingWatch<CaRoots> watch = rootsWatch(vertx, Duration.ofMillis(300)).onChange(r -> {
            seen.add(r.trustDomain());
            if (seen.size() == 2) {
                ctx.verify(() -> {
                    assertEquals(List.of("a.consul", "b.consul"), seen);
                    // the second poll carried the first index, proving it blocked rather than re-read
                    assertTrue(agent.seen().stream().anyMatch(s -> "5".equals(s.params().get("index"))),
                            () -> String.valueOf(agent.seen()));
                    // several polls timed out with the same index before the change and notified nothing
                    long timedOut = agent.seen().stream().filter(s -> "5".equals(s.params().get("index"))).count();
                    assertTrue(timedOut >= 2, "re-blocked " + timedOut + " times");
                    ctx.completeNow();
                });
            }
        }).start();
        vertx.setTimer(1200, t -> agent.answer(ROOTS, rootsWithTrustDomain("b.consul"), 9, null));
        assertTrue(ctx.awaitCompletion(10, TimeUnit.SECONDS));
        watch.stop();
    }

    @Test
    @Timeout(value = 15, timeUnit = TimeUnit.SECONDS)
    void indexGoingBackwardsResetsToZero(Vertx vertx, VertxTestContext ctx) throws Exception {
        agent.answer(ROOTS, rootsWithTrustDomain("a.consul"), 50, null);
        List<String> seen = new CopyOnWriteArrayList<>();
        BlockingWatch<CaRoots> watch = rootsWatch(vertx, Duration.ofMillis(300)).onChange(r -> {
            seen.add(r.trustDomain());
            if (seen.size() == 1) {
                // the agent restarted with fresh state: its index is now lower than ours
                agent.answer(ROOTS, rootsWithTrustDomain("b.consul"), 3, null);
            }
        }).start();
        vertx.setPeriodic(50, id -> {
            List<String> indexes = agent.seen().stream().map(x -> String.valueOf(x.params().get("index"))).toList();
            if (indexes.size() >= 4) {
                vertx.cancelTimer(id);
                ctx.verify(() -> {
                    // first read, blocked on 50 (answered with 3 at wait's end), full re-read, then blocking on 3
                    assertEquals(List.of("null", "50", "null", "3"), indexes.subList(0, 4));
                    assertEquals(List.of("a.consul", "b.consul"), seen);
                    ctx.completeNow();
                });
            }
        });
        assertTrue(ctx.awaitCompletion(10, TimeUnit.SECONDS));
        watch.stop();
    }

    @Test
    @Timeout(value = 20, timeUnit = TimeUnit.SECONDS)
    void backsOffWhileDownKeepsLastValueAndResumes(Vertx vertx, VertxTestContext ctx) throws Exception {
        agent.answer(ROOTS, rootsWithTrustDomain("a.consul"), 5, null);
        List<String> seen = new CopyOnWriteArrayList<>();
        List<Integer> failures = new CopyOnWriteArrayList<>();
        BlockingWatch<CaRoots> watch = rootsWatch(vertx, Duration.ofMillis(200));
        watch.onChange(r -> {
            seen.add(r.trustDomain());
            if (seen.size() == 1) {
                agent.stop();
            } else {
                ctx.verify(() -> {
                    assertEquals("b.consul", r.trustDomain());
                    assertTrue(failures.size() >= 3, "failures " + failures);
                    assertEquals(1, (int) failures.get(0));
                    ctx.completeNow();
                });
            }
        }).onError((e, n) -> {
            failures.add(n);
            ctx.verify(() -> assertEquals("a.consul", watch.last().trustDomain(), "last good value is kept"));
            if (n == 3) {
                agent.answer(ROOTS, rootsWithTrustDomain("b.consul"), 6, null);
                agent.restart();
            }
        }).start();
        assertTrue(ctx.awaitCompletion(15, TimeUnit.SECONDS));
        assertEquals(0, watch.consecutiveFailures());
        watch.stop();
    }

    @Test
    @Timeout(value = 15, timeUnit = TimeUnit.SECONDS)
    void serverErrorsBackOffToo(Vertx vertx, VertxTestContext ctx) throws Exception {
        agent.fail(ROOTS, 500, "rpc error");
        List<Long> at = new CopyOnWriteArrayList<>();
        BlockingWatch<CaRoots> watch = rootsWatch(vertx, Duration.ofSeconds(1)).onError((e, n) -> {
            at.add(System.nanoTime());
            if (n == 4) {
                ctx.verify(() -> {
                    assertEquals(500, ((AgentException) e).status());
                    long spanMs = (at.get(3) - at.get(0)) / 1_000_000;
                    // three backoff delays of at least 25, 50, 100 ms: not a tight loop
                    assertTrue(spanMs >= 150, "retried too fast: " + spanMs + " ms");
                    ctx.completeNow();
                });
            }
        }).start();
        assertTrue(ctx.awaitCompletion(10, TimeUnit.SECONDS));
        watch.stop();
    }

    @Test
    @Timeout(value = 15, timeUnit = TimeUnit.SECONDS)
    void hashModeBlocksOnContentHash(Vertx vertx, VertxTestContext ctx) throws Exception {
        String path = "/v1/agent/service/web-sidecar-proxy";
        JsonObject body = Fixtures.json("agent-service-web-sidecar.json");
        agent.answer(path, body.encode(), 0, "h1");
        List<Integer> ports = new CopyOnWriteArrayList<>();
        BlockingWatch<?> watch = new BlockingWatch<>(vertx, "sidecar", BlockingWatch.Mode.HASH,
                q -> client.agentService("web-sidecar-proxy", q), Duration.ofMillis(300), FAST)
                .onChange(s -> {
                    ports.add(((io.connectproxy.consul.wire.AgentService) s).port());
                    if (ports.size() == 2) {
                        ctx.verify(() -> {
                            assertEquals(List.of(21000, 21001), ports);
                            assertTrue(agent.seen().stream().anyMatch(x -> "h1".equals(x.params().get("hash"))),
                                    () -> String.valueOf(agent.seen()));
                            ctx.completeNow();
                        });
                    }
                }).start();
        vertx.setTimer(800, t -> agent.answer(path, body.copy().put("Port", 21001).encode(), 0, "h2"));
        assertTrue(ctx.awaitCompletion(10, TimeUnit.SECONDS));
        watch.stop();
    }

    /**
     * A restarted -dev agent answers new roots with the index it had before (9): after the connection error the
     * watch must read afresh and compare the content. Before, it blocked on index 9 for ever after.
     */
    @Test
    @Timeout(value = 20, timeUnit = TimeUnit.SECONDS)
    void afterAnErrorTheSameIndexWithNewContentIsAChange(Vertx vertx, VertxTestContext ctx) throws Exception {
        agent.answer(ROOTS, rootsWithTrustDomain("a.consul"), 9, null);
        List<String> seen = new CopyOnWriteArrayList<>();
        BlockingWatch<CaRoots> watch = rootsWatch(vertx, Duration.ofSeconds(60)).onChange(r -> {
            seen.add(r.trustDomain());
            if (seen.size() == 1) {
                // parked on index 9 now; the agent goes down (the parked query is cut) and comes back new
                vertx.setTimer(300, t -> agent.stop().onComplete(v -> {
                    agent.answer(ROOTS, rootsWithTrustDomain("b.consul"), 9, null);
                    agent.restart();
                }));
            } else {
                ctx.verify(() -> {
                    assertEquals(List.of("a.consul", "b.consul"), seen);
                    ctx.completeNow();
                });
            }
        }).start();
        // well before the 60 s wait would have ended
        assertTrue(ctx.awaitCompletion(10, TimeUnit.SECONDS), "seen: " + seen);
        watch.stop();
    }

    @Test
    @Timeout(value = 20, timeUnit = TimeUnit.SECONDS)
    void afterA5xxTheSameIndexWithNewContentIsAChange(Vertx vertx, VertxTestContext ctx) throws Exception {
        agent.answer(ROOTS, rootsWithTrustDomain("a.consul"), 9, null);
        List<String> seen = new CopyOnWriteArrayList<>();
        BlockingWatch<CaRoots> watch = rootsWatch(vertx, Duration.ofSeconds(60));
        watch.onChange(r -> {
            seen.add(r.trustDomain());
            if (seen.size() == 1) {
                vertx.setTimer(300, t -> agent.fail(ROOTS, 500, "No cluster leader"));
            } else {
                ctx.verify(() -> {
                    assertEquals(List.of("a.consul", "b.consul"), seen);
                    ctx.completeNow();
                });
            }
        }).onError((e, n) -> {
            if (n == 2) {
                agent.answer(ROOTS, rootsWithTrustDomain("b.consul"), 9, null);
            }
        }).start();
        assertTrue(ctx.awaitCompletion(10, TimeUnit.SECONDS), "seen: " + seen);
        watch.stop();
    }

    @Test
    @Timeout(value = 20, timeUnit = TimeUnit.SECONDS)
    void refreshReadsAtOnceBesideTheParkedQuery(Vertx vertx, VertxTestContext ctx) throws Exception {
        agent.answer(ROOTS, rootsWithTrustDomain("a.consul"), 9, null);
        List<String> seen = new CopyOnWriteArrayList<>();
        BlockingWatch<CaRoots>[] holder = new BlockingWatch[1];
        holder[0] = rootsWatch(vertx, Duration.ofSeconds(60)).onChange(r -> {
            seen.add(r.trustDomain());
            if (seen.size() == 1) {
                vertx.setTimer(300, t -> {
                    // the content changes under the same index: the parked query is not woken
                    agent.answer(ROOTS, rootsWithTrustDomain("b.consul"), 9, null);
                    holder[0].refresh();
                });
            } else {
                ctx.verify(() -> {
                    assertEquals(List.of("a.consul", "b.consul"), seen);
                    assertEquals(9, holder[0].index(), "cursor after the refresh");
                    ctx.completeNow();
                });
            }
        }).start();
        assertTrue(ctx.awaitCompletion(10, TimeUnit.SECONDS), "seen: " + seen);
        holder[0].stop();
    }
}
