package io.connectproxy.inbound;

import io.connectproxy.testsupport.Await;

import io.connectproxy.devagent.DevAgent;
import io.connectproxy.devagent.DevCa;
import io.connectproxy.testsupport.LogCapture;
import io.connectproxy.inbound.InboundTestSupport.Sidecar;
import io.connectproxy.testsupport.EchoServer;
import io.connectproxy.testsupport.TestMesh;
import io.vertx.core.Vertx;
import io.vertx.core.json.JsonObject;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.Timeout;

import javax.net.ssl.SSLSocket;
import java.io.IOException;
import java.net.InetAddress;
import java.net.InetSocketAddress;
import java.net.ServerSocket;
import java.net.Socket;
import java.time.Duration;
import java.util.List;
import java.util.concurrent.CopyOnWriteArrayList;
import java.util.concurrent.TimeUnit;

import static io.connectproxy.inbound.InboundTestSupport.msUntilClosed;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

/**
 * The agent goes away under a running sidecar: first hung (its port accepts and never answers, the worst case
 * for a bounded call), then refusing, then back. Known clients keep connecting from the cache; an unknown one is
 * denied within the authorization timeout; when the agent returns the unknown one gets in, without a restart.
 */
class InboundAgentDownTest {
    private Vertx vertx;
    private TestMesh mesh;

    @AfterEach
    void tearDown() throws Exception {
        mesh.close();
        vertx.close().await(10, TimeUnit.SECONDS);
    }

    @Test
    @Timeout(value = 40, unit = TimeUnit.SECONDS)
    void cachedClientsConnectUncachedAreDeniedInBoundedTimeAndAllRecovers() throws Exception {
        vertx = Vertx.vertx();
        mesh = TestMesh.start(vertx);
        DevAgent agent = mesh.agent();
        DevCa ca = agent.ca();
        EchoServer app = TestMesh.await(EchoServer.start(vertx));
        Sidecar echo = InboundTestSupport.sidecar(mesh, "echo", app.port(), new JsonObject());
        MeshClient known = MeshClient.of(ca.issueServiceLeaf("web", Duration.ofHours(1)), ca.rootPems());
        MeshClient newcomer = MeshClient.of(ca.issueServiceLeaf("newcomer", Duration.ofHours(1)), ca.rootPems());
        try (SSLSocket s = known.connect(echo.port())) {
            assertEquals("warm", MeshClient.roundTrip(s, "warm"));
        }

        TestMesh.await(agent.stopListening());
        try (Blackhole hung = new Blackhole(agent.port());
             LogCapture log = new LogCapture(InboundAcceptorVerticle.class)) {
            try (SSLSocket s = known.connect(echo.port())) {
                assertEquals("cached", MeshClient.roundTrip(s, "cached"), "a cached client needs no agent");
            }
            int accepted = app.accepted();
            try (SSLSocket s = newcomer.connect(echo.port())) {
                int clientPort = s.getLocalPort();
                long ms = msUntilClosed(s.getInputStream());
                long bound = InboundAcceptorVerticle.AUTHZ_TIMEOUT.toMillis();
                assertTrue(ms >= bound - 300 && ms < bound + 1500, "denied after " + ms + " ms, bound " + bound);
                Await.until(Duration.ofSeconds(2), "denial logged", () -> !log.matching(":" + clientPort).isEmpty());
                List<String> lines = log.matching(":" + clientPort);
                assertEquals(1, lines.size(), lines.toString());
                assertTrue(lines.get(0).contains("authorization unavailable"), lines.get(0));
            }
            assertEquals(accepted, app.accepted(), "the app was never dialled for the unknown client");
            assertEquals(1, echo.rejections("authz_error"));
            assertTrue(hung.accepted() > 0, "the sidecar did try the hung agent");
        }

        // port closed: refused at once, still a bounded deny
        try (SSLSocket s = newcomer.connect(echo.port())) {
            assertTrue(msUntilClosed(s.getInputStream()) < 1500);
        }
        assertEquals(2, echo.rejections("authz_error"));

        TestMesh.await(agent.listen());
        Await.until(Duration.ofSeconds(10), "the newcomer gets in once the agent is back", () -> {
            try (SSLSocket s = newcomer.connect(echo.port())) {
                return "back".equals(MeshClient.roundTrip(s, "back"));
            } catch (IOException e) {
                return false;
            }
        });
        try (SSLSocket s = known.connect(echo.port())) {
            assertEquals("still", MeshClient.roundTrip(s, "still"));
        }
    }

    /** Accepts TCP connections on the agent's port and never answers. */
    private static final class Blackhole implements AutoCloseable {
        private final ServerSocket server;
        private final List<Socket> held = new CopyOnWriteArrayList<>();

        Blackhole(int port) throws IOException {
            server = new ServerSocket();
            server.setReuseAddress(true);
            server.bind(new InetSocketAddress(InetAddress.getLoopbackAddress(), port));
            Thread t = new Thread(() -> {
                while (!server.isClosed()) {
                    try {
                        held.add(server.accept());
                    } catch (IOException e) {
                        return;
                    }
                }
            }, "blackhole-agent");
            t.setDaemon(true);
            t.start();
        }

        int accepted() {
            return held.size();
        }

        @Override
        public void close() throws IOException {
            server.close();
            for (Socket s : held) {
                s.close();
            }
        }
    }
}
