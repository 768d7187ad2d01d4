package io.connectproxy.mesh;

import io.connectproxy.testsupport.Await;

import io.connectproxy.runtime.ProxyRuntime;
import io.connectproxy.testsupport.EchoServer;
import io.connectproxy.testsupport.MeshTestBase;
import io.connectproxy.testsupport.TestMesh;
import io.connectproxy.testsupport.Wire;
import io.vertx.core.json.JsonArray;
import io.vertx.core.json.JsonObject;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.Timeout;

import java.net.Socket;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.TimeUnit;

import static org.junit.jupiter.api.Assertions.assertEquals;

/**
 * The handshake bound of the public listener at its tightest, {@code max_handshakes_in_flight: 1}: connections
 * beyond it wait with their ClientHello left in the kernel and still complete once their turn comes, and a peer
 * that takes a slot and never sends a byte does not hold the others back until its handshake timeout (60 s here,
 * longer than this test may run).
 */
class HandshakeAdmissionTest extends MeshTestBase {

    @Test
    @Timeout(value = 45, unit = TimeUnit.SECONDS)
    void waitingHandshakesCompleteAndASilentPeerDoesNotHoldTheSlot() throws Exception {
        EchoServer app = TestMesh.await(EchoServer.start(vertx));
        int echoPublic = TestMesh.freePort();
        mesh.register(new JsonObject().put("name", "echo").put("port", app.port()).put("connect", new JsonObject()
                .put("sidecar_service", new JsonObject().put("port", echoPublic).put("proxy", new JsonObject()
                        .put("config", new JsonObject().put("max_handshakes_in_flight", 1)
                                .put("handshake_timeout_ms", 60_000))))));
        int upstreamPort = TestMesh.freePort();
        mesh.registerWithSidecar("web", TestMesh.freePort(), new JsonArray().add(Wire.upstream("echo", upstreamPort)));
        mesh.startSidecar("echo");
        ProxyRuntime web = mesh.startSidecar("web");
        Await.until(Duration.ofSeconds(5), "web knows the echo instance",
                () -> web.upstreamEndpoints("service/default/echo") == 1);
        assertEquals("warm", Wire.exchange(upstreamPort, "warm", Duration.ofSeconds(10)));

        List<Socket> silent = new ArrayList<>();
        try {
            // one silent peer per event loop of echo's sidecar (two): each takes that loop's only slot
            for (int i = 0; i < 4; i++) {
                silent.add(new Socket("127.0.0.1", echoPublic));
            }
            List<CompletableFuture<String>> answers = new ArrayList<>();
            for (int i = 0; i < 20; i++) {
                String text = "concurrent " + i;
                answers.add(CompletableFuture.supplyAsync(() -> {
                    try {
                        return Wire.exchangeOnce(upstreamPort, text);
                    } catch (Exception e) {
                        return "failed: " + e;
                    }
                }));
            }
            for (int i = 0; i < answers.size(); i++) {
                assertEquals("concurrent " + i, answers.get(i).get(30, TimeUnit.SECONDS),
                        "connection " + i + " behind silent peers and a bound of one handshake per event loop");
            }
        } finally {
            for (Socket s : silent) {
                s.close();
            }
        }
        assertEquals(21, app.accepted(), "every connection reached the app");
    }
}
