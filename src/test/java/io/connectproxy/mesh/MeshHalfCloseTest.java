package io.connectproxy.mesh;

import io.connectproxy.testsupport.EchoServer;
import io.connectproxy.testsupport.MeshTestBase;
import io.connectproxy.testsupport.TestMesh;
import io.vertx.core.json.JsonArray;
import io.vertx.core.json.JsonObject;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.Timeout;

import java.io.InputStream;
import java.net.Socket;
import java.nio.charset.StandardCharsets;
import java.util.concurrent.TimeUnit;

import static org.junit.jupiter.api.Assertions.assertEquals;

/**
 * An app that writes its request and shuts its write side, through web's upstream listener, mTLS and echo's sidecar
 * (tls_engine jdk, which can pass a TLS 1.3 half-close on), still gets the answer the echo app sends on EOF.
 */
class MeshHalfCloseTest extends MeshTestBase {

    @Test
    @Timeout(value = 60, unit = TimeUnit.SECONDS)
    void halfCloseCrossesBothSidecars() throws Exception {
        EchoServer app = TestMesh.await(EchoServer.start(vertx, true));
        int upstreamPort = TestMesh.freePort();
        int echoSidecar = TestMesh.freePort();
        mesh.register(new JsonObject().put("name", "echo").put("port", app.port()).put("connect", new JsonObject()
                .put("sidecar_service", new JsonObject().put("port", echoSidecar).put("proxy", new JsonObject()
                        .put("config", new JsonObject().put("tls_engine", "jdk"))))));
        mesh.registerWithSidecar("web", TestMesh.freePort(), new JsonArray().add(new JsonObject()
                .put("destination_name", "echo").put("local_bind_port", upstreamPort)));
        mesh.startSidecar("echo");
        mesh.startSidecar("web");

        String reply = null;
        for (int attempt = 0; attempt < 50 && reply == null; attempt++) {
            try (Socket s = new Socket("127.0.0.1", upstreamPort)) {
                s.setSoTimeout(5000);
                s.getOutputStream().write("question".getBytes(StandardCharsets.UTF_8));
                s.shutdownOutput();
                InputStream in = s.getInputStream();
                String got = new String(in.readAllBytes(), StandardCharsets.UTF_8);
                if (!got.isEmpty()) {
                    reply = got;
                }
            } catch (java.io.IOException e) {
                // discovery may not have the endpoint yet
            }
            if (reply == null) {
                Thread.sleep(100);
            }
        }
        assertEquals("got:question", reply);
        for (int i = 0; i < 10; i++) {
            try (Socket s = new Socket("127.0.0.1", upstreamPort)) {
                s.setSoTimeout(5000);
                s.getOutputStream().write(("q" + i).getBytes(StandardCharsets.UTF_8));
                s.shutdownOutput();
                assertEquals("got:q" + i, new String(s.getInputStream().readAllBytes(), StandardCharsets.UTF_8));
            }
        }
    }
}
