package io.connectproxy.devagent;

import io.vertx.core.Vertx;
import io.vertx.core.json.JsonArray;
import io.vertx.core.json.JsonObject;
import io.vertx.junit5.Timeout;
import io.vertx.junit5.VertxExtension;
import io.vertx.junit5.VertxTestContext;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.extension.ExtendWith;

import java.io.UncheckedIOException;
import java.util.concurrent.TimeUnit;

import static io.connectproxy.devagent.AgentHttp.await;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

/** stopListening()/listen() look like an agent restart to clients: same port, same state. */
@ExtendWith(VertxExtension.class)
@Timeout(value = 30, timeUnit = TimeUnit.SECONDS)
class ListenRestartTest {

    @Test
    void agentComesBackOnTheSamePortWithItsState(Vertx vertx) throws Exception {
        DevAgent agent = await(DevAgent.start(vertx, DevAgentOptions.defaults().withServices(Scenario.all())));
        try {
            AgentHttp http = new AgentHttp(agent);
            int port = agent.port();
            assertTrue(port > 0);
            assertEquals("127.0.0.1:" + port, agent.httpAddr());
            String serial = http.get("/v1/agent/connect/ca/leaf/web").json().getString("SerialNumber");

            long index = http.get("/v1/health/connect/pong").index();
            java.util.concurrent.CompletableFuture<AgentHttp.Answer> parked =
                http.getAsync("/v1/health/connect/pong?index=" + index + "&wait=60s");
            Thread.sleep(200);
            await(agent.stopListening());
            // a parked blocking query is cut off, like a real agent going down, instead of hanging for its wait
            java.util.concurrent.ExecutionException cut = assertThrows(java.util.concurrent.ExecutionException.class,
                () -> parked.get(5, TimeUnit.SECONDS));
            assertTrue(cut.getCause() instanceof java.io.IOException, String.valueOf(cut.getCause()));
            assertThrows(UncheckedIOException.class, () -> http.get("/v1/agent/services"));

            await(agent.listen());
            assertEquals(port, agent.port());
            assertEquals(6, http.get("/v1/agent/services").json().size());
            assertEquals(serial, http.get("/v1/agent/connect/ca/leaf/web").json().getString("SerialNumber"));
            assertEquals(port, http.get("/v1/agent/self").json().getJsonObject("DebugConfig").getInteger("HTTPPort"));
        } finally {
            await(agent.close());
        }
    }

    @Test
    void verticleRunsTheAgentFromItsConfig(Vertx vertx, VertxTestContext ctx) {
        DevAgentVerticle verticle = new DevAgentVerticle();
        JsonObject config = new JsonObject().put("http_addr", "127.0.0.1:0").put("datacenter", "dc2")
            .put("leaf_ttl", "1h").put("services", new JsonArray().add(Scenario.web()));
        vertx.deployVerticle(verticle, new io.vertx.core.DeploymentOptions().setConfig(config))
            .onComplete(ctx.succeeding(id -> {
                DevAgent agent = verticle.agent();
                vertx.executeBlocking(() -> new AgentHttp(agent).get("/v1/agent/self").json())
                    .onComplete(ctx.succeeding(self -> ctx.verify(() -> {
                        assertEquals("dc2", self.getJsonObject("Config").getString("Datacenter"));
                        assertEquals(2, agent.serviceIds().size());
                        vertx.undeploy(id).onComplete(ctx.succeedingThenComplete());
                    })));
            }));
    }

    @Test
    void verticleRejectsABadConfigNamingTheField(Vertx vertx, VertxTestContext ctx) {
        vertx.deployVerticle(new DevAgentVerticle(), new io.vertx.core.DeploymentOptions()
                .setConfig(new JsonObject().put("leaf_ttl", "3 days")))
            .onComplete(ctx.failing(e -> ctx.verify(() -> {
                assertTrue(e.getMessage().contains("leaf_ttl"), e.getMessage());
                ctx.completeNow();
            })));
    }
}
