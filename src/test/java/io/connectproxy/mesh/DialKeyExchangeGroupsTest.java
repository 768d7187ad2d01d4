package io.connectproxy.mesh;

import io.connectproxy.runtime.ProxyRuntime;
import io.connectproxy.testsupport.EchoServer;
import io.connectproxy.testsupport.LogCapture;
import io.connectproxy.testsupport.MeshTestBase;
import io.connectproxy.testsupport.TestMesh;
import io.connectproxy.testsupport.Wire;
import io.vertx.core.json.JsonArray;
import io.vertx.core.json.JsonObject;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.Timeout;

import java.io.InputStream;
import java.net.Socket;
import java.time.Duration;
import java.util.concurrent.TimeUnit;
import java.util.logging.Level;

import static org.junit.jupiter.api.Assertions.assertEquals;

/**
 * {@code tls_key_exchange_groups} applies to the dials too: a web sidecar that offers only P-256 cannot reach an
 * echo sidecar that accepts only X25519 (the dial fails in the handshake, nothing is answered), and reaches it once
 * web offers both.
 */
class DialKeyExchangeGroupsTest extends MeshTestBase {

    private static JsonObject withGroups(JsonObject definition, String groups) {
        definition.getJsonObject("connect").getJsonObject("sidecar_service").getJsonObject("proxy")
                .put("config", new JsonObject().put("tls_key_exchange_groups", groups));
        return definition;
    }

    @Test
    @Timeout(value = 60, unit = TimeUnit.SECONDS)
    void dialsOfferOnlyTheConfiguredGroups() throws Exception {
        EchoServer app = TestMesh.await(EchoServer.start(vertx));
        mesh.register(withGroups(Wire.service("echo", "echo", app.port(), TestMesh.freePort(), null,
                new JsonArray()), "x25519"));
        mesh.startSidecar("echo");
        int port = TestMesh.freePort();
        int appPort = TestMesh.freePort();
        int sidecarPort = TestMesh.freePort();
        mesh.register(withGroups(Wire.service("web", "web", appPort, sidecarPort, null,
                new JsonArray().add(Wire.upstream("echo", port))), "P-256"));
        ProxyRuntime web = mesh.startSidecar("web");

        try (Socket s = new Socket("127.0.0.1", port)) {
            s.setSoTimeout(5000);
            s.getOutputStream().write("no common group".getBytes());
            InputStream in = s.getInputStream();
            assertEquals(-1, in.read(), "no byte through a dial whose groups the server does not accept");
        } catch (java.net.SocketException reset) {
            // closed with a reset: also nothing answered
        }
        double failed = web.metrics().count("upstream_dial_failures_total", "destination", "echo");
        assertEquals(true, failed >= 1, "the dial counted as failed: " + failed);

        int port2 = TestMesh.freePort();
        mesh.register(withGroups(Wire.service("web2", "web2", TestMesh.freePort(), TestMesh.freePort(), null,
                new JsonArray().add(Wire.upstream("echo", port2))), "P-256,x25519"));
        mesh.startSidecar("web2");
        assertEquals("common group", Wire.exchange(port2, "common group", Duration.ofSeconds(5)),
                "answered when the dialler offers X25519 as well");
    }

    @Test
    @Timeout(value = 60, unit = TimeUnit.SECONDS)
    void aLiveChangeOfTheGroupsIsRefusedWithAWarningNamingTheKey() throws Exception {
        try (LogCapture log = new LogCapture(ProxyRuntime.class)) {
            EchoServer app = TestMesh.await(EchoServer.start(vertx));
            int appPort = app.port();
            int sidecarPort = TestMesh.freePort();
            mesh.register(withGroups(Wire.service("echo", "echo", appPort, sidecarPort, null, new JsonArray()),
                    "x25519"));
            mesh.startSidecar("echo");
            mesh.register(withGroups(Wire.service("echo", "echo", appPort, sidecarPort, null, new JsonArray()),
                    "P-256"));
            log.await(Duration.ofSeconds(15), "tls_key_exchange_groups: ");
            String warning = log.matching("tls_key_exchange_groups: ").get(0);
            assertEquals(true, warning.contains("\"secp256r1\"") && warning.contains("keep \"x25519\"")
                    && warning.contains("until the proxy restarts"), warning);
        }
    }
}
