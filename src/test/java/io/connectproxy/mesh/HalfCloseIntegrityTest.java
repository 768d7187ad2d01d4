package io.connectproxy.mesh;

import io.connectproxy.testsupport.Await;

import io.connectproxy.net.PipePath;
import io.connectproxy.runtime.ProxyRuntime;
import io.connectproxy.testsupport.HalfCloseApp;
import io.connectproxy.testsupport.HalfCloseTraffic;
import io.connectproxy.testsupport.HalfCloseTraffic.Digest;
import io.connectproxy.testsupport.MeshTestBase;
import io.connectproxy.testsupport.TestMesh;
import io.connectproxy.testsupport.Wire;
import io.vertx.core.json.JsonArray;
import io.vertx.core.json.JsonObject;
import org.junit.jupiter.api.Timeout;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.Arguments;
import org.junit.jupiter.params.provider.MethodSource;

import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.concurrent.TimeUnit;
import java.util.stream.Stream;

import static org.junit.jupiter.api.Assertions.assertEquals;

/**
 * Half-close through the real two-sidecar path (app → web's upstream listener → mTLS → echo's public listener →
 * app), with each {@code tls_engine} on the public listener: every byte of every size arrives, checked by SHA-256,
 * in both directions. Sizes × repetitions run on one mesh; all results are collected and reported together, so a
 * failure shows the whole picture (bytes back per size), not only the first mismatch.
 */
class HalfCloseIntegrityTest extends MeshTestBase {

    /** {@code -Dhalfclose.sizes=52428800} (comma-separated bytes) for the slower tier; bench/halfclose.sh too. */
    static final long[] SIZES = java.util.Arrays.stream(System.getProperty("halfclose.sizes",
            "0,6,102400,5242880").split(",")).mapToLong(s -> Long.parseLong(s.trim())).toArray();
    static final int REPETITIONS = Integer.getInteger("halfclose.repetitions", 3);

    /** Each TLS engine on each of the pipe's paths (Netty's buffers passed through, or Vert.x's copies). */
    static Stream<Arguments> enginesAndPaths() {
        return Stream.of("openssl", "jdk").flatMap(engine -> Stream.of("pass-through", "copy")
                .map(path -> Arguments.of(engine, path)));
    }

    /** A client sends, shuts its write side and reads to EOF; the app echoes, then ends with a trailer. */
    @ParameterizedTest(name = "tls_engine {0}, forwarding {1}")
    @MethodSource("enginesAndPaths")
    @Timeout(value = 180, unit = TimeUnit.SECONDS)
    void clientHalfCloseGetsTheWholeAnswer(String engine, String forwarding) throws Exception {
        try (PipePath path = PipePath.select(forwarding);
             HalfCloseApp app = HalfCloseApp.start(HalfCloseApp.Mode.ECHO_THEN_TRAILER)) {
            int upstream = meshTo(app, engine);
            List<String> report = new ArrayList<>();
            int bad = 0;
            for (long size : SIZES) {
                Digest want = HalfCloseTraffic.expected(size, HalfCloseApp.trailer(size));
                for (int i = 0; i < REPETITIONS; i++) {
                    String got = outcome(() -> HalfCloseTraffic.sendShutRead(upstream, size));
                    if (!got.equals(want.toString())) {
                        bad++;
                    }
                    report.add(size + " B sent, #" + i + ": " + got + " (want " + want + ")");
                }
            }
            assertEquals(0, bad, "tls_engine " + engine + ", forwarding " + forwarding
                    + ", answers that were not intact:\n" + String.join("\n", report));
            path.assertTaken();
        }
    }

    /** The app answers first, shuts its write side and keeps reading: the client's bytes sent after that arrive. */
    @ParameterizedTest(name = "tls_engine {0}, forwarding {1}")
    @MethodSource("enginesAndPaths")
    @Timeout(value = 180, unit = TimeUnit.SECONDS)
    void appHalfCloseStillReceivesTheClient(String engine, String forwarding) throws Exception {
        try (PipePath path = PipePath.select(forwarding);
             HalfCloseApp app = HalfCloseApp.start(HalfCloseApp.Mode.ANSWER_FIRST)) {
            int upstream = meshTo(app, engine);
            List<String> report = new ArrayList<>();
            int bad = 0;
            for (long size : SIZES) {
                Digest want = HalfCloseTraffic.expected(size, new byte[0]);
                for (int i = 0; i < REPETITIONS; i++) {
                    String answer = outcome(() -> HalfCloseTraffic.readThenSend(upstream, size));
                    Digest appGot = app.readAfterHalfClose().poll(30, TimeUnit.SECONDS);
                    String received = appGot == null ? "nothing within 30 s" : appGot.toString();
                    if (!answer.equals(want.toString()) || !received.equals(want.toString())) {
                        bad++;
                    }
                    report.add(size + " B each way, #" + i + ": client read " + answer + ", app read after its"
                            + " half-close " + received + " (want " + want + ")");
                }
            }
            assertEquals(0, bad, "tls_engine " + engine + ", forwarding " + forwarding
                    + ", exchanges that were not intact:\n" + String.join("\n", report));
            path.assertTaken();
        }
    }

    /** Registers echo (backed by {@code app}, public listener with {@code engine}) and web; returns web's port. */
    private int meshTo(HalfCloseApp app, String engine) throws Exception {
        // the transport the proxy runs on in production: half-close goes through epoll's own shutdown paths
        assertEquals(true, mesh.preferNativeTransport() || !System.getProperty("os.name").contains("Linux"),
                "epoll available on Linux");
        int upstreamPort = TestMesh.freePort();
        mesh.register(new JsonObject().put("name", "echo").put("port", app.port()).put("connect", new JsonObject()
                .put("sidecar_service", new JsonObject().put("port", TestMesh.freePort()).put("proxy",
                        new JsonObject().put("config", new JsonObject().put("tls_engine", engine))))));
        mesh.registerWithSidecar("web", TestMesh.freePort(), new JsonArray().add(Wire.upstream("echo",
                upstreamPort)));
        mesh.startSidecar("echo");
        ProxyRuntime web = mesh.startSidecar("web");
        Await.until(Duration.ofSeconds(10), "web's upstream listener knows echo's sidecar",
                () -> web.upstreamEndpoints("service/default/echo") == 1);
        return upstreamPort;
    }

    private interface Exchange {
        Digest run() throws Exception;
    }

    private static String outcome(Exchange exchange) {
        try {
            return exchange.run().toString();
        } catch (Exception e) {
            Throwable root = e;
            while (root.getCause() != null) {
                root = root.getCause();
            }
            return "failed: " + root;
        }
    }
}
