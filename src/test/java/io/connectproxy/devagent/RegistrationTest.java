package io.connectproxy.devagent;

import io.vertx.core.Vertx;
import io.vertx.core.json.JsonArray;
import io.vertx.core.json.JsonObject;
import io.vertx.core.net.NetServer;
import io.vertx.junit5.Timeout;
import io.vertx.junit5.VertxExtension;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.extension.ExtendWith;

import java.util.concurrent.TimeUnit;

import static io.connectproxy.devagent.AgentHttp.await;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertTrue;

/** Service registration like Consul's agent: both key spellings, sidecar expansion, checks, errors. */
@ExtendWith(VertxExtension.class)
@Timeout(value = 30, timeUnit = TimeUnit.SECONDS)
class RegistrationTest extends DevAgentTestBase {


    @Test
    void snakeCaseDefinitionExpandsItsSidecarLikeConsul() {
        http.putOk("/v1/agent/service/register", new JsonObject("""
            {"name": "web", "port": 8080, "tags": ["v1"],
             "connect": {"sidecar_service": {"proxy": {
               "config": {"bind_address": "0.0.0.0", "local_connect_timeout_ms": 1000},
               "upstreams": [{"destination_name": "db", "local_bind_port": 5432,
                              "config": {"connect_timeout_ms": 500}},
                             {"destination_type": "prepared_query", "destination_name": "q",
                              "local_bind_port": 5433, "datacenter": "dc1"}]}}}}
            """));
        JsonObject sidecar = http.get("/v1/agent/service/web-sidecar-proxy").json();
        assertEquals("connect-proxy", sidecar.getString("Kind"));
        assertEquals("web-sidecar-proxy", sidecar.getString("Service"));
        assertEquals(RegistrationPlanner.SIDECAR_MIN_PORT, sidecar.getInteger("Port"));
        assertEquals(new JsonArray().add("v1"), sidecar.getJsonArray("Tags"), "tags copied from the parent");
        assertEquals("", sidecar.getString("Address"));
        assertFalse(sidecar.containsKey("TaggedAddresses"));
        JsonObject proxy = sidecar.getJsonObject("Proxy");
        assertEquals("web", proxy.getString("DestinationServiceName"));
        assertEquals("web", proxy.getString("DestinationServiceID"));
        assertEquals("127.0.0.1", proxy.getString("LocalServiceAddress"));
        assertEquals(8080, proxy.getInteger("LocalServicePort"));
        // opaque Config keeps its snake_case keys
        assertEquals(1000, proxy.getJsonObject("Config").getInteger("local_connect_timeout_ms"));
        JsonArray upstreams = proxy.getJsonArray("Upstreams");
        assertEquals("service", upstreams.getJsonObject(0).getString("DestinationType"));
        assertEquals(500, upstreams.getJsonObject(0).getJsonObject("Config").getInteger("connect_timeout_ms"));
        assertEquals("prepared_query", upstreams.getJsonObject(1).getString("DestinationType"));
        assertEquals("dc1", upstreams.getJsonObject(1).getString("Datacenter"));

        JsonObject checks = http.get("/v1/agent/checks").json();
        JsonObject listening = checks.getJsonObject("service:web-sidecar-proxy:1");
        assertEquals("tcp", listening.getString("Type"));
        assertEquals("Connect Sidecar Listening", listening.getString("Name"));
        JsonObject alias = checks.getJsonObject("service:web-sidecar-proxy:2");
        assertEquals("alias", alias.getString("Type"));
        assertEquals("Connect Sidecar Aliasing web", alias.getString("Name"));
        assertEquals("passing", alias.getString("Status"), "web has no checks of its own");

        http.putOk("/v1/agent/service/register", new JsonObject().put("Name", "api").put("Port", 9090)
            .put("Connect", new JsonObject().put("SidecarService", new JsonObject())));
        assertEquals(RegistrationPlanner.SIDECAR_MIN_PORT + 1,
            http.get("/v1/agent/service/api-sidecar-proxy").json().getInteger("Port"), "first free port");
    }

    @Test
    void deregisteringTheParentRemovesItsSidecar() {
        http.putOk("/v1/agent/service/register", Scenario.web());
        assertEquals(2, http.get("/v1/agent/services").json().size());
        assertEquals(1, http.get("/v1/health/connect/web").jsonArray().size());
        http.putOk("/v1/agent/service/deregister/web", null);
        assertEquals(0, http.get("/v1/agent/services").json().size());
        assertEquals(0, http.get("/v1/health/connect/web").jsonArray().size());
        assertEquals(404, http.get("/v1/agent/service/web-sidecar-proxy").status());
    }

    @Test
    void checksGetConsulsIdsAndInitialStatus() {
        http.putOk("/v1/agent/service/register", new JsonObject().put("Name", "db").put("Port", 5432)
            .put("Checks", new JsonArray()
                .add(new JsonObject().put("TTL", "10s"))
                .add(new JsonObject().put("Name", "ready").put("TTL", "10s").put("Status", "passing"))));
        JsonObject checks = http.get("/v1/agent/checks").json();
        assertEquals("critical", checks.getJsonObject("service:db:1").getString("Status"));
        assertEquals("Service 'db' check", checks.getJsonObject("service:db:1").getString("Name"));
        assertEquals("passing", checks.getJsonObject("service:db:2").getString("Status"));
        assertEquals(0, http.get("/v1/health/service/db?passing=1").jsonArray().size());

        http.putOk("/v1/agent/check/update/service:db:1", new JsonObject().put("Status", "passing").put("Output", "ok"));
        JsonArray healthy = http.get("/v1/health/service/db?passing=1").jsonArray();
        assertEquals(1, healthy.size());
        assertEquals("ok", healthy.getJsonObject(0).getJsonArray("Checks").getJsonObject(1).getString("Output"));
        assertEquals(400, http.put("/v1/agent/check/update/service:db:1", new JsonObject().put("Status", "fine"))
            .status());
        assertEquals(404, http.put("/v1/agent/check/pass/no-such-check", null).status());
    }

    @Test
    void connectNativeAndDirectProxiesAppearInHealthConnect() {
        http.putOk("/v1/agent/service/register", new JsonObject().put("Name", "native").put("Port", 7000)
            .put("Connect", new JsonObject().put("Native", true)));
        http.putOk("/v1/agent/service/register", new JsonObject().put("Kind", "connect-proxy")
            .put("Name", "db-proxy").put("Port", 20000).put("Address", "127.0.0.1")
            .put("Proxy", new JsonObject().put("DestinationServiceName", "db")));
        JsonArray nativeEntries = http.get("/v1/health/connect/native").jsonArray();
        assertEquals(1, nativeEntries.size());
        assertEquals(new JsonObject().put("Native", true),
            nativeEntries.getJsonObject(0).getJsonObject("Service").getJsonObject("Connect"));
        assertTrue(http.get("/v1/agent/service/native").json().getJsonObject("Connect").getBoolean("Native"),
                () -> String.valueOf(http.get("/v1/agent/service/native").json().getJsonObject("Connect")));
        JsonArray dbEntries = http.get("/v1/catalog/connect/db").jsonArray();
        assertEquals(1, dbEntries.size());
        assertEquals(20000, dbEntries.getJsonObject(0).getInteger("ServicePort"));
    }

    @Test
    void badInputAndWrongMethodsAnswerLikeConsul() {
        AgentHttp.Answer noName = http.put("/v1/agent/service/register", new JsonObject().put("Port", 1));
        assertEquals(400, noName.status());
        assertEquals("Missing service name", noName.body());
        AgentHttp.Answer badProxy = http.put("/v1/agent/service/register",
            new JsonObject().put("Name", "p").put("Kind", "connect-proxy").put("Port", 1));
        assertEquals(400, badProxy.status());
        AgentHttp.Answer badType = http.put("/v1/agent/service/register",
            new JsonObject().put("Name", "x").put("Port", "eighty"));
        assertEquals(400, badType.status());
        assertEquals("Request decode failed: Port: expected a number", badType.body());
        AgentHttp.Answer notJson = http.put("/v1/agent/service/register", "{nope");
        assertEquals(400, notJson.status());
        assertTrue(notJson.body().startsWith("Request decode failed"), () -> String.valueOf(notJson.body()));

        AgentHttp.Answer wrongMethod = http.get("/v1/agent/service/register");
        assertEquals(405, wrongMethod.status());
        assertEquals("method GET not allowed", wrongMethod.body());
        assertEquals(405, http.post("/v1/agent/service/deregister/web", null).status());
        assertEquals(404, http.get("/v1/nothing/here").status());
        AgentHttp.Answer otherDc = http.get("/v1/health/connect/web?dc=dc9");
        assertEquals(500, otherDc.status());
        assertEquals("No path to datacenter", otherDc.body());
    }

    @Test
    void preparedQueryExecutesByNameAndFiltersUnhealthy(Vertx vertx) {
        // echo's sidecar listens, so its "Connect Sidecar Listening" check passes
        NetServer sidecar = await(vertx.createNetServer().connectHandler(s -> { }).listen(0, "127.0.0.1"));
        http.putOk("/v1/agent/service/register", Scenario.service("echo", 9000, null, sidecar.actualPort())
            .put("Check", new JsonObject().put("CheckID", "echo-ttl").put("TTL", "30s").put("Status", "passing")));
        await(agent.runChecks());
        http.post("/v1/query", new JsonObject().put("Name", "echo-q")
            .put("Service", new JsonObject().put("Service", "echo").put("OnlyPassing", true)));
        JsonObject result = http.get("/v1/query/echo-q/execute?connect=true").json();
        assertEquals("echo", result.getString("Service"));
        assertEquals("echo-sidecar-proxy",
            result.getJsonArray("Nodes").getJsonObject(0).getJsonObject("Service").getString("ID"));
        assertEquals("echo", http.get("/v1/query/echo-q/execute").json().getJsonArray("Nodes")
            .getJsonObject(0).getJsonObject("Service").getString("ID"));

        http.putOk("/v1/agent/check/warn/echo-ttl", null);
        assertEquals(0, http.get("/v1/query/echo-q/execute?connect=true").json().getJsonArray("Nodes").size());
        assertEquals(404, http.get("/v1/query/missing/execute").status());
        assertEquals(400, http.post("/v1/query", new JsonObject().put("Name", "bad")).status());
    }
}
