package io.connectproxy.mesh;

import io.connectproxy.testsupport.Wire;
import io.connectproxy.runtime.ProxyRuntime;
import io.connectproxy.testsupport.EchoServer;
import io.connectproxy.testsupport.TestMesh;
import io.vertx.core.Vertx;
import io.vertx.core.json.JsonArray;
import io.vertx.core.json.JsonObject;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.Timeout;
import org.junit.jupiter.api.io.TempDir;

import java.net.UnixDomainSocketAddress;
import java.nio.ByteBuffer;
import java.nio.channels.SocketChannel;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.util.concurrent.TimeUnit;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

/** Acceptance 6 and 9 of issue 4: a prepared-query upstream, and an upstream listener on a unix socket. */
class PreparedQueryAndUnixSocketTest {
    @TempDir
    Path dir;
    private Vertx vertx;
    private TestMesh mesh;
    private EchoServer echoApp;
    private EchoServer otherApp;

    @BeforeEach
    void setUp() {
        vertx = Vertx.vertx();
        mesh = TestMesh.start(vertx);
        echoApp = TestMesh.await(EchoServer.start(vertx));
        otherApp = TestMesh.await(EchoServer.start(vertx));
        mesh.register(Wire.service("echo", "echo", echoApp.port(), TestMesh.freePort(), null, new JsonArray()));
        mesh.register(Wire.service("other", "other", otherApp.port(), TestMesh.freePort(), null, new JsonArray()));
        mesh.startSidecar("echo");
        mesh.startSidecar("other");
    }

    @AfterEach
    void tearDown() throws Exception {
        mesh.close();
        vertx.close().await(10, TimeUnit.SECONDS);
    }

    @Test
    @Timeout(value = 60, unit = TimeUnit.SECONDS)
    void preparedQueryUpstreamRoutesToTheQuerysService() throws Exception {
        Wire.agent(mesh.agent().httpAddr(), "POST", "/v1/query",
                new JsonObject().put("Name", "echo-nearest").put("Service", new JsonObject().put("Service", "echo"))
                        .encode());
        int port = TestMesh.freePort();
        mesh.register(Wire.service("web", "web", TestMesh.freePort(), TestMesh.freePort(), null,
                new JsonArray().add(new JsonObject().put("destination_type", "prepared_query")
                        .put("destination_name", "echo-nearest").put("local_bind_port", port))));
        ProxyRuntime web = mesh.startSidecar("web");

        assertEquals("via the query", Wire.exchange(port, "via the query", Duration.ofSeconds(5)));
        for (int i = 0; i < 10; i++) {
            assertEquals("q" + i, Wire.exchangeOnce(port, "q" + i));
        }
        assertEquals(11, echoApp.accepted());
        assertEquals(0, otherApp.accepted());
        assertEquals(1, web.metrics().gaugeValue("upstream_healthy_endpoints", "destination",
                "echo-nearest"));
    }

    @Test
    @Timeout(value = 60, unit = TimeUnit.SECONDS)
    void unixSocketUpstreamListener() throws Exception {
        Path socket = dir.resolve("echo.sock");
        mesh.register(Wire.service("web", "web", TestMesh.freePort(), TestMesh.freePort(), null,
                new JsonArray().add(new JsonObject().put("destination_name", "echo")
                        .put("local_bind_socket_path", socket.toString()))));
        mesh.startSidecar("web");
        assertTrue(Files.exists(socket), "socket file created");

        for (int i = 0; i < 5; i++) {
            String text = "over a unix socket " + i;
            try (SocketChannel ch = SocketChannel.open(UnixDomainSocketAddress.of(socket))) {
                ch.write(ByteBuffer.wrap(text.getBytes(StandardCharsets.UTF_8)));
                ByteBuffer in = ByteBuffer.allocate(text.length());
                while (in.hasRemaining() && ch.read(in) >= 0) {
                    // read until the echo is complete
                }
                assertEquals(text, new String(in.array(), 0, in.position(), StandardCharsets.UTF_8));
            }
        }
        assertEquals(5, echoApp.accepted());
    }
}
