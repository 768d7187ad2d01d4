package io.connectproxy.testsupport;

import io.connectproxy.runtime.ProxyRuntime;
import io.vertx.core.Vertx;
import io.vertx.core.json.JsonArray;
import io.vertx.core.json.JsonObject;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.BeforeEach;

import java.time.Duration;
import java.util.concurrent.TimeUnit;

/** A fresh {@link TestMesh} (dev agent, no sidecars yet) and a Vert.x for the test's own apps, per test method. */
public abstract class MeshTestBase {
    protected Vertx vertx;
    protected TestMesh mesh;

    @BeforeEach
    void startMesh() {
        vertx = Vertx.vertx();
        mesh = TestMesh.start(vertx);
    }

    @AfterEach
    void stopMesh() throws Exception {
        mesh.close();
        vertx.close().await(10, TimeUnit.SECONDS);
    }

    /** What {@link #webWithAGoodAndABadEchoInstance} set up. */
    protected record TwoEchoInstances(ProxyRuntime web, int upstreamPort, EchoServer genuine) {
    }

    /**
     * Two instances of echo, both listed as passing: a genuine one (an echo app and its sidecar) and a bad one whose
     * "sidecar" is whatever listens on {@code badPort} (an impostor, a server that ends sessions, a frozen host);
     * and web's sidecar with an upstream to echo ({@code upstreamConfig}: the upstream's {@code config} map, or
     * null). Returns once every web listener knows both instances.
     */
    protected TwoEchoInstances webWithAGoodAndABadEchoInstance(int badPort, JsonObject upstreamConfig)
            throws InterruptedException {
        EchoServer genuine = TestMesh.await(EchoServer.start(vertx));
        mesh.register(Wire.service("echo-real", "echo", genuine.port(), TestMesh.freePort(), null, new JsonArray()));
        mesh.register(Wire.service("echo-bad", "echo", TestMesh.freePort(), badPort, null, new JsonArray()));
        mesh.startSidecar("echo-real");
        // its listening check ran at registration; run it again now that the test has set up what listens there
        TestMesh.await(mesh.agent().runChecks("echo-bad"));
        int port = TestMesh.freePort();
        JsonObject upstream = Wire.upstream("echo", port);
        if (upstreamConfig != null) {
            upstream.put("config", upstreamConfig);
        }
        mesh.register(Wire.service("web", "web", TestMesh.freePort(), TestMesh.freePort(), null,
                new JsonArray().add(upstream)));
        ProxyRuntime web = mesh.startSidecar("web");
        Await.until(Duration.ofSeconds(10), "every web listener knows both echo instances",
                () -> web.upstreamEndpoints("service/default/echo") == 2);
        return new TwoEchoInstances(web, port, genuine);
    }
}
