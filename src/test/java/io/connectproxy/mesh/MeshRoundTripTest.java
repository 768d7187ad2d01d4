package io.connectproxy.mesh;

import io.connectproxy.testsupport.Wire;
import io.connectproxy.testsupport.MeshTestBase;
import io.connectproxy.runtime.ProxyRuntime;
import io.connectproxy.testsupport.EchoServer;
import io.connectproxy.testsupport.TestMesh;
import io.vertx.core.json.JsonArray;
import io.vertx.core.json.JsonObject;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.Timeout;

import java.util.concurrent.TimeUnit;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

/** web's upstream listener → mTLS → echo's sidecar → echo app and back, both sidecars real runtimes. */
class MeshRoundTripTest extends MeshTestBase {

    @Test
    @Timeout(value = 60, unit = TimeUnit.SECONDS)
    void bytesRoundTripThroughBothSidecars() throws Exception {
        EchoServer echo = TestMesh.await(EchoServer.start(vertx));
        int upstreamPort = TestMesh.freePort();
        mesh.registerWithSidecar("echo", echo.port(), new JsonArray());
        mesh.registerWithSidecar("web", TestMesh.freePort(), new JsonArray().add(new JsonObject()
                .put("destination_name", "echo").put("local_bind_port", upstreamPort)));
        ProxyRuntime echoSidecar = mesh.startSidecar("echo");
        ProxyRuntime webSidecar = mesh.startSidecar("web");
        assertTrue(echoSidecar.ready(), () -> String.valueOf(echoSidecar.readiness()));
        assertTrue(webSidecar.ready(), () -> String.valueOf(webSidecar.readiness()));

        String reply = Wire.exchange(upstreamPort, "hello through the mesh", java.time.Duration.ofSeconds(10));
        assertEquals("hello through the mesh", reply);
        assertEquals(1, echo.accepted());
        assertEquals("web", webSidecar.identity().spiffeId().service());
    }
}
