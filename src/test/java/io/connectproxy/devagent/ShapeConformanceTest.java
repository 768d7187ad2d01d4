package io.connectproxy.devagent;

import io.connectproxy.testsupport.Fixtures;
import io.vertx.core.Vertx;
import io.vertx.core.json.Json;
import io.vertx.core.json.JsonArray;
import io.vertx.core.json.JsonObject;
import io.vertx.core.net.NetServer;
import io.vertx.junit5.Timeout;
import io.vertx.junit5.VertxExtension;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.extension.ExtendWith;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.ValueSource;

import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.List;
import java.util.Locale;
import java.util.concurrent.TimeUnit;

import static io.connectproxy.devagent.AgentHttp.await;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

/**
 * Sets up the fixtures' scenario on a dev agent and compares every answer's key structure (keys and JSON types,
 * recursively) and Consul headers with what a real Consul 1.10.1 answered.
 */
@ExtendWith(VertxExtension.class)
@Timeout(value = 30, timeUnit = TimeUnit.SECONDS)
class ShapeConformanceTest {

    private DevAgent agent;
    private AgentHttp http;

    @BeforeEach
    void start(Vertx vertx) {
        agent = await(DevAgent.start(vertx, DevAgentOptions.defaults().withServices(Scenario.all())));
        http = new AgentHttp(agent);
        // pong's sidecar listens, as in the recording: its "Connect Sidecar Listening" check passes, so it is
        // listed by ?passing and by a query with OnlyPassing
        NetServer pongSidecar = await(vertx.createNetServer().connectHandler(s -> { }).listen(0, "127.0.0.1"));
        http.putOk("/v1/agent/service/register", Scenario.service("pong", 9001, null, pongSidecar.actualPort()));
        await(agent.runChecks());
    }

    @AfterEach
    void stop() {
        await(agent.close());
    }

    @ParameterizedTest
    @ValueSource(strings = {"agent-self", "agent-services", "agent-service-web-sidecar", "authorize-allow",
        "authorize-deny", "ca-leaf-web", "ca-roots", "catalog-connect-pong", "health-connect-pong",
        "intentions-match", "intentions-match-deny", "query-execute"})
    void answerHasTheFixturesShape(String fixture) throws IOException {
        AgentHttp.Answer answer = answerFor(fixture);
        assertEquals(200, answer.status(), fixture + ": " + answer.body());
        Object expected = Json.decodeValue(Fixtures.text(fixture + ".json"));
        Object actual = Json.decodeValue(answer.body());
        List<String> differences = JsonShape.differences(expected, actual);
        assertTrue(differences.isEmpty(), fixture + " differs from Consul 1.10.1:\n" + String.join("\n", differences)
            + "\nbody: " + answer.body());
        assertConsulHeaders(Fixtures.dir().resolve(fixture + ".headers"), answer);
    }

    private AgentHttp.Answer answerFor(String fixture) {
        switch (fixture) {
            case "agent-self":
                return http.get("/v1/agent/self");
            case "agent-services":
                return http.get("/v1/agent/services");
            case "agent-service-web-sidecar":
                return http.get("/v1/agent/service/web-sidecar-proxy");
            case "authorize-allow":
                return authorizeWebToPong();
            case "authorize-deny":
                denyWebToPong();
                return authorizeWebToPong();
            case "ca-leaf-web":
                return http.get("/v1/agent/connect/ca/leaf/web");
            case "ca-roots":
                return http.get("/v1/agent/connect/ca/roots");
            case "catalog-connect-pong":
                return http.get("/v1/catalog/connect/pong");
            case "health-connect-pong":
                return http.get("/v1/health/connect/pong?passing=1");
            case "intentions-match":
                return http.get("/v1/connect/intentions/match?by=destination&name=pong");
            case "intentions-match-deny":
                denyWebToPong();
                return http.get("/v1/connect/intentions/match?by=destination&name=pong");
            case "query-execute":
                String id = http.post("/v1/query", new JsonObject().put("Name", "pong-query")
                    .put("Service", new JsonObject().put("Service", "pong").put("OnlyPassing", true)))
                    .json().getString("ID");
                return http.get("/v1/query/" + id + "/execute?connect=true");
            default:
                throw new IllegalArgumentException(fixture);
        }
    }

    private AgentHttp.Answer authorizeWebToPong() {
        return http.post("/v1/agent/connect/authorize", new JsonObject()
            .put("Target", "pong")
            .put("ClientCertURI", agent.ca().serviceUri("web"))
            .put("ClientCertSerial", "09"));
    }

    private void denyWebToPong() {
        AgentHttp.Answer created = http.post("/v1/connect/intentions", new JsonObject()
            .put("SourceName", "web").put("DestinationName", "pong").put("Action", "deny"));
        assertEquals(200, created.status(), created.body());
    }

    @Test
    void missingServiceIsA404WithConsulsText() {
        AgentHttp.Answer answer = http.get("/v1/agent/service/nope");
        assertEquals(404, answer.status());
        assertEquals(Fixtures.text("agent-service-missing.json").strip(), answer.body().strip());
        assertEquals("text/plain; charset=utf-8", answer.header("Content-Type"));
    }

    @Test
    void legacyManagedProxyConfigHasConsul153Shape() throws IOException {
        http.putOk("/v1/agent/service/register", new JsonObject()
            .put("Name", "legacy")
            .put("Port", 18080)
            .put("Connect", new JsonObject().put("Proxy", new JsonObject()
                .put("Config", new JsonObject().put("bind_address", "127.0.0.1"))
                .put("Upstreams", new JsonArray().add(new JsonObject()
                    .put("DestinationName", "redis").put("LocalBindPort", 11234))))));
        AgentHttp.Answer answer = http.get("/v1/agent/connect/proxy/legacy-proxy");
        assertEquals(200, answer.status(), answer.body());
        Path legacyDir = Fixtures.dir("consul-1.5.3");
        Object expected = Json.decodeValue(Files.readString(legacyDir.resolve("legacy-managed-proxy-config.json")));
        List<String> differences = JsonShape.differences(expected, answer.json());
        assertTrue(differences.isEmpty(), String.join("\n", differences) + "\n" + answer.body());
        assertConsulHeaders(legacyDir.resolve("legacy-managed-proxy-config.headers"), answer);
        JsonObject config = answer.json().getJsonObject("Config");
        assertTrue(config.getInteger("bind_port") >= RegistrationPlanner.MANAGED_MIN_PORT);
        assertEquals("127.0.0.1:18080", config.getString("local_service_address"));
    }

    /** The blocking headers are present exactly where Consul sent them; Content-Type matches. */
    private static void assertConsulHeaders(Path headersFile, AgentHttp.Answer answer) throws IOException {
        String headers = Files.readString(headersFile).toLowerCase(Locale.ROOT);
        for (String name : List.of("X-Consul-Index", "X-Consul-ContentHash")) {
            boolean inFixture = headers.contains("\n" + name.toLowerCase(Locale.ROOT) + ":");
            boolean inAnswer = answer.headers().firstValue(name).isPresent();
            assertEquals(inFixture, inAnswer, headersFile.getFileName() + ": header " + name);
        }
        assertEquals("application/json", answer.header("Content-Type"));
    }
}
