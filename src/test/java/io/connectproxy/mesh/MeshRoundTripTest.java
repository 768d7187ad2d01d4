package io.connectproxy.mesh;

import io.connectproxy.cli.ProxyRuntime;
import io.connectproxy.testsupport.EchoServer;
import io.connectproxy.testsupport.TestMesh;
import io.vertx.core.Vertx;
import io.vertx.core.json.JsonArray;
import io.vertx.core.json.JsonObject;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.Timeout;

import java.io.InputStream;
import java.io.OutputStream;
import java.net.Socket;
import java.nio.charset.StandardCharsets;
import java.util.concurrent.TimeUnit;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

/** web's upstream listener → mTLS → echo's sidecar → echo app and back, both sidecars real runtimes. */
class MeshRoundTripTest {
    private Vertx vertx;
    private TestMesh mesh;

    @BeforeEach
    void setUp() {
        vertx = Vertx.vertx();
        mesh = TestMesh.start(vertx);
    }

    @AfterEach
    void tearDown() throws Exception {
        mesh.close();
        vertx.close().await(10, TimeUnit.SECONDS);
    }

    @Test
    @Timeout(value = 60, unit = TimeUnit.SECONDS)
    void bytesRoundTripThroughBothSidecars() throws Exception {
        EchoServer echo = TestMesh.await(EchoServer.start(vertx));
        int upstreamPort = TestMesh.freePort();
        mesh.registerWithSidecar("echo", echo.port(), new JsonArray());
        mesh.registerWithSidecar("web", TestMesh.freePort(), new JsonArray().add(new JsonObject()
                .put("destination_name", "echo").put("local_bind_port", upstreamPort)));
        ProxyRuntime echoSidecar = mesh.startSidecar("echo");
        ProxyRuntime webSidecar = mesh.startSidecar("web");
        assertTrue(echoSidecar.ready());
        assertTrue(webSidecar.ready());

        String reply = exchange(upstreamPort, "hello through the mesh");
        assertEquals("hello through the mesh", reply);
        assertEquals(1, echo.accepted());
        assertEquals("web", webSidecar.identity().spiffeId().service());
    }

    /** Writes a line and reads the same number of bytes back, retrying while discovery catches up. */
    static String exchange(int port, String text) throws Exception {
        byte[] out = text.getBytes(StandardCharsets.UTF_8);
        AssertionError last = null;
        for (int attempt = 0; attempt < 50; attempt++) {
            try (Socket s = new Socket("127.0.0.1", port)) {
                s.setSoTimeout(5000);
                OutputStream o = s.getOutputStream();
                o.write(out);
                o.flush();
                InputStream in = s.getInputStream();
                byte[] buf = in.readNBytes(out.length);
                if (buf.length == out.length) {
                    return new String(buf, StandardCharsets.UTF_8);
                }
                last = new AssertionError("short read: " + buf.length);
            } catch (java.io.IOException e) {
                last = new AssertionError(e);
            }
            Thread.sleep(100);
        }
        throw last;
    }
}
