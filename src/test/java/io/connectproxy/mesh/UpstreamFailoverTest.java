package io.connectproxy.mesh;

import io.connectproxy.runtime.ProxyRuntime;
import io.connectproxy.testsupport.EchoServer;
import io.connectproxy.testsupport.MeshTestBase;
import io.connectproxy.testsupport.TestMesh;
import io.vertx.core.json.JsonObject;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.Timeout;

import java.io.IOException;
import java.net.InetSocketAddress;
import java.net.ServerSocket;
import java.net.Socket;
import java.net.SocketTimeoutException;
import java.util.ArrayList;
import java.util.List;
import java.util.concurrent.TimeUnit;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

/**
 * An instance that is still listed as passing but cannot answer must cost a new connection at most its share of
 * {@code connect_timeout_ms}, and the connection is then served by a healthy instance: the chaos soak found both
 * ways this failed — a blackholed instance (its link down: SYNs dropped) took the whole connect timeout, and a
 * frozen one (SIGSTOP: TCP accepted by the kernel, no TLS answer) held the dial for the client's 10 s handshake
 * timeout; neither tried the healthy instance.
 */
class UpstreamFailoverTest extends MeshTestBase {
    private static final int CONNECT_TIMEOUT_MS = 2_000;

    @Test
    @Timeout(value = 90, unit = TimeUnit.SECONDS)
    void aBlackholedInstanceIsSkippedWithinTheConnectTimeout() throws Exception {
        // a listener that never accepts: once its accept queue is full the kernel drops further SYNs, as for a
        // host whose link is down. It answers the agent's TCP check first, so it is listed as passing.
        try (ServerSocket blackhole = new ServerSocket(0, 1, java.net.InetAddress.getLoopbackAddress())) {
            ProxyRuntime web = meshWithBadInstance(blackhole.getLocalPort());
            List<Socket> queue = fillAcceptQueue(blackhole.getLocalPort());
            try {
                assertEveryConnectionServed(web, "timeout");
            } finally {
                for (Socket s : queue) {
                    s.close();
                }
            }
        }
    }

    @Test
    @Timeout(value = 90, unit = TimeUnit.SECONDS)
    void aFrozenInstanceIsSkippedWithinTheConnectTimeout() throws Exception {
        // accepts TCP (the kernel does that for a stopped process too) and never says a word of TLS
        try (ServerSocket frozen = new ServerSocket(0, 50, java.net.InetAddress.getLoopbackAddress())) {
            List<Socket> held = new ArrayList<>();
            Thread acceptor = new Thread(() -> {
                try {
                    while (true) {
                        held.add(frozen.accept());
                    }
                } catch (IOException closed) {
                    // the test is over
                }
            }, "frozen-instance");
            acceptor.setDaemon(true);
            acceptor.start();
            ProxyRuntime web = meshWithBadInstance(frozen.getLocalPort());
            assertEveryConnectionServed(web, "timeout");
        }
    }

    /** echo: one healthy instance with its sidecar, one "instance" whose sidecar port is {@code badPort}. */
    private ProxyRuntime meshWithBadInstance(int badPort) throws Exception {
        TwoEchoInstances echo = webWithAGoodAndABadEchoInstance(badPort,
                new JsonObject().put("connect_timeout_ms", CONNECT_TIMEOUT_MS));
        upstreamPort = echo.upstreamPort();
        return echo.web();
    }

    private int upstreamPort;

    private void assertEveryConnectionServed(ProxyRuntime web, String reason) throws Exception {
        double failedBefore = web.metrics().count("upstream_dial_failures_total", "destination", "echo",
                "reason", reason);
        // round robin: half of these try the bad instance first
        for (int i = 0; i < 6; i++) {
            long t0 = System.nanoTime();
            try (Socket s = new Socket("127.0.0.1", upstreamPort)) {
                s.setSoTimeout(CONNECT_TIMEOUT_MS + 3_000);
                String text = "hello " + i;
                s.getOutputStream().write(text.getBytes(java.nio.charset.StandardCharsets.UTF_8));
                byte[] answer = s.getInputStream().readNBytes(text.length());
                long ms = (System.nanoTime() - t0) / 1_000_000L;
                assertEquals(text, new String(answer, java.nio.charset.StandardCharsets.UTF_8),
                        "connection " + i + " answered after " + ms + " ms");
            } catch (SocketTimeoutException e) {
                throw new AssertionError("connection " + i + " not answered within "
                        + (CONNECT_TIMEOUT_MS + 3_000) + " ms", e);
            }
        }
        double failed = web.metrics().count("upstream_dial_failures_total", "destination", "echo", "reason", reason)
                - failedBefore;
        assertTrue(failed >= 1, "the bad instance was tried and counted as a failed dial (" + reason + "): "
                + failed);
    }

    /** Connects until a connect no longer completes: the listener's accept queue is full. */
    private static List<Socket> fillAcceptQueue(int port) throws IOException {
        List<Socket> queued = new ArrayList<>();
        for (int i = 0; i < 64; i++) {
            Socket s = new Socket();
            try {
                s.connect(new InetSocketAddress("127.0.0.1", port), 300);
                queued.add(s);
            } catch (SocketTimeoutException full) {
                s.close();
                return queued;
            }
        }
        throw new AssertionError("the accept queue of " + port + " never filled");
    }
}
