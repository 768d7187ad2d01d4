package io.connectproxy.inbound;

import io.connectproxy.devagent.DevCa;
import io.connectproxy.inbound.InboundTestSupport.Sidecar;
import io.connectproxy.testsupport.EchoServer;
import io.connectproxy.testsupport.MeshTestBase;
import io.connectproxy.testsupport.OpenSslClient;
import io.connectproxy.testsupport.TestMesh;
import io.vertx.core.json.JsonObject;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.Timeout;

import java.time.Duration;
import java.util.concurrent.TimeUnit;

import static org.junit.jupiter.api.Assertions.assertTrue;

/**
 * {@code tls_key_exchange_groups} on the public listener, seen from openssl s_client: the negotiated group is the
 * configured one, and with the default a peer that offers only X25519 or only P-256 (Go's and Envoy's classical
 * groups) connects.
 */
class KeyExchangeGroupsTest extends MeshTestBase {

    private OpenSslClient client() throws Exception {
        DevCa ca = mesh.agent().ca();
        DevCa.IssuedLeaf leaf = ca.issueServiceLeaf("web", Duration.ofHours(1));
        return new OpenSslClient(leaf.certPem(), leaf.privateKeyPem(), ca.rootPems());
    }

    @Test
    @Timeout(value = 60, unit = TimeUnit.SECONDS)
    void theDefaultAcceptsEitherClassicalFamily() throws Exception {
        EchoServer app = TestMesh.await(EchoServer.start(vertx));
        Sidecar echo = InboundTestSupport.sidecar(mesh, "echo", app.port(), new JsonObject());
        OpenSslClient web = client();

        String x25519 = web.exchange(echo.port(), "only-x25519", "-groups", "X25519");
        assertTrue(x25519.contains("Server Temp Key: X25519") && x25519.contains("only-x25519"),
                "X25519 negotiated and answered:\n" + x25519);
        String p256 = web.exchange(echo.port(), "only-p256", "-groups", "P-256");
        assertTrue(p256.contains("Server Temp Key: ECDH, prime256v1") && p256.contains("only-p256"),
                "P-256 negotiated and answered:\n" + p256);
    }

    @Test
    @Timeout(value = 60, unit = TimeUnit.SECONDS)
    void theConfiguredGroupIsTheNegotiatedOne() throws Exception {
        EchoServer app = TestMesh.await(EchoServer.start(vertx));
        Sidecar echo = InboundTestSupport.sidecar(mesh, "echo", app.port(),
                new JsonObject().put("tls_key_exchange_groups", "P-256"));
        OpenSslClient web = client();

        // the client prefers X25519 and sends its share; the server asks again for P-256
        String both = web.exchange(echo.port(), "both", "-groups", "X25519:P-256");
        assertTrue(both.contains("Server Temp Key: ECDH, prime256v1") && both.contains("both"),
                "P-256 negotiated although the client preferred X25519:\n" + both);
        String x25519Only = web.exchange(echo.port(), "x25519-only", "-groups", "X25519");
        assertTrue(!x25519Only.contains("x25519-only") && x25519Only.contains("handshake failure"),
                "a client without P-256 is refused in the handshake:\n" + x25519Only);
    }
}
