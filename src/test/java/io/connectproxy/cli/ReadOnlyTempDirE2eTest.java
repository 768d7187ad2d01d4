package io.connectproxy.cli;

import io.connectproxy.testsupport.Http;
import io.connectproxy.testsupport.EchoServer;
import io.connectproxy.testsupport.FatJarProcess;
import io.connectproxy.testsupport.MeshTestBase;
import io.connectproxy.testsupport.ReadOnlyDirectory;
import io.connectproxy.testsupport.TestMesh;
import io.vertx.core.json.JsonArray;
import io.vertx.core.json.JsonObject;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.Timeout;
import org.junit.jupiter.api.io.TempDir;

import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.util.List;
import java.util.Map;
import java.util.concurrent.TimeUnit;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

/**
 * Kubernetes' readOnlyRootFilesystem, as the JVM sees it: {@code java.io.tmpdir} where nothing can be created.
 * The sidecar (the fat jar as a process) must start without a stack trace, say in one line per feature what fell
 * back (epoll, BoringSSL: both are extracted to the temp dir before loading) and how to restore it, show it in
 * /ready, and stop cleanly; {@code -Dio.netty.native.workdir} on a writable directory brings both back.
 */
class ReadOnlyTempDirE2eTest extends MeshTestBase {
    @TempDir
    Path dir;
    private ReadOnlyDirectory readOnly;
    private FatJarProcess sidecar;

    @BeforeEach
    void readOnlyTempDir() throws Exception {
        readOnly = ReadOnlyDirectory.create(dir);
        // the premise: not even root can create a file there
        assertThrows(IOException.class, () -> Files.createTempFile(readOnly.path(), "probe", ".tmp"),
                readOnly.describe() + " must refuse to create files");
    }

    @AfterEach
    void cleanUp() throws Exception {
        if (sidecar != null) {
            sidecar.close();
        }
        readOnly.close();
    }

    private int startSidecar(List<String> jvmOptions) throws Exception {
        EchoServer app = TestMesh.await(EchoServer.start(vertx));
        mesh.registerWithSidecar("web", app.port(), new JsonArray());
        int admin = TestMesh.freePort();
        sidecar = FatJarProcess.start(jvmOptions, List.of("-sidecar-for", "web", "-http-addr",
                mesh.agent().httpAddr(), "-admin-bind", "127.0.0.1:" + admin), Map.of());
        sidecar.awaitLine(l -> l.contains("ready: web"), Duration.ofSeconds(40));
        return admin;
    }

    @Test
    @Timeout(value = 90, unit = TimeUnit.SECONDS)
    void startsWithOneLinePerFallbackAndShowsThemInReady() throws Exception {
        int admin = startSidecar(List.of("-Djava.io.tmpdir=" + readOnly.path()));

        String output = sidecar.output();
        List<String> epoll = output.lines().filter(l -> l.contains("native transport (epoll) off")).toList();
        List<String> boring = output.lines().filter(l -> l.contains("TLS engine BoringSSL (netty-tcnative) off"))
                .toList();
        assertEquals(1, epoll.size(), "one line for epoll: " + output);
        assertEquals(1, boring.size(), "one line for BoringSSL: " + output);
        for (String line : List.of(epoll.get(0), boring.get(0))) {
            assertTrue(line.contains("[WARN]") && line.contains(readOnly.path().toString())
                    && line.contains("-Dio.netty.native.workdir=") && line.contains("emptyDir"), line);
        }
        assertTrue(output.lines().noneMatch(l -> l.startsWith("\tat ") || l.contains("Exception in thread")),
                "no stack trace: " + output);

        Http.Response ready = Http.get(admin, "/ready");
        assertEquals(200, ready.status(), ready.body());
        JsonObject runtime = new JsonObject(ready.body()).getJsonObject("runtime");
        assertEquals(false, runtime.getBoolean("native_transport"), runtime.encodePrettily());
        assertEquals("jdk (SunJSSE)", runtime.getString("tls_engine"), runtime.encodePrettily());
        JsonObject libDir = runtime.getJsonObject("native_library_dir");
        assertEquals(readOnly.path().toString(), libDir.getString("path"), runtime.encodePrettily());
        assertEquals(false, libDir.getBoolean("writable"), runtime.encodePrettily());
        assertEquals(List.of(epoll.get(0).substring(epoll.get(0).indexOf("native transport (epoll) off")),
                        boring.get(0).substring(boring.get(0).indexOf("TLS engine BoringSSL"))),
                runtime.getJsonArray("fallbacks").getList(), "the same lines in /ready");

        DrainE2eTest.sigterm(sidecar.process());
        assertEquals(0, sidecar.awaitExit(Duration.ofSeconds(20)), sidecar.output());
        System.out.println("[figures] read-only temp dir (" + readOnly.describe() + "): " + epoll.get(0));
    }

    @Test
    @Timeout(value = 90, unit = TimeUnit.SECONDS)
    void aWritableNativeWorkdirRestoresEpollAndBoringSsl() throws Exception {
        Path workdir = Files.createDirectories(dir.resolve("native"));
        int admin = startSidecar(List.of("-Djava.io.tmpdir=" + readOnly.path(),
                "-Dio.netty.native.workdir=" + workdir));

        String output = sidecar.output();
        assertTrue(output.lines().noneMatch(l -> l.contains(") off, using")), "nothing fell back: " + output);
        JsonObject runtime = new JsonObject(Http.get(admin, "/ready").body()).getJsonObject("runtime");
        assertEquals(true, runtime.getBoolean("native_transport"), runtime.encodePrettily());
        assertEquals("openssl (BoringSSL, netty-tcnative)", runtime.getString("tls_engine"), runtime.encodePrettily());
        assertEquals(true, runtime.getJsonObject("native_library_dir").getBoolean("writable"));
        assertEquals(0, runtime.getJsonArray("fallbacks").size(), runtime.encodePrettily());

        DrainE2eTest.sigterm(sidecar.process());
        assertEquals(0, sidecar.awaitExit(Duration.ofSeconds(20)), sidecar.output());
    }
}
