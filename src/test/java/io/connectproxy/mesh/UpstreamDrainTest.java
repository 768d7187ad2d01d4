package io.connectproxy.mesh;

import io.connectproxy.config.ShutdownTiming;
import io.connectproxy.runtime.ProxyRuntime;
import io.connectproxy.testsupport.Await;
import io.connectproxy.testsupport.EchoServer;
import io.connectproxy.testsupport.MeshTestBase;
import io.connectproxy.testsupport.TestMesh;
import io.connectproxy.testsupport.Wire;
import io.vertx.core.Future;
import io.vertx.core.json.JsonArray;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.Timeout;

import java.net.Socket;
import java.time.Duration;
import java.util.concurrent.TimeUnit;

import static org.junit.jupiter.api.Assertions.assertEquals;

/**
 * A draining upstream listener (after SIGTERM's grace period, while its open connections finish) closes new
 * connections on arrival: each one is counted as a rejection with the reason, not closed without a trace (the chaos
 * soak found ~500 such closes per sidecar restart that no metric showed).
 */
class UpstreamDrainTest extends MeshTestBase {

    @Test
    @Timeout(value = 60, unit = TimeUnit.SECONDS)
    void newConnectionsWhileDrainingAreCountedRejections() throws Exception {
        EchoServer echo = TestMesh.await(EchoServer.start(vertx));
        mesh.registerWithSidecar("echo", echo.port(), new JsonArray());
        int port = TestMesh.freePort();
        mesh.registerWithSidecar("web", TestMesh.freePort(), new JsonArray().add(Wire.upstream("echo", port)));
        mesh.startSidecar("echo");
        ProxyRuntime web = mesh.startSidecar("web");
        Await.until(Duration.ofSeconds(10), "web knows echo", () -> web.upstreamEndpoints("service/default/echo") == 1);

        try (Socket open = new Socket("127.0.0.1", port)) {
            assertEquals("kept", Wire.exchangeOn(open, "kept"));
            // no grace: the upstream listener drains at once, and stays bound while `open` is open
            Future<Void> drained = web.drain(new ShutdownTiming(Duration.ZERO, Duration.ofSeconds(20)));
            Await.until(Duration.ofSeconds(5), "a connection refused by the draining listener is counted",
                    () -> {
                        try (Socket late = new Socket("127.0.0.1", port)) {
                            late.setSoTimeout(2_000);
                            assertEquals(-1, late.getInputStream().read(), "a new connection was served");
                        } catch (java.io.IOException refusedOrReset) {
                            // the listener may have closed already on another event loop
                        }
                        return web.metrics().count("rejections_total", "listener", "upstream",
                                "reason", "draining") >= 1;
                    });
            assertEquals("still", Wire.exchangeOn(open, "still"), "the open connection keeps flowing");
            open.close();
            TestMesh.await(drained);
        }
    }
}
