package io.connectproxy.devagent;

import io.connectproxy.testsupport.Fixtures;
import io.vertx.core.Vertx;
import io.vertx.core.json.Json;
import io.vertx.core.json.JsonObject;
import io.vertx.junit5.Timeout;
import io.vertx.junit5.VertxExtension;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.extension.ExtendWith;

import java.io.IOException;
import java.nio.file.Files;
import java.util.List;
import java.util.concurrent.TimeUnit;
import java.util.regex.Matcher;
import java.util.regex.Pattern;

import static io.connectproxy.devagent.AgentHttp.await;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertNotEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

/**
 * A real {@code consul agent -dev} restarted without its state (recorded in ca-roots-before/after-restart and
 * ca-leaf-web-before/after-restart) has a new CA and trust domain but answers with the same indexes and the same
 * leaf serial; {@link DevAgent#restart()} must look the same to a client.
 */
@ExtendWith(VertxExtension.class)
@Timeout(value = 30, timeUnit = TimeUnit.SECONDS)
class RestartConformanceTest {
    private static final Pattern INDEX = Pattern.compile("(?im)^X-Consul-Index:\\s*(\\d+)\\s*$");

    @Test
    void restartHasANewCaButTheSameIndexesAndSerialLikeConsul(Vertx vertx) throws IOException {
        // what the real agent did
        long realRootsBefore = fixtureIndex("ca-roots-before-restart");
        long realRootsAfter = fixtureIndex("ca-roots-after-restart");
        long realLeafBefore = fixtureIndex("ca-leaf-web-before-restart");
        long realLeafAfter = fixtureIndex("ca-leaf-web-after-restart");
        assertEquals(realRootsBefore, realRootsAfter, "fixtures: roots index across the restart");
        assertEquals(realLeafBefore, realLeafAfter, "fixtures: leaf index across the restart");
        JsonObject realRootsA = Fixtures.json("ca-roots-before-restart.json");
        JsonObject realRootsB = Fixtures.json("ca-roots-after-restart.json");
        assertNotEquals(realRootsA.getString("TrustDomain"), realRootsB.getString("TrustDomain"), "fixtures");
        assertEquals(Fixtures.json("ca-leaf-web-before-restart.json").getString("SerialNumber"),
            Fixtures.json("ca-leaf-web-after-restart.json").getString("SerialNumber"), "fixtures: leaf serial");

        DevAgent agent = await(DevAgent.start(vertx, DevAgentOptions.defaults().withServices(Scenario.all())));
        try {
            AgentHttp http = new AgentHttp(agent);
            int port = agent.port();
            AgentHttp.Answer rootsBefore = http.get("/v1/agent/connect/ca/roots");
            AgentHttp.Answer leafBefore = http.get("/v1/agent/connect/ca/leaf/web");

            await(agent.restart());

            assertEquals(port, agent.port(), "same port after the restart");
            // a new client: the old one's pooled connection was cut by the restart
            http = new AgentHttp(agent);
            AgentHttp.Answer rootsAfter = http.get("/v1/agent/connect/ca/roots");
            AgentHttp.Answer leafAfter = http.get("/v1/agent/connect/ca/leaf/web");
            assertEquals(rootsBefore.index(), rootsAfter.index(), "roots index across the restart");
            assertEquals(leafBefore.index(), leafAfter.index(), "leaf index across the restart");
            assertNotEquals(rootsBefore.json().getString("TrustDomain"), rootsAfter.json().getString("TrustDomain"),
                "trust domain across the restart");
            assertNotEquals(rootsBefore.json().getString("ActiveRootID"), rootsAfter.json().getString("ActiveRootID"),
                "active root across the restart");
            assertEquals(leafBefore.json().getString("SerialNumber"), leafAfter.json().getString("SerialNumber"),
                "leaf serial across the restart");
            assertNotEquals(leafBefore.json().getString("CertPEM"), leafAfter.json().getString("CertPEM"),
                "leaf certificate across the restart");
            assertTrue(leafAfter.json().getString("ServiceURI").contains(rootsAfter.json().getString("TrustDomain")),
                "new leaf is in the new trust domain: " + leafAfter.json().getString("ServiceURI"));
            // configured services are back; the answers keep the real agent's shape
            assertEquals(6, http.get("/v1/agent/services").json().size(), "services after the restart");
            List<String> differences = JsonShape.differences(Json.decodeValue(Fixtures.text(
                "ca-roots-after-restart.json")), rootsAfter.json());
            assertTrue(differences.isEmpty(), String.join("\n", differences));
            differences = JsonShape.differences(Json.decodeValue(Fixtures.text("ca-leaf-web-after-restart.json")),
                leafAfter.json());
            assertTrue(differences.isEmpty(), String.join("\n", differences));
        } finally {
            await(agent.close());
        }
    }

    private static long fixtureIndex(String name) throws IOException {
        Matcher m = INDEX.matcher(Files.readString(Fixtures.dir().resolve(name + ".headers")));
        assertTrue(m.find(), name + ".headers has no X-Consul-Index");
        return Long.parseLong(m.group(1));
    }
}
