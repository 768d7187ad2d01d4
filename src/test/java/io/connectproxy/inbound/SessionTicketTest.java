package io.connectproxy.inbound;

import io.connectproxy.devagent.DevCa;
import io.connectproxy.inbound.InboundTestSupport.Sidecar;
import io.connectproxy.testsupport.Await;
import io.connectproxy.testsupport.EchoServer;
import io.connectproxy.testsupport.MeshTestBase;
import io.connectproxy.testsupport.OpenSslClient;
import io.connectproxy.testsupport.TestMesh;
import io.vertx.core.json.JsonObject;
import org.junit.jupiter.api.Timeout;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.ValueSource;

import java.time.Duration;
import java.util.concurrent.TimeUnit;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertTrue;

/**
 * TLS 1.3 session resumption on the public listener, with a client that is not this proxy (openssl s_client):
 * a second connection resumes from the first one's ticket, and the resumed connection still carries the caller's
 * certificate (the sidecar needs its SPIFFE id to authorize and answers only then); a ticket from before a CA change
 * is not accepted after it.
 */
class SessionTicketTest extends MeshTestBase {

    private static double resumed(Sidecar s) {
        return s.metrics().count("tls_resumed_total", "listener", "public");
    }

    @ParameterizedTest
    @ValueSource(strings = {"openssl", "jdk"})
    @Timeout(value = 60, unit = TimeUnit.SECONDS)
    void aSecondConnectionResumesWithTheCallersIdentityAndNotAcrossACaChange(String engine) throws Exception {
        EchoServer app = TestMesh.await(EchoServer.start(vertx));
        Sidecar echo = InboundTestSupport.sidecar(mesh, "echo", app.port(), new JsonObject().put("tls_engine", engine));
        DevCa ca = mesh.agent().ca();
        DevCa.IssuedLeaf webLeaf = ca.issueServiceLeaf("web", Duration.ofHours(1));
        OpenSslClient web = new OpenSslClient(webLeaf.certPem(), webLeaf.privateKeyPem(), ca.rootPems());
        String session = web.sessionFile("first").toString();

        String first = web.exchange(echo.port(), "first", "-sess_out", session);
        assertTrue(first.contains("New, TLSv1.3") && first.contains("first"), "full handshake answered:\n" + first);
        String second = web.exchange(echo.port(), "second", "-sess_in", session);
        assertTrue(second.contains("Reused, TLSv1.3"), "the second connection resumed:\n" + second);
        assertTrue(second.contains("second"), "answered on the resumed session (caller identity known):\n" + second);
        if (engine.equals("openssl")) {
            assertEquals(1.0, resumed(echo), "connect_proxy_tls_resumed_total{listener=public}");
        }

        String serialBefore = echo.runtime().identity().serial();
        TestMesh.await(mesh.agent().rotateRoot());
        Await.until(Duration.ofSeconds(20), "echo's sidecar takes the leaf of the new CA",
                () -> !echo.runtime().identity().serial().equals(serialBefore));
        String after = web.exchange(echo.port(), "after", "-sess_in", session);
        assertFalse(after.contains("Reused"), "a session from before the CA change must not resume:\n" + after);
        assertTrue(after.contains("New, TLSv1.3") && after.contains("after"),
                "a full handshake instead (old root still trusted), answered:\n" + after);
        if (engine.equals("openssl")) {
            assertEquals(1.0, resumed(echo), "no resumption counted after the CA change");
        }
    }
}
