package io.connectproxy.cli;

import io.connectproxy.testsupport.Await;

import io.connectproxy.testsupport.MeshTestBase;
import io.connectproxy.testsupport.Wire;
import io.connectproxy.testsupport.Http;
import io.connectproxy.testsupport.EchoServer;
import io.connectproxy.testsupport.FatJarProcess;
import io.connectproxy.testsupport.TestMesh;
import io.vertx.core.buffer.Buffer;
import io.vertx.core.json.JsonArray;
import io.vertx.core.json.JsonObject;
import io.vertx.core.net.NetServer;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.Timeout;

import java.io.InputStream;
import java.io.OutputStream;
import java.net.ConnectException;
import java.net.Socket;
import java.nio.charset.StandardCharsets;
import java.time.Duration;
import java.util.List;
import java.util.Map;
import java.util.concurrent.TimeUnit;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertTrue;

/**
 * SIGTERM on the real jar while a connection streams through its public listener: /ready turns 503, the public
 * listener refuses new connections, the upstream listener still serves during the grace period, the stream
 * completes, and the process exits 0 within grace + drain.
 */
class DrainE2eTest extends MeshTestBase {
    private static final int CHUNKS = 20;
    private static final int CHUNK_SIZE = 100;
    private static final long GRACE_MS = 2500;
    private static final long DRAIN_MS = 4000;

    private FatJarProcess proxy;
    private final java.util.concurrent.atomic.AtomicInteger appConnections =
            new java.util.concurrent.atomic.AtomicInteger();

    @AfterEach
    void stopOwnParts() throws Exception {
        if (proxy != null) {
            proxy.close();
        }
    }

    /** The "web" app: after the first bytes it streams CHUNKS chunks, one every 100 ms, then closes. */
    private int startStreamingApp() {
        NetServer server = vertx.createNetServer().connectHandler(s -> {
            appConnections.incrementAndGet();
            boolean[] started = {false};
            s.handler(b -> {
                if (started[0]) {
                    return;
                }
                started[0] = true;
                int[] sent = {0};
                vertx.setPeriodic(100, t -> {
                    s.write(Buffer.buffer("x".repeat(CHUNK_SIZE)));
                    if (++sent[0] == CHUNKS) {
                        vertx.cancelTimer(t);
                        s.end();
                    }
                });
            });
        });
        return TestMesh.await(server.listen(0, "127.0.0.1")).actualPort();
    }

    @Test
    @Timeout(value = 90, unit = TimeUnit.SECONDS)
    void sigtermDrainsAndExitsZero() throws Exception {
        int webApp = startStreamingApp();
        EchoServer echo = TestMesh.await(EchoServer.start(vertx));
        int webPublic = TestMesh.freePort();
        int webToEcho = TestMesh.freePort();
        int clientToWeb = TestMesh.freePort();
        int admin = TestMesh.freePort();
        mesh.registerWithSidecar("echo", echo.port(), new JsonArray());
        mesh.register(new JsonObject().put("name", "web").put("port", webApp).put("connect", new JsonObject()
                .put("sidecar_service", new JsonObject().put("port", webPublic).put("proxy", new JsonObject()
                        .put("config", new JsonObject().put("shutdown_grace_ms", GRACE_MS)
                                .put("drain_timeout_ms", DRAIN_MS))
                        .put("upstreams", new JsonArray().add(new JsonObject().put("destination_name", "echo")
                                .put("local_bind_port", webToEcho)))))));
        mesh.registerWithSidecar("client", TestMesh.freePort(), new JsonArray().add(new JsonObject()
                .put("destination_name", "web").put("local_bind_port", clientToWeb)));
        mesh.startSidecar("echo");
        mesh.startSidecar("client");

        proxy = FatJarProcess.start(List.of("-sidecar-for", "web", "-http-addr", mesh.agent().httpAddr(),
                "-admin-bind", "127.0.0.1:" + admin), Map.of());
        proxy.awaitLine(l -> l.contains("ready: web"), Duration.ofSeconds(30));
        assertEquals(200, Http.get(admin, "/ready").status());
        assertEquals("ping", Wire.exchange(webToEcho, "ping", java.time.Duration.ofSeconds(10)));

        try (Socket stream = openStream(clientToWeb)) {
            InputStream in = stream.getInputStream();
            byte[] first = in.readNBytes(CHUNK_SIZE);
            assertEquals(CHUNK_SIZE, first.length);

            long t0 = System.nanoTime();
            sigterm(proxy.process());

            Await.until(Duration.ofSeconds(3), "/ready did not turn 503",
                    () -> Http.get(admin, "/ready").status() == 503);
            // a new connection through the mesh is not served: closed by the draining proxy, never reaching the app
            int before = appConnections.get();
            try (Socket late = new Socket("127.0.0.1", clientToWeb)) {
                late.setSoTimeout(5000);
                late.getOutputStream().write("go".getBytes(StandardCharsets.UTF_8));
                assertEquals(-1, late.getInputStream().read(), "a new connection was served while draining");
            }
            assertEquals(before, appConnections.get());
            // the app may still need its upstreams while it shuts down
            assertEquals("pong", Wire.exchange(webToEcho, "pong", java.time.Duration.ofSeconds(10)));
            assertTrue(elapsedMs(t0) < GRACE_MS, "upstream check came too late to prove the grace period");

            byte[] rest = in.readAllBytes();
            assertEquals((CHUNKS - 1) * CHUNK_SIZE, rest.length, () -> "the open stream was cut: " + proxy.output());
            assertTrue(elapsedMs(t0) < DRAIN_MS, "stream finished after the drain timeout");
            // once idle, the public listener is closed: connections are refused at the TCP level
            Await.until(Duration.ofSeconds(3), "the public listener still accepts after its last connection ended",
                    () -> refused(webPublic));
        }
        long t1 = System.nanoTime();
        assertEquals(0, proxy.awaitExit(Duration.ofSeconds(20)), proxy.output());
        assertTrue(elapsedMs(t1) < GRACE_MS + DRAIN_MS + 2000, "exit took " + elapsedMs(t1) + " ms");
        String out = proxy.output();
        assertTrue(out.contains("SIGTERM: draining"), out);
        assertTrue(out.contains("stopped"), out);
        // a normal shutdown is not an incident: the calls its own closing cuts are not an agent outage
        assertFalse(out.contains("[WARN]") || out.contains("[ERROR]"), out);
    }

    @Test
    @Timeout(value = 60, unit = TimeUnit.SECONDS)
    void aSecondSignalExitsAtOnce(@org.junit.jupiter.api.io.TempDir java.nio.file.Path dir) throws Exception {
        EchoServer app = TestMesh.await(EchoServer.start(vertx));
        java.nio.file.Path conf = dir.resolve("web.json");
        // a long grace: after the first signal the upstream listener would keep the process alive for a minute
        java.nio.file.Files.writeString(conf, new JsonObject().put("service", new JsonObject().put("name", "web")
                .put("port", app.port()).put("connect", new JsonObject().put("proxy", new JsonObject()
                        .put("config", new JsonObject().put("bind_port", TestMesh.freePort())
                                .put("shutdown_grace_ms", 60_000)
                                .put("upstreams", new JsonArray().add(new JsonObject()
                                        .put("destination_name", "db")
                                        .put("local_bind_port", TestMesh.freePort())))))))
                .put("admin", new JsonObject().put("bind", "off")).encode());
        proxy = FatJarProcess.start(List.of("-conf", conf.toString(), "-http-addr", mesh.agent().httpAddr()),
                Map.of());
        proxy.awaitLine(l -> l.contains("ready: web"), Duration.ofSeconds(30));

        sigterm(proxy.process());
        proxy.awaitLine(l -> l.contains("SIGTERM: draining"), Duration.ofSeconds(10));
        assertTrue(proxy.process().isAlive(), "the first signal must drain, not exit");
        long t = System.nanoTime();
        sigterm(proxy.process());
        assertEquals(143, proxy.awaitExit(Duration.ofSeconds(10)), proxy.output());
        assertTrue(elapsedMs(t) < 5000, "the second signal took " + elapsedMs(t) + " ms");
    }

    /**
     * SIGTERM without {@link Process#destroy()}, which also closes our ends of the process's pipes and so loses
     * what it logs while draining.
     */
    static void sigterm(Process p) throws Exception {
        Process kill = new ProcessBuilder("kill", "-TERM", Long.toString(p.pid())).inheritIO().start();
        assertEquals(0, kill.waitFor(), "kill -TERM failed");
    }

    private static long elapsedMs(long since) {
        return TimeUnit.NANOSECONDS.toMillis(System.nanoTime() - since);
    }

    private static boolean refused(int port) {
        try (Socket s = new Socket("127.0.0.1", port)) {
            return false;
        } catch (ConnectException e) {
            return true;
        } catch (java.io.IOException e) {
            return false;
        }
    }

    /** Connects through the client's upstream listener and starts the stream, retrying while discovery settles. */
    private static Socket openStream(int port) throws Exception {
        for (int attempt = 0; attempt < 100; attempt++) {
            Socket s = new Socket("127.0.0.1", port);
            s.setSoTimeout(10_000);
            s.getOutputStream().write("go".getBytes(StandardCharsets.UTF_8));
            s.getOutputStream().flush();
            s.setSoTimeout(3000);
            try {
                int b = s.getInputStream().read();
                if (b >= 0) {
                    s.setSoTimeout(10_000);
                    return new PushbackSocket(s, b);
                }
            } catch (java.net.SocketTimeoutException e) {
                // not routed yet
            }
            s.close();
            Thread.sleep(100);
        }
        throw new AssertionError("no stream through port " + port);
    }

    /** A connected socket whose first byte was already read to know the stream started; it is given back. */
    private static final class PushbackSocket extends Socket {
        private final Socket inner;
        private final java.io.PushbackInputStream in;

        PushbackSocket(Socket inner, int firstByte) throws java.io.IOException {
            this.inner = inner;
            this.in = new java.io.PushbackInputStream(inner.getInputStream(), 1);
            this.in.unread(firstByte);
        }

        @Override
        public InputStream getInputStream() {
            return in;
        }

        @Override
        public OutputStream getOutputStream() throws java.io.IOException {
            return inner.getOutputStream();
        }

        @Override
        public synchronized void close() throws java.io.IOException {
            inner.close();
        }
    }
}
