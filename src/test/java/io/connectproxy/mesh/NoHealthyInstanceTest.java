package io.connectproxy.mesh;

import io.connectproxy.testsupport.Await;

import io.connectproxy.testsupport.Wire;
import io.connectproxy.runtime.ProxyRuntime;
import io.connectproxy.testsupport.EchoServer;
import io.connectproxy.testsupport.TestMesh;
import io.connectproxy.upstream.UpstreamListenerVerticle;
import io.vertx.core.Vertx;
import io.vertx.core.json.JsonArray;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.Timeout;

import java.io.InputStream;
import java.net.Socket;
import java.time.Duration;
import java.util.List;
import java.util.concurrent.CopyOnWriteArrayList;
import java.util.concurrent.TimeUnit;
import java.util.logging.Handler;
import java.util.logging.LogRecord;
import java.util.logging.Logger;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

/**
 * Acceptance 5 and 8 of issue 4: with no healthy instance the client is closed at once with a logged reason, an
 * instance registered later is used without restarting anything, and once endpoints are known the agent going
 * away does not stop new connections.
 */
class NoHealthyInstanceTest {
    private final List<String> logged = new CopyOnWriteArrayList<>();
    private final Handler capture = new Handler() {
        @Override
        public void publish(LogRecord r) {
            logged.add(io.connectproxy.testsupport.LogCapture.line(r));
        }

        @Override
        public void flush() {
        }

        @Override
        public void close() {
        }
    };
    private final Logger listenerLog = Logger.getLogger(UpstreamListenerVerticle.class.getName());
    private Vertx vertx;
    private TestMesh mesh;

    @BeforeEach
    void setUp() {
        listenerLog.addHandler(capture);
        vertx = Vertx.vertx();
        mesh = TestMesh.start(vertx);
    }

    @AfterEach
    void tearDown() throws Exception {
        listenerLog.removeHandler(capture);
        mesh.close();
        vertx.close().await(10, TimeUnit.SECONDS);
    }

    @Test
    @Timeout(value = 60, unit = TimeUnit.SECONDS)
    void closesPromptlyThenServesAnInstanceRegisteredLaterThenSurvivesTheAgentStopping() throws Exception {
        int port = TestMesh.freePort();
        mesh.register(Wire.service("web", "web", TestMesh.freePort(), TestMesh.freePort(), null,
                new JsonArray().add(Wire.upstream("echo", port))));
        ProxyRuntime web = mesh.startSidecar("web");

        long start = System.nanoTime();
        try (Socket s = new Socket("127.0.0.1", port)) {
            s.setSoTimeout(5000);
            s.getOutputStream().write("anyone?".getBytes());
            InputStream in = s.getInputStream();
            assertEquals(-1, in.read(), "closed without a byte");
        } catch (java.net.SocketException reset) {
            // a reset is a close too
        }
        long closeMs = (System.nanoTime() - start) / 1_000_000L;
        assertTrue(closeMs < 500, "closed promptly, took " + closeMs + " ms");
        Await.until(Duration.ofSeconds(2), "a logged reason, got " + logged, () -> logged.stream().anyMatch(m -> m.startsWith("WARNING") && m.contains("echo")
                && m.contains("no healthy endpoint")));
        assertEquals(1.0, web.metrics().count("upstream_dial_failures_total", "upstream", "echo",
                "reason", "no_endpoint"));

        EchoServer app = TestMesh.await(EchoServer.start(vertx));
        mesh.register(Wire.service("echo", "echo", app.port(), TestMesh.freePort(), null, new JsonArray()));
        mesh.startSidecar("echo");
        assertEquals("now?", Wire.exchange(port, "now?", Duration.ofSeconds(5)));
        // echo's sidecar caches authorization answers per inbound listener instance (one per event loop): let
        // every instance see web once, so with the agent down the answers come from those caches
        for (int i = 0; i < 4; i++) {
            assertEquals("warm " + i, Wire.exchangeOnce(port, "warm " + i));
        }

        TestMesh.await(mesh.agent().stopListening());
        for (int i = 0; i < 20; i++) {
            assertEquals("agent down " + i, Wire.exchangeOnce(port, "agent down " + i));
        }
        assertTrue(app.accepted() >= 25, "new connections reached the app: " + app.accepted());
        System.out.println("[figures] no endpoint -> client closed in " + closeMs + " ms");
    }
}
