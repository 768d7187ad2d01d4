package io.connectproxy.devagent;

import io.connectproxy.config.ConfigException;
import io.connectproxy.testsupport.Fixtures;
import io.connectproxy.testsupport.TestMesh;
import io.vertx.core.Vertx;
import io.vertx.core.json.JsonArray;
import io.vertx.core.json.JsonObject;
import io.vertx.core.net.NetServer;
import io.vertx.junit5.Timeout;
import io.vertx.junit5.VertxExtension;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.extension.ExtendWith;

import java.time.Duration;
import java.util.List;
import java.util.concurrent.TimeUnit;

import static io.connectproxy.devagent.AgentHttp.await;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

/**
 * The two checks Consul 1.10 adds to every sidecar_service, against what a real agent answered
 * (agent-checks-web-sidecar, health-checks-web-sidecar-proxy, health-connect-web-sidecar-down): the same ids,
 * names, types, statuses and outputs; the TCP check really connects, so a sidecar counts as passing only while
 * its public port listens and the service's own checks pass.
 */
@ExtendWith(VertxExtension.class)
@Timeout(value = 30, timeUnit = TimeUnit.SECONDS)
class SidecarChecksTest {
    /** The fixture's sidecar port. */
    private static final String FIXTURE_PORT = "21000";
    private static final List<String> CHECK_FIELDS = List.of("CheckID", "Name", "Status", "Notes", "Output",
        "ServiceID", "ServiceName", "ServiceTags", "Type", "ExposedPort", "Definition");

    private DevAgent agent;
    private AgentHttp http;
    private int port;

    /** web (a TTL check, like the fixture's) with a sidecar on a port where nothing listens yet. */
    private void start(Vertx vertx, DevAgentOptions options) {
        agent = await(DevAgent.start(vertx, options));
        http = new AgentHttp(agent);
        port = TestMesh.freePort();
        http.putOk("/v1/agent/service/register", new JsonObject().put("Name", "web").put("Port", 8080)
            .put("Check", new JsonObject().put("TTL", "10m"))
            .put("Connect", new JsonObject().put("SidecarService", new JsonObject().put("Port", port))));
    }

    @AfterEach
    void stop() {
        if (agent != null) {
            await(agent.close());
        }
    }

    @Test
    void agentChecksAreConsulsWithTheTcpCheckRunForReal(Vertx vertx) {
        start(vertx, DevAgentOptions.defaults());
        await(agent.runChecks());
        JsonObject expected = fixtureWithOurPort("agent-checks-web-sidecar");
        JsonObject actual = http.get("/v1/agent/checks").json();
        assertEquals(expected.fieldNames(), actual.fieldNames(), actual.encodePrettily());
        for (String id : expected.fieldNames()) {
            assertSameCheck(expected.getJsonObject(id), actual.getJsonObject(id));
        }
        List<String> differences = JsonShape.differences(expected, actual);
        assertTrue(differences.isEmpty(), String.join("\n", differences));
    }

    @Test
    void healthOfADownSidecarIsConsuls(Vertx vertx) {
        start(vertx, DevAgentOptions.defaults());
        await(agent.runChecks());
        AgentHttp.Answer checks = http.get("/v1/health/checks/web-sidecar-proxy");
        assertEquals(200, checks.status(), checks.body());
        assertTrue(checks.headers().firstValue("X-Consul-Index").isPresent(), "X-Consul-Index, as Consul sends");
        JsonArray expected = Fixtures.jsonArray("health-checks-web-sidecar-proxy.json");
        assertEquals(expected.size(), checks.jsonArray().size(), checks.body());
        for (int i = 0; i < expected.size(); i++) {
            assertSameCheck(expected.getJsonObject(i), checks.jsonArray().getJsonObject(i), "Output");
        }

        JsonArray down = http.get("/v1/health/connect/web").jsonArray();
        JsonArray expectedDown = Fixtures.jsonArray("health-connect-web-sidecar-down.json");
        assertTrue(JsonShape.differences(expectedDown, down).isEmpty(),
            String.join("\n", JsonShape.differences(expectedDown, down)));
        JsonArray gotChecks = down.getJsonObject(0).getJsonArray("Checks");
        JsonArray wantChecks = expectedDown.getJsonObject(0).getJsonArray("Checks");
        assertEquals(wantChecks.size(), gotChecks.size(), gotChecks.encodePrettily());
        for (int i = 1; i < wantChecks.size(); i++) {
            assertSameCheck(wantChecks.getJsonObject(i), gotChecks.getJsonObject(i), "Output");
        }
        assertEquals(new JsonArray(), http.get("/v1/health/connect/web?passing=1").jsonArray(),
            "a sidecar whose public port does not listen is not passing");
    }

    @Test
    void passingOnlyWhileThePortListensAndTheServiceIsHealthy(Vertx vertx) {
        start(vertx, DevAgentOptions.defaults());
        NetServer listener = await(vertx.createNetServer().connectHandler(s -> { }).listen(port, "127.0.0.1"));
        await(agent.runChecks());
        JsonObject checks = http.get("/v1/agent/checks").json();
        JsonObject tcp = checks.getJsonObject("service:web-sidecar-proxy:1");
        assertEquals("passing", tcp.getString("Status"), tcp.encode());
        assertEquals("TCP connect 127.0.0.1:" + port + ": Success", tcp.getString("Output"));
        assertEquals("critical", checks.getJsonObject("service:web-sidecar-proxy:2").getString("Status"),
            "the alias follows web's own (critical) TTL check");
        assertEquals(0, http.get("/v1/health/connect/web?passing=1").jsonArray().size(),
            "listening is not enough while the service itself is critical");

        http.putOk("/v1/agent/check/pass/service:web", null);
        JsonObject alias = http.get("/v1/agent/checks").json().getJsonObject("service:web-sidecar-proxy:2");
        assertEquals("passing", alias.getString("Status"), alias.encode());
        assertEquals("All checks passing.", alias.getString("Output"));
        assertEquals(1, http.get("/v1/health/connect/web?passing=1").jsonArray().size(), "listening and healthy");

        await(listener.close());
        await(agent.runChecks());
        JsonObject refused = http.get("/v1/agent/checks").json().getJsonObject("service:web-sidecar-proxy:1");
        assertEquals("critical", refused.getString("Status"), refused.encode());
        assertEquals("dial tcp 127.0.0.1:" + port + ": connect: connection refused", refused.getString("Output"));
        assertEquals(0, http.get("/v1/health/connect/web?passing=1").jsonArray().size(), "the listener is gone");
    }

    @Test
    void theTcpCheckRunsOnItsOwnEveryInterval(Vertx vertx) throws Exception {
        start(vertx, DevAgentOptions.defaults().withSidecarCheckInterval(Duration.ofMillis(200)));
        http.putOk("/v1/agent/check/pass/service:web", null);
        await(vertx.createNetServer().connectHandler(s -> { }).listen(port, "127.0.0.1"));
        long deadline = System.nanoTime() + TimeUnit.SECONDS.toNanos(10);
        JsonArray passing = http.get("/v1/health/connect/web?passing=1").jsonArray();
        while (passing.isEmpty() && System.nanoTime() < deadline) {
            Thread.sleep(50);
            passing = http.get("/v1/health/connect/web?passing=1").jsonArray();
        }
        assertEquals(1, passing.size(), "passing without being asked once the port listens: "
            + http.get("/v1/agent/checks").body());
    }

    @Test
    void theIntervalIsConsulsTenSecondsUnlessSet() {
        assertEquals(Duration.ofSeconds(10), DevAgentOptions.defaults().sidecarCheckInterval());
        assertEquals(Duration.ofMillis(500), DevAgentOptions.fromJson(new JsonObject()
            .put("sidecar_check_interval", "500ms")).sidecarCheckInterval());
        ConfigException e = assertThrows(ConfigException.class,
            () -> DevAgentOptions.fromJson(new JsonObject().put("sidecar_check_interval", "0s")));
        assertEquals("sidecar_check_interval", e.field(), e.getMessage());
        assertEquals("must be positive, got \"0s\"", e.problem(), e.getMessage());
    }

    @Test
    void checksGivenWithTheSidecarReplaceTheDefaults(Vertx vertx) {
        start(vertx, DevAgentOptions.defaults());
        http.putOk("/v1/agent/service/register", new JsonObject().put("Name", "api").put("Port", 9090)
            .put("Connect", new JsonObject().put("SidecarService", new JsonObject()
                .put("Checks", new JsonArray().add(new JsonObject().put("Name", "mine").put("TTL", "30s"))))));
        JsonObject checks = http.get("/v1/agent/checks").json();
        assertEquals("mine", checks.getJsonObject("service:api-sidecar-proxy").getString("Name"), checks.encode());
        assertTrue(!checks.containsKey("service:api-sidecar-proxy:1"), checks.encode());
    }

    /** The fixture with its sidecar port replaced by ours (outputs name the address). */
    private JsonObject fixtureWithOurPort(String name) {
        return new JsonObject(Fixtures.text(name + ".json").replace(":" + FIXTURE_PORT, ":" + port));
    }

    private static void assertSameCheck(JsonObject expected, JsonObject actual, String... ignored) {
        for (String field : CHECK_FIELDS) {
            if (List.of(ignored).contains(field)) {
                continue;
            }
            assertEquals(expected.getValue(field), actual.getValue(field),
                expected.getString("CheckID") + " " + field + " in " + actual.encode());
        }
    }
}
