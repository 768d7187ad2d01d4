package io.connectproxy.mesh;

import io.connectproxy.testsupport.Await;

import io.connectproxy.testsupport.Wire;
import io.connectproxy.testsupport.MeshTestBase;
import io.connectproxy.testsupport.EchoServer;
import io.connectproxy.testsupport.TestMesh;
import io.vertx.core.json.JsonArray;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.Timeout;

import java.net.Socket;
import java.time.Duration;
import java.util.concurrent.TimeUnit;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

/**
 * Acceptance 7 of issue 4: web's sidecar registration is changed in the agent while it runs. An added upstream
 * answers within a second, a changed destination takes new connections elsewhere, a removed upstream frees its
 * port, and a long-lived connection through an untouched upstream keeps flowing through all of it.
 */
class LiveReconfigurationTest extends MeshTestBase {

    @Test
    @Timeout(value = 60, unit = TimeUnit.SECONDS)
    void upstreamsAddedChangedAndRemovedWhileALongLivedConnectionFlows() throws Exception {
        EchoServer alpha = TestMesh.await(EchoServer.start(vertx));
        EchoServer beta = TestMesh.await(EchoServer.start(vertx));
        mesh.register(Wire.service("alpha", "alpha", alpha.port(), TestMesh.freePort(), null, new JsonArray()));
        mesh.register(Wire.service("beta", "beta", beta.port(), TestMesh.freePort(), null, new JsonArray()));
        mesh.startSidecar("alpha");
        mesh.startSidecar("beta");
        int appPort = TestMesh.freePort();
        int sidecarPort = TestMesh.freePort();
        int a = TestMesh.freePort();
        int b = TestMesh.freePort();
        mesh.register(Wire.service("web", "web", appPort, sidecarPort, null,
                new JsonArray().add(Wire.upstream("alpha", a))));
        var web = mesh.startSidecar("web");
        // started is not yet discovered: every listener instance must know alpha's instance first
        Await.until(Duration.ofSeconds(10), "web's listeners know alpha's instance",
                () -> web.upstreamEndpoints("service/default/alpha") == 1);

        try (Socket longLived = new Socket("127.0.0.1", a)) {
            assertEquals("first", Wire.exchangeOn(longLived, "first"));
            assertTrue(Wire.refused(b), "b is not bound yet");

            // added: b -> beta
            long added = System.nanoTime();
            mesh.register(Wire.service("web", "web", appPort, sidecarPort, null,
                    new JsonArray().add(Wire.upstream("alpha", a)).add(Wire.upstream("beta", b))));
            assertEquals("to beta", Wire.exchange(b, "to beta", Duration.ofSeconds(1)));
            long addedMs = (System.nanoTime() - added) / 1_000_000L;
            assertEquals(1, beta.accepted());
            assertEquals("second", Wire.exchangeOn(longLived, "second"));

            // changed: b -> alpha; an open connection through b stays with beta
            try (Socket onB = new Socket("127.0.0.1", b)) {
                assertEquals("b before", Wire.exchangeOn(onB, "b before"));
                int alphaBefore = alpha.accepted();
                long changed = System.nanoTime();
                mesh.register(Wire.service("web", "web", appPort, sidecarPort, null,
                        new JsonArray().add(Wire.upstream("alpha", a)).add(Wire.upstream("alpha", b))));
                Await.until(Duration.ofSeconds(2), "b now leads to alpha", () -> {
                    try {
                        return Wire.exchangeOnce(b, "probe").equals("probe") && alpha.accepted() > alphaBefore;
                    } catch (java.io.IOException e) {
                        return false;
                    }
                });
                long changedMs = (System.nanoTime() - changed) / 1_000_000L;
                int betaNow = beta.accepted();
                for (int i = 0; i < 5; i++) {
                    assertEquals("b->alpha " + i, Wire.exchangeOnce(b, "b->alpha " + i));
                }
                assertEquals(betaNow, beta.accepted(), "no new connection reached beta");
                assertEquals("b after", Wire.exchangeOn(onB, "b after"), "the open connection through b flows");
                assertEquals("third", Wire.exchangeOn(longLived, "third"));
                System.out.println("[figures] upstream added -> answering in " + addedMs + " ms; destination changed"
                        + " -> new connections go there in " + changedMs + " ms");
            }

            // removed: b
            long removed = System.nanoTime();
            mesh.register(Wire.service("web", "web", appPort, sidecarPort, null,
                    new JsonArray().add(Wire.upstream("alpha", a))));
            long removedMs = Await.until(Duration.ofSeconds(1), "b's port is closed", () -> Wire.refused(b));
            assertEquals("fourth", Wire.exchangeOn(longLived, "fourth"));
            System.out.println("[figures] upstream removed -> port closed in "
                    + (System.nanoTime() - removed) / 1_000_000L + " ms (poll " + removedMs + " ms)");
        }
    }
}
