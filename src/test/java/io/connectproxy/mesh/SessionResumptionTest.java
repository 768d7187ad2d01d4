package io.connectproxy.mesh;

import io.connectproxy.testsupport.Await;

import io.connectproxy.testsupport.Wire;
import io.connectproxy.testsupport.MeshTestBase;
import io.connectproxy.runtime.ProxyRuntime;
import io.connectproxy.testsupport.EchoServer;
import io.connectproxy.testsupport.TestMesh;
import io.vertx.core.json.JsonArray;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.Timeout;

import java.io.InputStream;
import java.net.Socket;
import java.time.Duration;
import java.util.concurrent.TimeUnit;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

/**
 * Issue 6, the fast path on the dial side: after the first connection to an endpoint, later ones resume its TLS
 * session (no full handshake), and a resumed session is still identity-checked per connection: when the same
 * address is later expected to be another service, the cached session's certificate does not pass.
 */
class SessionResumptionTest extends MeshTestBase {

    private static double resumed(ProxyRuntime web, String upstream) {
        var c = web.metrics().registry().find("connect_proxy_upstream_tls_resumed_total").tag("destination", upstream)
                .counter();
        return c == null ? 0 : c.count();
    }

    @Test
    @Timeout(value = 60, unit = TimeUnit.SECONDS)
    void laterDialsResumeAndAResumedSessionIsStillIdentityChecked() throws Exception {
        EchoServer app = TestMesh.await(EchoServer.start(vertx));
        int echoSidecarPort = TestMesh.freePort();
        mesh.register(Wire.service("echo", "echo", app.port(), echoSidecarPort, null, new JsonArray()));
        ProxyRuntime echo = mesh.startSidecar("echo");
        int appPort = TestMesh.freePort();
        int sidecarPort = TestMesh.freePort();
        int port = TestMesh.freePort();
        mesh.register(Wire.service("web", "web", appPort, sidecarPort, null,
                new JsonArray().add(Wire.upstream("echo", port))));
        ProxyRuntime web = mesh.startSidecar("web");

        int n = 20;
        long[] micros = new long[n];
        for (int i = 0; i < n; i++) {
            long t = System.nanoTime();
            assertEquals("r" + i, Wire.exchange(port, "r" + i, Duration.ofSeconds(5)));
            micros[i] = (System.nanoTime() - t) / 1_000;
        }
        double resumed = resumed(web, "echo");
        // one listener instance per event loop, each with its own client: each makes one full handshake at most
        assertTrue(resumed >= n - 2, "resumed " + resumed + " of " + n);
        // the server's own count (BoringSSL's ticket resumptions), not an inference on the dialling side
        double serverResumed = echo.metrics().count("tls_resumed_total", "listener", "public");
        assertTrue(serverResumed >= n - 2, "echo's sidecar resumed " + serverResumed + " of " + n + " handshakes");
        System.out.println("[figures] resumed " + (long) resumed + " of " + n + " dials; round trip first "
                + micros[0] + " us, last " + micros[n - 1] + " us");

        // "other" is registered at echo's sidecar address: the session cached for that address names echo
        mesh.register(Wire.service("other", "other", TestMesh.freePort(), echoSidecarPort, null, new JsonArray()));
        mesh.register(Wire.service("web", "web", appPort, sidecarPort, null,
                new JsonArray().add(Wire.upstream("other", port))));
        Await.until(Duration.ofSeconds(2), "web watches other",
                () -> web.upstreamEndpoints("service/default/other") == 1);
        int accepted = app.accepted();
        for (int i = 0; i < 4; i++) {
            try (Socket s = new Socket("127.0.0.1", port)) {
                s.setSoTimeout(5000);
                s.getOutputStream().write("to other?".getBytes());
                InputStream in = s.getInputStream();
                assertEquals(-1, in.read(), "no byte from a peer that is not other");
            } catch (java.net.SocketException reset) {
                // closed
            }
        }

        assertTrue(web.metrics().count("upstream_dial_failures_total", "destination", "other", "reason", "identity") >= 4);
        assertTrue(resumed(web, "other") == 0, "a session whose peer failed the check is not counted as resumed");
    }
}
