package io.connectproxy.consul;

import io.connectproxy.consul.wire.AgentService;
import io.connectproxy.consul.wire.HealthServiceEntry;
import io.connectproxy.devagent.DevAgent;
import io.connectproxy.devagent.DevAgentOptions;
import io.vertx.core.Vertx;
import io.vertx.core.json.JsonObject;
import io.vertx.core.net.NetServer;
import io.vertx.ext.web.client.WebClient;
import io.vertx.junit5.Timeout;
import io.vertx.junit5.VertxExtension;
import io.vertx.junit5.VertxTestContext;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.extension.ExtendWith;

import java.time.Duration;
import java.util.List;
import java.util.concurrent.CopyOnWriteArrayList;
import java.util.concurrent.TimeUnit;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

/** The blocking watch against the embedded dev agent: real index and hash semantics end to end. */
@ExtendWith(VertxExtension.class)
class DevAgentWatchTest {
    private static final Backoff FAST = new Backoff(Duration.ofMillis(50), Duration.ofMillis(300));

    private static JsonObject echoWithSidecar() {
        return new JsonObject().put("name", "echo").put("port", 9999)
                .put("check", new JsonObject().put("ttl", "30s").put("status", "passing"))
                .put("connect", new JsonObject().put("sidecar_service", new JsonObject().put("port", 21999)));
    }

    private static DevAgent start(Vertx vertx, int port) throws Exception {
        return DevAgent.start(vertx, DevAgentOptions.defaults().withPort(port)).await(20, TimeUnit.SECONDS);
    }

    @Test
    @Timeout(value = 30, timeUnit = TimeUnit.SECONDS)
    void blocksUntilHealthChangesThenReportsTheInstanceGone(Vertx vertx, VertxTestContext ctx) throws Exception {
        DevAgent agent = start(vertx, 0);
        // the sidecar's port listens, so its "Connect Sidecar Listening" check passes and only the TTL check moves
        NetServer sidecar = vertx.createNetServer().connectHandler(so -> { }).listen(0, "127.0.0.1")
                .await(5, TimeUnit.SECONDS);
        JsonObject echo = echoWithSidecar();
        echo.getJsonObject("connect").getJsonObject("sidecar_service").put("port", sidecar.actualPort());
        agent.registerService(echo).await(5, TimeUnit.SECONDS);
        agent.runChecks().await(5, TimeUnit.SECONDS);
        AgentClient client = AgentClient.create(vertx, AgentSettings.local(agent.httpAddr()));
        List<Integer> sizes = new CopyOnWriteArrayList<>();
        List<Long> at = new CopyOnWriteArrayList<>();
        BlockingWatch<List<HealthServiceEntry>> watch = new BlockingWatch<>(vertx, "health", BlockingWatch.Mode.INDEX,
                q -> client.healthConnect("echo", null, q), Duration.ofSeconds(20), FAST);
        long failAt = System.nanoTime() + 1_000_000_000L;
        watch.onChange(entries -> {
            sizes.add(entries.size());
            at.add(System.nanoTime());
            if (sizes.size() == 1) {
                vertx.setTimer(1000, t -> WebClient.create(vertx)
                        .put(agent.port(), "127.0.0.1", "/v1/agent/check/fail/service:echo").send());
            } else {
                ctx.verify(() -> {
                    assertEquals(List.of(1, 0), sizes);
                    // the change arrived through a held request, well before the 20 s wait ran out
                    assertTrue(at.get(1) - failAt < 5_000_000_000L, "change seen late");
                    assertTrue(watch.index() > 0);
                    ctx.completeNow();
                });
            }
        }).start();
        assertTrue(ctx.awaitCompletion(25, TimeUnit.SECONDS));
        watch.stop();
    }

    @Test
    @Timeout(value = 40, timeUnit = TimeUnit.SECONDS)
    void survivesAgentRestartWithFreshStateAndResetsTheIndex(Vertx vertx, VertxTestContext ctx) throws Exception {
        DevAgent first = start(vertx, 0);
        int port = first.port();
        // push the first agent's index well above what a fresh agent will report
        for (int i = 0; i < 20; i++) {
            first.registerService(new JsonObject().put("name", "filler" + i).put("port", 1000 + i))
                    .await(5, TimeUnit.SECONDS);
        }
        first.registerService(echoWithSidecar()).await(5, TimeUnit.SECONDS);
        AgentClient client = AgentClient.create(vertx, AgentSettings.local(first.httpAddr()));
        List<String> seen = new CopyOnWriteArrayList<>();
        List<Integer> failures = new CopyOnWriteArrayList<>();
        BlockingWatch<AgentService> watch = new BlockingWatch<>(vertx, "sidecar", BlockingWatch.Mode.HASH,
                q -> client.agentService("echo-sidecar-proxy", q), Duration.ofSeconds(2), FAST);
        BlockingWatch<List<HealthServiceEntry>> health = new BlockingWatch<>(vertx, "health",
                BlockingWatch.Mode.INDEX, q -> client.healthConnect("echo", null, q), Duration.ofSeconds(2), FAST);
        health.start();
        long[] indexBeforeRestart = new long[1];
        watch.onError((e, n) -> failures.add(n)).onChange(s -> {
            seen.add(s.service() + ":" + s.port());
            if (seen.size() == 1) {
                indexBeforeRestart[0] = health.index();
                // the agent goes away, and a new one with fresh state (lower index) takes its port
                first.close()
                        .compose(c -> vertx.timer(1500))
                        .compose(t -> DevAgent.start(vertx, DevAgentOptions.defaults().withPort(port)))
                        .compose(second -> second.registerService(echoWithSidecar().put("connect", new JsonObject()
                                .put("sidecar_service", new JsonObject().put("port", 21998)))))
                        .onFailure(ctx::failNow);
            } else {
                ctx.verify(() -> {
                    assertEquals(List.of("echo-sidecar-proxy:21999", "echo-sidecar-proxy:21998"), seen);
                    assertTrue(!failures.isEmpty(), "the watch saw the agent down and backed off");
                });
                // the index watch must follow the fresh agent down to its lower index, not block on the old one
                vertx.setPeriodic(100, id -> {
                    long now = health.index();
                    if (now > 0 && now < indexBeforeRestart[0]) {
                        vertx.cancelTimer(id);
                        ctx.completeNow();
                    }
                });
            }
        }).start();
        assertTrue(ctx.awaitCompletion(35, TimeUnit.SECONDS));
        watch.stop();
        health.stop();
    }
}
