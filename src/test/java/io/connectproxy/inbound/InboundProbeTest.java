package io.connectproxy.inbound;

import io.connectproxy.testsupport.Await;

import io.connectproxy.testsupport.LogCapture;
import io.connectproxy.inbound.InboundTestSupport.Sidecar;
import io.connectproxy.testsupport.EchoServer;
import io.connectproxy.testsupport.TestMesh;
import io.vertx.core.Vertx;
import io.vertx.core.json.JsonObject;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.ValueSource;
import org.junit.jupiter.api.Timeout;

import java.io.IOException;
import java.net.InetSocketAddress;
import java.net.Socket;
import java.time.Duration;
import java.util.List;
import java.util.Map;
import java.util.concurrent.TimeUnit;
import java.util.logging.Level;
import java.util.logging.Logger;

import static io.connectproxy.inbound.InboundTestSupport.msUntilClosed;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

/**
 * A TCP health check against the public listener (connect, close, no byte: Consul's "Connect Sidecar Listening"
 * every 10 s) is a probe for both TLS engines: its own counter, nothing at INFO, no handshake failure and no
 * rejection. A peer that sent part of a handshake and then closed is still a failure.
 */
class InboundProbeTest {
    private static final JsonObject TUNING = new JsonObject().put("handshake_timeout_ms", 3000);

    private static Vertx vertx;
    private static TestMesh mesh;
    private static Map<String, Sidecar> byEngine;

    @BeforeAll
    static void startMesh() {
        vertx = Vertx.vertx();
        mesh = TestMesh.start(vertx);
        EchoServer app = TestMesh.await(EchoServer.start(vertx));
        byEngine = Map.of(
                "openssl", InboundTestSupport.sidecar(mesh, "probed-openssl", app.port(), TUNING),
                "jdk", InboundTestSupport.sidecar(mesh, "probed-jdk", app.port(),
                        TUNING.copy().put("tls_engine", "jdk")));
    }

    @AfterAll
    static void stopMesh() throws Exception {
        mesh.close();
        vertx.close().await(10, TimeUnit.SECONDS);
    }

    @ParameterizedTest
    @ValueSource(strings = {"openssl", "jdk"})
    @Timeout(value = 20, unit = TimeUnit.SECONDS)
    void connectAndCloseIsAProbe(String engine) throws Exception {
        Sidecar sidecar = byEngine.get(engine);
        try (LogCapture log = new LogCapture(InboundAcceptorVerticle.class)) {
            assertProbe(sidecar, log, false);
        }
    }

    @ParameterizedTest
    @ValueSource(strings = {"openssl", "jdk"})
    @Timeout(value = 20, unit = TimeUnit.SECONDS)
    void connectAndResetIsAProbe(String engine) throws Exception {
        Sidecar sidecar = byEngine.get(engine);
        try (LogCapture log = new LogCapture(InboundAcceptorVerticle.class)) {
            assertProbe(sidecar, log, true);
        }
    }

    @ParameterizedTest
    @ValueSource(strings = {"openssl", "jdk"})
    @Timeout(value = 20, unit = TimeUnit.SECONDS)
    void partOfAHelloThenCloseIsAFailure(String engine) throws Exception {
        Sidecar sidecar = byEngine.get(engine);
        double failures = sidecar.handshakeFailures("peer_closed");
        double rejected = sidecar.rejections("handshake");
        try (LogCapture log = new LogCapture(InboundAcceptorVerticle.class)) {
            int clientPort;
            try (Socket s = plain(sidecar.port())) {
                clientPort = s.getLocalPort();
                // a record header promising a ClientHello, then the peer goes away
                s.getOutputStream().write(InboundTestSupport.clientHello(0x0303), 0, 20);
                s.getOutputStream().flush();
                s.shutdownOutput();
                msUntilClosed(s.getInputStream());
            }
            Await.until(Duration.ofSeconds(5), "handshake failure peer_closed counted (before " + failures
                            + "; now " + counters(sidecar) + ")", () -> sidecar.handshakeFailures("peer_closed") == failures + 1);
            assertEquals(rejected + 1, sidecar.rejections("handshake"), "rejections_total{reason=handshake}");
            // the line is written just after the counters move, on the event loop: wait for it, then make sure
            // it stays one
            Await.until(Duration.ofSeconds(5), "the failure logged at INFO",
                    () -> !log.matching("INFO", ":" + clientPort, "(peer_closed)").isEmpty());
            List<String> lines = log.matching("INFO", ":" + clientPort, "(peer_closed)");
            assertEquals(1, lines.size(), "the failure is logged at INFO once: " + lines);
        }
    }

    /**
     * The agent's own "Connect Sidecar Listening" checks probe the sidecar too (at start and every 10 s), so the
     * counter may move by more than one: this probe is recognised by its DEBUG line naming its port.
     */
    private static void assertProbe(Sidecar sidecar, LogCapture log, boolean reset) throws Exception {
        Logger logger = Logger.getLogger(InboundAcceptorVerticle.class.getName());
        Level level = logger.getLevel();
        logger.setLevel(Level.FINE);
        try {
            double probes = probes(sidecar);
            double failures = totalHandshakeFailures(sidecar);
            double rejected = sidecar.rejections("handshake");
            int clientPort;
            try (Socket s = plain(sidecar.port())) {
                clientPort = s.getLocalPort();
                if (reset) {
                    s.setSoLinger(true, 0);
                }
            }
            Await.until(Duration.ofSeconds(5), "probe from port " + clientPort + " logged at DEBUG (probes_total "
                    + probes(sidecar) + ", before " + probes + "; " + counters(sidecar) + ")", () -> !log.matching("FINE", "probe from", ":" + clientPort).isEmpty());
            assertTrue(probes(sidecar) >= probes + 1, "probes_total " + probes(sidecar) + ", before " + probes);
            assertEquals(failures, totalHandshakeFailures(sidecar), "tls_handshake_failures_total moved for a probe");
            assertEquals(rejected, sidecar.rejections("handshake"),
                    "rejections_total{reason=handshake} moved for a probe");
            List<String> loud = log.records().stream()
                    .filter(r -> r.getLevel().intValue() > Level.FINE.intValue())
                    .map(io.connectproxy.testsupport.LogCapture::line)
                    .filter(m -> m.contains(":" + clientPort)).toList();
            assertEquals(List.of(), loud, "a probe is logged at DEBUG at most");
        } finally {
            logger.setLevel(level);
        }
    }

    /** Every counter of the sidecar with a value, for failure messages. */
    private static String counters(Sidecar sidecar) {
        StringBuilder b = new StringBuilder();
        sidecar.metrics().registry().getMeters().stream()
                .filter(m -> m instanceof io.micrometer.core.instrument.Counter c && c.count() > 0)
                .forEach(m -> b.append(m.getId().getName()).append(m.getId().getTags()).append('=')
                        .append(((io.micrometer.core.instrument.Counter) m).count()).append(' '));
        return b.toString();
    }

    private static double probes(Sidecar sidecar) {
        return sidecar.metrics().count("probes_total", "listener", "public");
    }

    private static double totalHandshakeFailures(Sidecar sidecar) {
        return sidecar.metrics().registry().find("connect_proxy_tls_handshake_failures_total").counters().stream()
                .mapToDouble(c -> c.count()).sum();
    }

    private static Socket plain(int port) throws IOException {
        Socket s = new Socket();
        s.connect(new InetSocketAddress("127.0.0.1", port), 2000);
        s.setSoTimeout(8000);
        return s;
    }
}
