package io.connectproxy.inbound;

import io.connectproxy.devagent.DevCa;
import io.connectproxy.testsupport.LogCapture;
import io.connectproxy.inbound.InboundTestSupport.Sidecar;
import io.connectproxy.logging.JsonLogLine;
import io.connectproxy.testsupport.Await;
import io.connectproxy.testsupport.EchoServer;
import io.connectproxy.testsupport.TestMesh;
import io.vertx.core.Vertx;
import io.vertx.core.json.JsonObject;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.Timeout;

import javax.net.ssl.SSLSocket;
import java.io.IOException;
import java.nio.charset.StandardCharsets;
import java.time.Duration;
import java.util.List;
import java.util.concurrent.TimeUnit;
import java.util.logging.LogRecord;

import static org.junit.jupiter.api.Assertions.assertEquals;

/**
 * {@code max_inbound_connections}: beyond it a connection is closed at once, counted as over_limit and logged with
 * its facts as fields; a closed connection frees its place. And a rejection's JSON line carries those fields.
 */
class InboundLimitTest {
    private static final JsonObject TUNING = new JsonObject()
            .put("handshake_timeout_ms", 2000)
            .put("max_inbound_connections", 2);

    private static Vertx vertx;
    private static TestMesh mesh;
    private static DevCa ca;
    private static EchoServer app;
    private static Sidecar capped;

    @BeforeAll
    static void startMesh() {
        vertx = Vertx.vertx();
        mesh = TestMesh.start(vertx);
        ca = mesh.agent().ca();
        app = TestMesh.await(EchoServer.start(vertx));
        capped = InboundTestSupport.sidecar(mesh, "capped", app.port(), TUNING);
    }

    @AfterAll
    static void stopMesh() throws Exception {
        mesh.close();
        vertx.close().await(10, TimeUnit.SECONDS);
    }

    private static MeshClient client(String service) {
        return MeshClient.of(ca.issueServiceLeaf(service, Duration.ofHours(1)), ca.rootPems());
    }

    @Test
    @Timeout(value = 30, unit = TimeUnit.SECONDS)
    void beyondTheLimitIsClosedAtOnceCountedAndLoggedWithFieldsAndAClosedOneFreesItsPlace() throws Exception {
        MeshClient web = client("web");
        double overLimit = capped.rejections("over_limit");
        try (LogCapture log = new LogCapture(InboundAcceptorVerticle.class);
             SSLSocket first = web.connect(capped.port()); SSLSocket second = web.connect(capped.port())) {
            assertEquals("one", MeshClient.roundTrip(first, "one"));
            assertEquals("two", MeshClient.roundTrip(second, "two"));
            int accepted = app.accepted();
            int thirdPort;
            try (SSLSocket third = web.open(capped.port())) {
                thirdPort = third.getLocalPort();
                try {
                    third.startHandshake();
                    third.getOutputStream().write("three".getBytes(StandardCharsets.UTF_8));
                    assertEquals("", MeshClient.readUntilClosed(third), "the third connection got an answer");
                } catch (IOException refused) {
                    // closed before or during the handshake: refused
                }
            }
            Await.until(Duration.ofSeconds(3), "over_limit counted", () ->
                    capped.rejections("over_limit") == overLimit + 1);
            assertEquals(accepted, app.accepted(), "the app was dialled for a connection over the limit");
            Await.until(Duration.ofSeconds(3), "over_limit logged", () ->
                    !log.matching("max_inbound_connections", ":" + thirdPort).isEmpty());
            LogRecord r = log.records().stream()
                    .filter(x -> io.connectproxy.testsupport.LogCapture.line(x).contains(":" + thirdPort))
                    .findFirst().orElseThrow();
            JsonObject json = JsonLogLine.of(r);
            assertEquals("over_limit", json.getString("reason"), json.encode());
            assertEquals("public", json.getString("listener"), json.encode());
            assertEquals("capped", json.getString("destination"), json.encode());
            assertEquals(2, json.getInteger("limit"), json.encode());
            assertEquals(true, json.getString("peer", "").endsWith(":" + thirdPort), json.encode());

            // still served: the two open ones keep flowing
            assertEquals("one again", MeshClient.roundTrip(first, "one again"));
        }
        // both closed: their places are free again
        Await.until(Duration.ofSeconds(5), "a new connection is served after the others closed", () -> {
            try (SSLSocket s = web.connect(capped.port())) {
                return "after".equals(MeshClient.roundTrip(s, "after"));
            } catch (IOException e) {
                return false;
            }
        });
    }

    @Test
    @Timeout(value = 30, unit = TimeUnit.SECONDS)
    void aDeniedConnectionsJsonLineHasPeerSpiffeIdListenerDestinationAndReason() throws Exception {
        InboundTestSupport.intention(mesh.agent(), "stranger", "capped", "deny");
        try (LogCapture log = new LogCapture(InboundAcceptorVerticle.class);
             SSLSocket s = client("stranger").connect(capped.port())) {
            int port = s.getLocalPort();
            try {
                s.getOutputStream().write("let me in".getBytes(StandardCharsets.UTF_8));
                MeshClient.readUntilClosed(s);
            } catch (IOException closed) {
                // refused
            }
            Await.until(Duration.ofSeconds(3), "denial logged", () -> !log.matching(":" + port).isEmpty());
            List<LogRecord> lines = log.records().stream()
                    .filter(x -> io.connectproxy.testsupport.LogCapture.line(x).contains(":" + port)).toList();
            assertEquals(1, lines.size(), log.matching(":" + port).toString());
            JsonObject json = JsonLogLine.of(lines.get(0));
            assertEquals(true, json.getString("peer", "").endsWith(":" + port), json.encode());
            assertEquals(true, json.getString("spiffe_id", "").startsWith("spiffe://" + ca.trustDomain() + "/")
                    && json.getString("spiffe_id").endsWith("/svc/stranger"), json.encode());
            assertEquals("public", json.getString("listener"), json.encode());
            assertEquals("capped", json.getString("destination"), json.encode());
            assertEquals("denied", json.getString("reason"), json.encode());
            assertEquals(true, json.getString("@message").contains("denied"), json.encode());
        }
    }
}
