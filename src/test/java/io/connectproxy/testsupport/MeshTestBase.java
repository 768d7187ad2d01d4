package io.connectproxy.testsupport;

import io.vertx.core.Vertx;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.BeforeEach;

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
}
