package io.connectproxy.devagent;

import io.vertx.core.Vertx;
import io.vertx.core.json.JsonArray;
import io.vertx.core.json.JsonObject;
import io.vertx.core.net.NetServer;
import io.vertx.junit5.Timeout;
import io.vertx.junit5.VertxExtension;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.extension.ExtendWith;

import java.util.concurrent.CompletableFuture;
import java.util.concurrent.TimeUnit;

import static io.connectproxy.devagent.AgentHttp.await;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertNotEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

/** Index- and hash-blocking queries: held until a relevant change or the wait, never answered early. */
@ExtendWith(VertxExtension.class)
@Timeout(value = 30, timeUnit = TimeUnit.SECONDS)
class BlockingQueryTest {

    private DevAgent agent;
    private AgentHttp http;

    @BeforeEach
    void start(Vertx vertx) {
        // pong's sidecar listens: its "Connect Sidecar Listening" check passes, only pong's TTL check moves
        NetServer sidecar = await(vertx.createNetServer().connectHandler(so -> { }).listen(0, "127.0.0.1"));
        JsonObject pong = Scenario.service("pong", 9001, null, sidecar.actualPort())
            .put("Check", new JsonObject().put("CheckID", "pong-ttl").put("TTL", "30s").put("Status", "passing"));
        agent = await(DevAgent.start(vertx, DevAgentOptions.defaults().withServices(new JsonArray().add(pong))));
        await(agent.runChecks());
        http = new AgentHttp(agent);
    }

    @AfterEach
    void stop() {
        await(agent.close());
    }

    @Test
    void healthConnectBlocksUntilTheParentsCheckFails() throws Exception {
        AgentHttp.Answer first = http.get("/v1/health/connect/pong?passing=1");
        assertEquals(1, first.jsonArray().size());
        long index = first.index();

        CompletableFuture<AgentHttp.Answer> parked =
            http.getAsync("/v1/health/connect/pong?passing=1&index=" + index + "&wait=10s");
        Thread.sleep(300);
        assertFalse(parked.isDone(), "answered before anything changed");

        http.putOk("/v1/agent/check/fail/pong-ttl?note=boom", null);
        AgentHttp.Answer changed = parked.get(5, TimeUnit.SECONDS);
        assertEquals(200, changed.status());
        assertTrue(changed.index() > index);
        // the sidecar's alias check follows pong's critical check, so passing=1 leaves nothing
        assertEquals(0, changed.jsonArray().size());

        JsonArray all = http.get("/v1/health/connect/pong").jsonArray();
        JsonArray checks = all.getJsonObject(0).getJsonArray("Checks");
        JsonObject alias = checks.getJsonObject(2);
        assertEquals("critical", alias.getString("Status"));
        assertEquals("Aliased check \"Service 'pong' check\" failing: boom", alias.getString("Output"));
    }

    @Test
    void waitElapsesWithTheSameIndexWhenOnlyOtherServicesChange() throws Exception {
        long index = http.get("/v1/health/connect/pong").index();
        long started = System.nanoTime();
        CompletableFuture<AgentHttp.Answer> parked = http.getAsync("/v1/health/connect/pong?index=" + index + "&wait=800ms");
        Thread.sleep(100);
        http.putOk("/v1/agent/service/register", new JsonObject().put("Name", "unrelated").put("Port", 7000));
        AgentHttp.Answer answer = parked.get(5, TimeUnit.SECONDS);
        long elapsedMs = TimeUnit.NANOSECONDS.toMillis(System.nanoTime() - started);
        assertEquals(index, answer.index());
        assertTrue(elapsedMs >= 750, "returned after " + elapsedMs + " ms");
        assertTrue(elapsedMs < 800 + 800 / 16 + 1500, "returned after " + elapsedMs + " ms");
    }

    @Test
    void indexZeroAnswersAtOnce() {
        AgentHttp.Answer answer = http.get("/v1/health/service/pong?index=0&wait=10s");
        assertEquals(200, answer.status());
        assertEquals(1, answer.jsonArray().size());
    }

    @Test
    void agentServiceHashBlocksUntilTheRegistrationChanges() throws Exception {
        AgentHttp.Answer first = http.get("/v1/agent/service/pong-sidecar-proxy");
        String hash = first.header("X-Consul-ContentHash");
        assertEquals(hash, first.json().getString("ContentHash"));

        CompletableFuture<AgentHttp.Answer> parked =
            http.getAsync("/v1/agent/service/pong-sidecar-proxy?hash=" + hash + "&wait=10s");
        Thread.sleep(300);
        // a check change is not a registration change: the hash stays, the query stays parked
        http.putOk("/v1/agent/check/warn/pong-ttl", null);
        Thread.sleep(200);
        assertFalse(parked.isDone());

        JsonObject changed = Scenario.service("pong", 9001, new JsonArray()
            .add(new JsonObject().put("DestinationName", "echo").put("LocalBindPort", 1234)));
        http.putOk("/v1/agent/service/register", changed);
        AgentHttp.Answer answer = parked.get(5, TimeUnit.SECONDS);
        assertNotEquals(hash, answer.header("X-Consul-ContentHash"));
        assertEquals(1, answer.json().getJsonObject("Proxy").getJsonArray("Upstreams").size());
        assertEquals(21000, answer.json().getInteger("Port"), "re-registration keeps the sidecar's port");
    }

    @Test
    void hashWaitElapsesWithTheSameHash() throws Exception {
        String hash = http.get("/v1/agent/service/pong").header("X-Consul-ContentHash");
        AgentHttp.Answer answer = http.getAsync("/v1/agent/service/pong?hash=" + hash + "&wait=300ms")
            .get(5, TimeUnit.SECONDS);
        assertEquals(200, answer.status());
        assertEquals(hash, answer.header("X-Consul-ContentHash"));
    }

    @Test
    void deregistrationEndsAHashQueryWithA404() throws Exception {
        String hash = http.get("/v1/agent/service/pong-sidecar-proxy").header("X-Consul-ContentHash");
        CompletableFuture<AgentHttp.Answer> parked =
            http.getAsync("/v1/agent/service/pong-sidecar-proxy?hash=" + hash + "&wait=10s");
        Thread.sleep(200);
        http.putOk("/v1/agent/service/deregister/pong", null);
        AgentHttp.Answer answer = parked.get(5, TimeUnit.SECONDS);
        assertEquals(404, answer.status());
        assertEquals("unknown service ID: pong-sidecar-proxy", answer.body());
    }

    @Test
    void ttlCheckTurnsCriticalWhenNotRefreshed() throws Exception {
        http.putOk("/v1/agent/service/register", new JsonObject().put("Name", "beat").put("Port", 7001)
            .put("Check", new JsonObject().put("TTL", "300ms").put("Status", "passing")));
        AgentHttp.Answer first = http.get("/v1/health/service/beat?passing");
        assertEquals(1, first.jsonArray().size());
        AgentHttp.Answer expired = http.getAsync("/v1/health/service/beat?index=" + first.index() + "&wait=5s")
            .get(5, TimeUnit.SECONDS);
        JsonObject check = expired.jsonArray().getJsonObject(0).getJsonArray("Checks").getJsonObject(1);
        assertEquals("service:beat", check.getString("CheckID"));
        assertEquals("critical", check.getString("Status"));
        assertEquals("TTL expired", check.getString("Output"));
        http.putOk("/v1/agent/check/pass/service:beat", null);
        assertEquals(1, http.get("/v1/health/service/beat?passing=true").jsonArray().size());
    }

    @Test
    void badBlockingParametersAre400() {
        AgentHttp.Answer badWait = http.get("/v1/health/connect/pong?index=3&wait=soon");
        assertEquals(400, badWait.status());
        assertEquals("Invalid wait time", badWait.body());
        assertEquals(400, http.get("/v1/health/connect/pong?index=x").status());
    }
}
