package io.connectproxy.devagent;

import io.vertx.core.json.JsonArray;
import io.vertx.core.json.JsonObject;
import io.vertx.junit5.Timeout;
import io.vertx.junit5.VertxExtension;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.extension.ExtendWith;

import java.util.concurrent.CompletableFuture;
import java.util.concurrent.TimeUnit;

import static io.connectproxy.devagent.AgentHttp.await;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertNull;
import static org.junit.jupiter.api.Assertions.assertTrue;

/** Intentions decide authorize answers with Consul's reasons and precedence; match is index-blocking. */
@ExtendWith(VertxExtension.class)
@Timeout(value = 30, timeUnit = TimeUnit.SECONDS)
class IntentionsAuthorizeTest extends DevAgentTestBase {


    private JsonObject authorize(String client, String target) {
        AgentHttp.Answer answer = http.post("/v1/agent/connect/authorize", new JsonObject()
            .put("Target", target).put("ClientCertURI", agent.ca().serviceUri(client)).put("ClientCertSerial", "0a"));
        assertEquals(200, answer.status(), answer.body());
        return answer.json();
    }

    @Test
    void denyThenDeleteRestoresTheDefaultAllow() {
        assertEquals(new JsonObject().put("Authorized", true).put("Reason", AuthorizeEndpoint.DEFAULT_ALLOW),
            authorize("web", "pong"));

        String id = http.post("/v1/connect/intentions", new JsonObject()
            .put("SourceName", "web").put("DestinationName", "pong").put("Action", "deny")).json().getString("ID");
        JsonObject denied = authorize("web", "pong");
        assertFalse(denied.getBoolean("Authorized"));
        assertEquals("Matched L4 intention: default/web => default/pong (ID: " + id + ", Precedence: 9, Action: DENY)",
            denied.getString("Reason"));
        assertTrue(authorize("echo", "pong").getBoolean("Authorized"), "other sources are unaffected");

        AgentHttp.Answer deleted = http.delete("/v1/connect/intentions/" + id);
        assertEquals(200, deleted.status());
        assertEquals(AuthorizeEndpoint.DEFAULT_ALLOW, authorize("web", "pong").getString("Reason"));
        assertEquals(404, http.delete("/v1/connect/intentions/" + id).status());
    }

    @Test
    void exactEndpointsUpsertAndDeleteWithoutAnId() {
        AgentHttp.Answer put = http.put("/v1/connect/intentions/exact?source=web&destination=pong",
            new JsonObject().put("Action", "deny"));
        assertEquals("true", put.body());
        assertEquals("Matched L4 intention: default/web => default/pong (Precedence: 9, Action: DENY)",
            authorize("web", "pong").getString("Reason"));
        http.putOk("/v1/connect/intentions/exact?source=web&destination=pong", new JsonObject().put("Action", "allow"));
        JsonObject allowed = authorize("web", "pong");
        assertTrue(allowed.getBoolean("Authorized"), () -> String.valueOf(allowed));
        assertEquals("Matched L4 intention: default/web => default/pong (Precedence: 9, Action: ALLOW)",
            allowed.getString("Reason"));
        assertEquals("allow", http.get("/v1/connect/intentions/exact?source=web&destination=pong").json()
            .getString("Action"));

        assertEquals("true", http.delete("/v1/connect/intentions/exact?source=web&destination=pong").body());
        assertEquals(AuthorizeEndpoint.DEFAULT_ALLOW, authorize("web", "pong").getString("Reason"));
        assertEquals(404, http.get("/v1/connect/intentions/exact?source=web&destination=pong").status());
    }

    @Test
    void wildcardsFollowConsulsPrecedence() {
        http.putOk("/v1/connect/intentions/exact?source=*&destination=*", new JsonObject().put("Action", "deny"));
        http.putOk("/v1/connect/intentions/exact?source=web&destination=*", new JsonObject().put("Action", "allow"));
        http.putOk("/v1/connect/intentions/exact?source=*&destination=pong", new JsonObject().put("Action", "deny"));
        http.putOk("/v1/connect/intentions/exact?source=admin&destination=pong", new JsonObject().put("Action", "allow"));

        assertEquals("Matched L4 intention: default/* => default/* (Precedence: 5, Action: DENY)",
            authorize("echo", "db").getString("Reason"));
        assertEquals("Matched L4 intention: default/web => default/* (Precedence: 6, Action: ALLOW)",
            authorize("web", "db").getString("Reason"));
        // *→pong (8) beats web→* (6)
        JsonObject webToPong = authorize("web", "pong");
        assertFalse(webToPong.getBoolean("Authorized"));
        assertEquals("Matched L4 intention: default/* => default/pong (Precedence: 8, Action: DENY)",
            webToPong.getString("Reason"));
        assertTrue(authorize("admin", "pong").getBoolean("Authorized"));

        JsonArray matches = http.get("/v1/connect/intentions/match?by=destination&name=pong").json().getJsonArray("pong");
        assertEquals(4, matches.size());
        int previous = Integer.MAX_VALUE;
        for (int i = 0; i < matches.size(); i++) {
            int precedence = matches.getJsonObject(i).getInteger("Precedence");
            assertTrue(precedence <= previous, "sorted by precedence: " + matches);
            previous = precedence;
        }
        assertEquals(9, matches.getJsonObject(0).getInteger("Precedence"));
    }

    @Test
    void matchBlocksUntilAnIntentionChanges() throws Exception {
        AgentHttp.Answer first = http.get("/v1/connect/intentions/match?by=destination&name=pong");
        assertNull(first.json().getValue("pong"));
        CompletableFuture<AgentHttp.Answer> parked =
            http.getAsync("/v1/connect/intentions/match?by=destination&name=pong&index=" + first.index() + "&wait=10s");
        Thread.sleep(200);
        assertFalse(parked.isDone());
        http.post("/v1/connect/intentions", new JsonObject()
            .put("SourceName", "web").put("DestinationName", "pong").put("Action", "deny"));
        AgentHttp.Answer answer = parked.get(5, TimeUnit.SECONDS);
        assertTrue(answer.index() > first.index(),
                () -> "answer.index() = " + answer.index() + ", " + "first.index() = " + first.index());
        assertEquals(1, answer.json().getJsonArray("pong").size());
    }

    @Test
    void badRequestsAreRejectedWithConsulsTexts() {
        AgentHttp.Answer notSpiffe = http.post("/v1/agent/connect/authorize", new JsonObject()
            .put("Target", "pong").put("ClientCertURI", "https://example.com/web"));
        assertEquals(400, notSpiffe.status());
        assertEquals("ClientCertURI not a valid Connect identifier", notSpiffe.body());
        AgentHttp.Answer agentId = http.post("/v1/agent/connect/authorize", new JsonObject().put("Target", "pong")
            .put("ClientCertURI", "spiffe://" + agent.trustDomain() + "/agent/client/dc/dc1/id/node-1"));
        assertEquals(400, agentId.status());
        assertEquals("ClientCertURI not a valid Service identifier", agentId.body());
        assertEquals(400, http.post("/v1/agent/connect/authorize", new JsonObject()
            .put("ClientCertURI", agent.ca().serviceUri("web"))).status());

        JsonObject foreign = http.post("/v1/agent/connect/authorize", new JsonObject().put("Target", "pong")
            .put("ClientCertURI", "spiffe://11111111-2222-3333-4444-555555555555.consul/ns/default/dc/dc1/svc/web"))
            .json();
        assertFalse(foreign.getBoolean("Authorized"));

        assertEquals(400, http.post("/v1/connect/intentions", new JsonObject()
            .put("SourceName", "web").put("DestinationName", "pong").put("Action", "maybe")).status());
        http.post("/v1/connect/intentions", new JsonObject()
            .put("SourceName", "web").put("DestinationName", "pong").put("Action", "deny"));
        AgentHttp.Answer duplicate = http.post("/v1/connect/intentions", new JsonObject()
            .put("SourceName", "web").put("DestinationName", "pong").put("Action", "allow"));
        assertEquals(500, duplicate.status());
        assertTrue(duplicate.body().startsWith("duplicate intention found: "), duplicate.body());
        assertEquals(400, http.get("/v1/connect/intentions/match?by=nobody&name=pong").status());
        assertEquals(500, http.get("/v1/connect/intentions/match?by=destination&name=pong&dc=dc2").status());
    }
}
