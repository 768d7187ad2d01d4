package io.connectproxy.inbound;

import io.connectproxy.testsupport.Await;

import io.connectproxy.devagent.DevAgentOptions;
import io.connectproxy.devagent.DevCa;
import io.connectproxy.identity.TlsIdentity;
import io.connectproxy.inbound.InboundTestSupport.Sidecar;
import io.connectproxy.testsupport.EchoServer;
import io.connectproxy.testsupport.TestMesh;
import io.vertx.core.Vertx;
import io.vertx.core.json.JsonObject;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.Timeout;

import javax.net.ssl.SSLSocket;
import java.time.Duration;
import java.util.List;
import java.util.Queue;
import java.util.concurrent.ConcurrentLinkedQueue;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.AtomicBoolean;
import java.util.concurrent.atomic.AtomicInteger;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

/** Leaf and root rotation in the dev agent while clients keep talking to a real sidecar. */
class InboundRotationTest {
    private Vertx vertx;
    private TestMesh mesh;

    @AfterEach
    void tearDown() throws Exception {
        if (mesh != null) {
            mesh.close();
        }
        vertx.close().await(10, TimeUnit.SECONDS);
    }

    private Sidecar start(DevAgentOptions options) {
        vertx = Vertx.vertx();
        mesh = TestMesh.start(vertx, options);
        EchoServer app = TestMesh.await(EchoServer.start(vertx));
        return InboundTestSupport.sidecar(mesh, "echo", app.port(), new JsonObject());
    }

    /**
     * A 3 s leaf TTL: the agent renews at 60-90 % of it. A connection opened on the first leaf keeps echoing
     * across the rotation; connections opened after it see the new serial.
     */
    @Test
    @Timeout(value = 30, unit = TimeUnit.SECONDS)
    void leafRotationKeepsOpenConnectionsAndNewOnesSeeTheNewLeaf() throws Exception {
        Sidecar echo = start(DevAgentOptions.defaults().withLeafTtl(Duration.ofSeconds(3)));
        DevCa ca = mesh.agent().ca();
        MeshClient web = MeshClient.of(ca.issueServiceLeaf("web", Duration.ofHours(1)), ca.rootPems());
        try (SSLSocket longLived = web.connect(echo.port())) {
            String first = MeshClient.serverSerial(longLived);
            assertEquals("before", MeshClient.roundTrip(longLived, "before"));
            String rotated = null;
            long deadline = System.nanoTime() + TimeUnit.SECONDS.toNanos(8);
            int exchanges = 0;
            while (rotated == null && System.nanoTime() < deadline) {
                assertEquals("ping " + exchanges, MeshClient.roundTrip(longLived, "ping " + exchanges));
                exchanges++;
                try (SSLSocket fresh = web.connect(echo.port())) {
                    String serial = MeshClient.serverSerial(fresh);
                    assertEquals("fresh", MeshClient.roundTrip(fresh, "fresh"));
                    if (!serial.equals(first)) {
                        rotated = serial;
                    }
                }
                Thread.sleep(100);
            }
            assertTrue(rotated != null, "the leaf never rotated");
            assertEquals(echo.runtime().identity().serial(), rotated);
            for (int i = 0; i < 5; i++) {
                assertEquals("after " + i, MeshClient.roundTrip(longLived, "after " + i),
                        "the connection opened on the old leaf keeps flowing");
            }
            assertEquals(first, MeshClient.serverSerial(longLived));
        }
    }

    /**
     * A steady loop of connections from a client holding an old-root leaf runs through a root rotation with
     * zero failures; after it, new-root leaves are accepted (with the cross-signed intermediate, and once the
     * sidecar lists the new root, without it), and old-root leaves still are while the old root is listed.
     */
    @Test
    @Timeout(value = 40, unit = TimeUnit.SECONDS)
    void rootRotationWithoutFailedConnections() throws Exception {
        Sidecar echo = start(DevAgentOptions.defaults());
        DevCa ca = mesh.agent().ca();
        List<String> oldRoots = ca.rootPems();
        MeshClient oldLeaf = MeshClient.of(ca.issueServiceLeaf("web", Duration.ofHours(1)), oldRoots);
        TlsIdentity before = echo.runtime().identity();

        AtomicBoolean running = new AtomicBoolean(true);
        AtomicInteger ok = new AtomicInteger();
        Queue<String> failures = new ConcurrentLinkedQueue<>();
        Thread loop = new Thread(() -> {
            int i = 0;
            while (running.get()) {
                try (SSLSocket s = oldLeaf.connect(echo.port())) {
                    String text = "n" + i++;
                    String back = MeshClient.roundTrip(s, text);
                    if (back.equals(text)) {
                        ok.incrementAndGet();
                    } else {
                        failures.add("short answer: " + back);
                    }
                } catch (Exception e) {
                    failures.add(e.toString());
                }
            }
        }, "steady-client");
        loop.start();
        try {
            Await.until(Duration.ofSeconds(5), "steady loop warmed up", () -> ok.get() >= 5);
            TestMesh.await(mesh.agent().rotateRoot());
            // the roots and the re-signed leaf come from two watches, in either order
            Await.until(Duration.ofSeconds(10), "sidecar trusts both roots and has the re-signed leaf",
                    () -> echo.runtime().identity().rootIds().size() == 2
                            && !echo.runtime().identity().serial().equals(before.serial()));
            TlsIdentity after = echo.runtime().identity();

            DevCa.IssuedLeaf newLeaf = ca.issueServiceLeaf("web", Duration.ofHours(1));
            try (SSLSocket s = MeshClient.of(newLeaf, ca.rootPems()).connect(echo.port())) {
                assertEquals("new root", MeshClient.roundTrip(s, "new root"));
                assertEquals(after.serial(), MeshClient.serverSerial(s));
            }
            String leafOnly = newLeaf.certPem().substring(0, newLeaf.certPem().indexOf("-----END CERTIFICATE-----")
                    + "-----END CERTIFICATE-----".length()) + "\n";
            try (SSLSocket s = MeshClient.of(leafOnly, newLeaf.privateKeyPem(), ca.rootPems())
                    .connect(echo.port())) {
                assertEquals("leaf only", MeshClient.roundTrip(s, "leaf only"));
            }
            int atRotation = ok.get();
            Await.until(Duration.ofSeconds(5), "old-root leaves still accepted after the rotation",
                    () -> ok.get() >= atRotation + 10);
        } finally {
            running.set(false);
            loop.join(10_000);
        }
        assertEquals(List.of(), List.copyOf(failures), "failed connections during the rotation");
        assertTrue(ok.get() >= 15, "only " + ok.get() + " connections");
        assertEquals(0, echo.rejections("handshake"));
    }
}
