package io.connectproxy.mesh;

import io.connectproxy.runtime.ProxyRuntime;
import io.connectproxy.testsupport.Await;
import io.connectproxy.testsupport.EchoServer;
import io.connectproxy.testsupport.MeshTestBase;
import io.connectproxy.testsupport.LogCapture;
import io.connectproxy.testsupport.TestMesh;
import io.connectproxy.testsupport.Wire;
import io.connectproxy.upstream.UpstreamListenerVerticle;
import io.vertx.core.json.JsonArray;
import io.vertx.core.json.JsonObject;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.Timeout;

import java.io.IOException;
import java.io.InputStream;
import java.net.Socket;
import java.nio.charset.StandardCharsets;
import java.time.Duration;
import java.util.concurrent.TimeUnit;

import static org.junit.jupiter.api.Assertions.assertEquals;

/**
 * An upstream's {@code config.max_connections}: the connection beyond it is closed at once without a mesh dial,
 * counted as rejections_total{listener="upstream",reason="over_limit"} and logged with its fields; the open
 * ones keep flowing and a closed one frees its place.
 */
class UpstreamLimitTest extends MeshTestBase {

    @Test
    @Timeout(value = 60, unit = TimeUnit.SECONDS)
    void theConnectionBeyondMaxConnectionsIsClosedAtOnceAndCounted() throws Exception {
        EchoServer app = TestMesh.await(EchoServer.start(vertx));
        mesh.register(Wire.service("echo", "echo", app.port(), TestMesh.freePort(), null, new JsonArray()));
        mesh.startSidecar("echo");
        int port = TestMesh.freePort();
        mesh.register(Wire.service("web", "web", TestMesh.freePort(), TestMesh.freePort(), null, new JsonArray()
                .add(Wire.upstream("echo", port).put("config", new JsonObject().put("max_connections", 1)))));
        ProxyRuntime web = mesh.startSidecar("web");
        // ready does not wait for endpoints: before they are known a connection is closed as no_endpoint
        Await.until(Duration.ofSeconds(10), "echo's endpoint known to web", () ->
                web.upstreamEndpoints("service/default/echo") == 1);

        try (LogCapture log = new LogCapture(UpstreamListenerVerticle.class); Socket first = connect(port)) {
            assertEquals("one", roundTrip(first, "one"));
            int accepted = app.accepted();
            try (Socket second = connect(port)) {
                second.getOutputStream().write("two".getBytes(StandardCharsets.UTF_8));
                assertEquals(-1, readOrReset(second.getInputStream()), "the second connection got an answer");
            }
            Await.until(Duration.ofSeconds(3), "over_limit counted, counters: " + web.metrics().count(
                    "rejections_total", "listener", "upstream", "reason", "over_limit"), () ->
                    web.metrics().count("rejections_total", "listener", "upstream", "reason", "over_limit")
                            == 1.0);
            assertEquals(accepted, app.accepted(), "a connection over the limit reached the app");
            Await.until(Duration.ofSeconds(3), "logged: " + log.messages, () -> log.messages.stream().anyMatch(m ->
                    m.contains("max_connections reached") && m.contains("reason=over_limit")
                            && m.contains("destination=echo") && m.contains("listener=upstream ")));
            assertEquals("one again", roundTrip(first, "one again"));
        }
        Await.until(Duration.ofSeconds(5), "a new connection is served after the first closed", () -> {
            try (Socket s = connect(port)) {
                return "after".equals(roundTrip(s, "after"));
            } catch (IOException e) {
                return false;
            }
        });
    }

    private static Socket connect(int port) throws IOException {
        Socket s = new Socket("127.0.0.1", port);
        s.setSoTimeout(5000);
        return s;
    }

    private static String roundTrip(Socket s, String text) throws IOException {
        s.getOutputStream().write(text.getBytes(StandardCharsets.UTF_8));
        byte[] buf = new byte[text.length()];
        int n = 0;
        while (n < buf.length) {
            int r = s.getInputStream().read(buf, n, buf.length - n);
            if (r < 0) {
                return new String(buf, 0, n, StandardCharsets.UTF_8) + "<EOF>";
            }
            n += r;
        }
        return new String(buf, StandardCharsets.UTF_8);
    }

    private static int readOrReset(InputStream in) throws IOException {
        try {
            return in.read();
        } catch (java.net.SocketException reset) {
            return -1;
        }
    }
}
