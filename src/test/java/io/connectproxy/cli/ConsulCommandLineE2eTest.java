package io.connectproxy.cli;

import io.connectproxy.runtime.BuildInfo;
import io.connectproxy.testsupport.FatJarProcess;
import io.connectproxy.testsupport.MeshTestBase;
import io.vertx.core.json.JsonArray;
import io.vertx.core.json.JsonObject;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.Timeout;
import org.junit.jupiter.api.io.TempDir;

import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.concurrent.TimeUnit;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

/**
 * The jar as a process, driven the way Consul's own commands are: {@code version}, {@code validate}, a
 * {@code -sidecar-for} that waits with {@code -wait-timeout}, and Consul-only flags accepted with a notice.
 */
class ConsulCommandLineE2eTest extends MeshTestBase {
    @TempDir
    Path dir;
    private final List<FatJarProcess> processes = new ArrayList<>();

    @AfterEach
    void stopProcesses() throws Exception {
        for (FatJarProcess p : processes) {
            p.close();
        }
    }

    private FatJarProcess start(String... args) throws Exception {
        FatJarProcess p = FatJarProcess.start(List.of(args), Map.of());
        processes.add(p);
        return p;
    }

    private FatJarProcess finished(Duration within, String... args) throws Exception {
        FatJarProcess p = start(args);
        p.awaitExit(within);
        return p;
    }

    @Test
    @Timeout(value = 60, unit = TimeUnit.SECONDS)
    void versionPrintsBuildJavaTransportAndTlsAndExitsZero() throws Exception {
        for (String command : List.of("version", "-version")) {
            FatJarProcess p = start(command);
            assertEquals(0, p.awaitExit(Duration.ofSeconds(30)), p.output());
            List<String> lines = p.stdout().lines().toList();
            assertEquals(5, lines.size(), p.output());
            BuildInfo built = BuildInfo.current(); // the same generated file the jar was packed with
            assertEquals("connect-proxy v" + built.version(), lines.get(0));
            assertEquals("Revision " + built.revision(), lines.get(1));
            assertTrue(built.revision().matches("[0-9a-f]{40}|unknown"), built.revision());
            assertTrue(lines.get(2).startsWith("Java " + Runtime.version().feature()), lines.get(2));
            assertTrue(lines.get(3).matches("Native transport: (epoll|io_uring|kqueue|unavailable, NIO is used.*)"),
                    lines.get(3));
            assertTrue(lines.get(4).startsWith("TLS engine: "), lines.get(4));
            assertEquals("", p.stderr(), "version logs nothing");
        }
    }

    @Test
    @Timeout(value = 60, unit = TimeUnit.SECONDS)
    void validateChecksAFileWithoutBindingAndExitsZeroOrTwo() throws Exception {
        int port = io.connectproxy.testsupport.TestMesh.freePort();
        Path good = dir.resolve("good.json");
        Files.writeString(good, new JsonObject().put("service", new JsonObject().put("name", "web")
                .put("port", 8080).put("connect", new JsonObject().put("proxy", new JsonObject().put("config",
                        new JsonObject().put("bind_port", port).put("handshake_timout_ms", 5000)
                                .put("upstreams", new JsonArray().add(new JsonObject()
                                        .put("destination_name", "db").put("local_bind_port", 9191))))))).encode());
        FatJarProcess ok = finished(Duration.ofSeconds(30), "validate", "-conf", good.toString());
        assertEquals(0, ok.process().exitValue(), ok.output());
        assertEquals("OK: file:" + good + ": service web, public listener 0.0.0.0:" + port
                + " -> 127.0.0.1:8080, 1 upstream(s) (db on 127.0.0.1:9191)", ok.stdout().strip());
        assertTrue(ok.stderr().contains("[WARN]  proxy.config: service.connect.proxy.config.handshake_timout_ms: "
                + "unknown key, kept as given; did you mean handshake_timeout_ms?"), ok.stderr());
        // nothing was bound: the public port is still free
        try (java.net.ServerSocket s = new java.net.ServerSocket(port, 1,
                java.net.InetAddress.getByName("127.0.0.1"))) {
            assertEquals(port, s.getLocalPort());
        }

        Path bad = dir.resolve("bad.json");
        Files.writeString(bad, Files.readString(good).replace("9191", "70000"));
        FatJarProcess no = finished(Duration.ofSeconds(30), "validate", "-conf", bad.toString());
        assertEquals(2, no.process().exitValue(), no.output());
        assertEquals("", no.stdout());
        assertTrue(no.stderr().strip().endsWith("service.connect.proxy.config.upstreams[0].local_bind_port: "
                + "must be 1-65535, got 70000"), no.stderr());
    }

    @Test
    @Timeout(value = 60, unit = TimeUnit.SECONDS)
    void validateSidecarForAsksTheAgentOnce() throws Exception {
        String agent = mesh.agent().httpAddr();
        FatJarProcess missing = finished(Duration.ofSeconds(30), "validate", "-sidecar-for", "web",
                "-http-addr", agent);
        assertEquals(2, missing.process().exitValue(), missing.output());
        assertEquals("-sidecar-for: no connect-proxy with Proxy.DestinationServiceID \"web\" is registered with "
                + "the Consul agent at http://" + agent, missing.stderr().strip());

        mesh.registerWithSidecar("web", 8080, new JsonArray().add(new JsonObject()
                .put("destination_name", "db").put("local_bind_port", 9191)));
        FatJarProcess found = finished(Duration.ofSeconds(30), "validate", "-sidecar-for", "web",
                "-http-addr", agent);
        assertEquals(0, found.process().exitValue(), found.output());
        assertTrue(found.stdout().startsWith("OK: agent:web-sidecar-proxy: service web, public listener "),
                found.stdout());
        assertTrue(found.stdout().strip().endsWith("1 upstream(s) (db on 127.0.0.1:9191)"), found.stdout());

        FatJarProcess down = finished(Duration.ofSeconds(30), "validate", "-sidecar-for", "web",
                "-http-addr", "127.0.0.1:" + io.connectproxy.testsupport.TestMesh.freePort());
        assertEquals(1, down.process().exitValue(), down.output());
        assertTrue(down.stderr().startsWith("validate: cannot check the registration: "), down.stderr());
    }

    @Test
    @Timeout(value = 60, unit = TimeUnit.SECONDS)
    void aMissingSidecarIsWaitedForWithAnInfoEveryTenSecondsUntilTheWaitTimeout() throws Exception {
        String agent = mesh.agent().httpAddr();
        FatJarProcess p = start("-sidecar-for", "nosuch", "-http-addr", agent, "-admin-bind", "off",
                "-wait-timeout", "12s", "-pprof-addr", "127.0.0.1:6060", "-stale");
        assertTrue(p.awaitLine(l -> l.startsWith("-pprof-addr 127.0.0.1:6060: ignored here"), Duration.ofSeconds(20))
                != null, p.output());
        // awaited too: the reader of stderr may not have taken the next line yet
        assertTrue(p.awaitLine(l -> l.startsWith("-stale: accepted and has no effect"), Duration.ofSeconds(5))
                != null, p.output());
        String waiting = p.awaitLine(l -> l.contains("[INFO]  proxy.config: waiting for a connect-proxy registered "
                + "for service id nosuch (Proxy.DestinationServiceID) on the Consul agent at http://" + agent
                + ": none is registered yet"), Duration.ofSeconds(20));
        assertTrue(waiting != null, p.output());
        assertEquals(1, p.awaitExit(Duration.ofSeconds(20)), p.output());
        String last = p.stderr().strip().lines().reduce((a, b) -> b).orElse("");
        assertEquals("connect-proxy: -wait-timeout 12s expired while waiting for a connect-proxy registered for "
                + "service id nosuch (Proxy.DestinationServiceID) on the Consul agent at http://" + agent
                + "; exiting", last, p.stderr());
    }
}
