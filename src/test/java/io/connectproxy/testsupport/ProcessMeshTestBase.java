package io.connectproxy.testsupport;

import io.vertx.core.Vertx;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.io.TempDir;

import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.concurrent.TimeUnit;

/**
 * For end-to-end tests that run the dev agent and sidecars as fat-jar processes, as an operator would: starts them,
 * and stops every one (and the test's own Vert.x, for its apps) after each test, whatever happened.
 */
public abstract class ProcessMeshTestBase {
    @TempDir
    protected Path dir;
    /** The test's own Vert.x (apps such as an {@link EchoServer}); created by the test, closed here. */
    protected Vertx vertx;
    private final List<FatJarProcess> processes = new ArrayList<>();

    @AfterEach
    void stopProcesses() throws Exception {
        for (FatJarProcess p : processes) {
            p.close();
        }
        if (vertx != null) {
            vertx.close().await(10, TimeUnit.SECONDS);
        }
    }

    /** {@code java -jar target/proxy-fat.jar ARGS}, stopped after the test. */
    protected FatJarProcess start(String... args) throws Exception {
        FatJarProcess p = FatJarProcess.start(List.of(args), Map.of());
        processes.add(p);
        return p;
    }
}
