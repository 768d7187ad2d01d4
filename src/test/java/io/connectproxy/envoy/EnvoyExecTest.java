package io.connectproxy.envoy;

import io.connectproxy.testsupport.ScriptedAgent;
import io.vertx.core.Vertx;
import io.vertx.core.json.JsonObject;
import io.vertx.junit5.Timeout;
import io.vertx.junit5.VertxExtension;
import io.vertx.junit5.VertxTestContext;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.extension.ExtendWith;
import org.junit.jupiter.api.io.TempDir;

import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.attribute.PosixFilePermissions;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.concurrent.TimeUnit;
import java.util.stream.Stream;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertTrue;

/**
 * The exec path with a stand-in {@code envoy} script that records its argv, reads the file given by
 * {@code --config-path} and exits with the code passed as {@code --stand-in-exit}.
 */
@ExtendWith(VertxExtension.class)
@Timeout(value = 15, timeUnit = TimeUnit.SECONDS)
class EnvoyExecTest {
    private static final String TOKEN = "s3cr3t-token-9f1c";
    private static final String STAND_IN = """
            #!/bin/sh
            here="$(dirname "$0")"
            printf '%s\\n' "$@" > "$here/argv"
            cfg=""; code=0; prev=""
            for a in "$@"; do
              [ "$prev" = "--config-path" ] && cfg="$a"
              [ "$prev" = "--stand-in-exit" ] && code="$a"
              prev="$a"
            done
            echo "$cfg" > "$here/config-path"
            ls -ld "$cfg" > "$here/config-mode"
            cat "$cfg" > "$here/config"
            exit "$code"
            """;

    @TempDir
    Path tmp;
    private ScriptedAgent agent;
    private Path script;

    @BeforeEach
    void setUp(Vertx vertx, VertxTestContext ctx) throws IOException {
        script = tmp.resolve("envoy");
        Files.writeString(script, STAND_IN);
        Files.setPosixFilePermissions(script, PosixFilePermissions.fromString("rwx------"));
        Harness.agent(vertx, null, Harness.sidecar("web-sidecar-proxy", "web", new JsonObject()))
                .onSuccess(a -> agent = a).onComplete(ctx.succeedingThenComplete());
    }

    private List<String> args(boolean bootstrap, String... passThrough) {
        List<String> a = new ArrayList<>(List.of("-sidecar-for", "web", "-http-addr", "127.0.0.1:" + agent.port(),
                "-token", TOKEN, "-envoy-binary", script.toString()));
        if (bootstrap) {
            a.add("-bootstrap");
        }
        if (passThrough.length > 0) {
            a.add("--");
            a.addAll(List.of(passThrough));
        }
        return a;
    }

    private List<String> read(String name) {
        try {
            return Files.readAllLines(tmp.resolve(name));
        } catch (IOException e) {
            throw new AssertionError(name + " not written by the stand-in", e);
        }
    }

    @Test
    void envoyGetsTheBootstrapThroughAPipeAndTheTokenStaysOutOfArgv(Vertx vertx, VertxTestContext ctx) {
        Harness.run(vertx, args(true), Map.of()).compose(printed ->
                Harness.run(vertx, args(false, "--stand-in-exit", "3", "--log-level", "debug"), Map.of())
                        .onComplete(ctx.succeeding(ran -> ctx.verify(() -> {
                            assertEquals(3, ran.exitCode(), "Envoy's exit code is ours");
                            List<String> argv = read("argv");
                            assertFalse(String.join(" ", argv).contains(TOKEN), "token must not be in argv");
                            assertEquals("--config-path", argv.get(0));
                            assertEquals("--disable-hot-restart", argv.get(2));
                            assertEquals(List.of("--stand-in-exit", "3", "--log-level", "debug"),
                                    argv.subList(3, argv.size()));
                            String config = String.join("\n", read("config"));
                            assertEquals(new JsonObject(printed.bootstrapJson()), new JsonObject(config));
                            assertTrue(config.contains(TOKEN), () -> String.valueOf(config));
                            assertTrue(read("config-mode").get(0).startsWith("prw-------"),
                                    "a 0600 FIFO: " + read("config-mode"));
                            Path pipe = Path.of(read("config-path").get(0));
                            assertFalse(Files.exists(pipe), "pipe removed");
                            assertFalse(Files.exists(pipe.getParent()), "its private directory removed");
                            ctx.completeNow();
                        }))));
    }

    @Test
    void hotRestartOptionsKeepHotRestart(Vertx vertx, VertxTestContext ctx) {
        Harness.run(vertx, args(false, "--restart-epoch", "1"), Map.of())
                .onComplete(ctx.succeeding(ran -> ctx.verify(() -> {
                    assertEquals(0, ran.exitCode());
                    assertFalse(read("argv").contains("--disable-hot-restart"));
                    ctx.completeNow();
                })));
    }

    @Test
    void hotRestartDetection() {
        assertTrue(EnvoyLauncher.hasHotRestartOption(List.of("--drain-time-s=5")),
                "expected true: EnvoyLauncher.hasHotRestartOption(List.of(\"--drain-time-s=5\"))");
        assertTrue(EnvoyLauncher.hasHotRestartOption(List.of("-l", "debug", "--parent-shutdown-time-s", "9")));
        assertTrue(EnvoyLauncher.hasHotRestartOption(List.of("--hot-restart-version")),
                "expected true: EnvoyLauncher.hasHotRestartOption(List.of(\"--hot-restart-version\"))");
        assertFalse(EnvoyLauncher.hasHotRestartOption(List.of("--concurrency", "2")));
        assertEquals(List.of("--config-path", "/p", "--disable-hot-restart", "-l", "info"),
                EnvoyLauncher.arguments("/p", List.of("-l", "info")));
    }

    @Test
    void envoyThatNeverReadsItsConfigStillLeavesNothingBehind(Vertx vertx, VertxTestContext ctx) throws IOException {
        Files.writeString(script, "#!/bin/sh\necho \"$2\" > \"$(dirname \"$0\")/config-path\"\nexit 5\n");
        Harness.run(vertx, args(false), Map.of()).onComplete(ctx.succeeding(ran -> ctx.verify(() -> {
            assertEquals(5, ran.exitCode());
            Path pipe = Path.of(read("config-path").get(0));
            assertFalse(Files.exists(pipe.getParent()), "private directory removed");
            ctx.completeNow();
        })));
    }

    @Test
    void binaryThatCannotStartIsAClearErrorAndLeavesNothingBehind(Vertx vertx, VertxTestContext ctx)
            throws IOException {
        List<Path> before = pipeDirs();
        List<String> a = new ArrayList<>(args(false));
        a.set(a.indexOf(script.toString()), tmp.resolve("no-such-envoy").toString());
        Harness.run(vertx, a, Map.of()).onComplete(ctx.failing(e -> ctx.verify(() -> {
            assertTrue(e instanceof EnvoyException ee && ee.reason() == EnvoyException.Reason.EXEC, e.toString());
            assertTrue(e.getMessage().contains("no-such-envoy"), e.getMessage());
            assertEquals(before, pipeDirs());
            ctx.completeNow();
        })));
    }

    @Test
    void envoyIsLookedUpOnPath(Vertx vertx, VertxTestContext ctx) {
        List<String> a = new ArrayList<>(args(false));
        int i = a.indexOf("-envoy-binary");
        a.remove(i);
        a.remove(i);
        Harness.run(vertx, a, Map.of("PATH", "/nonexistent:" + tmp)).onComplete(ctx.succeeding(ran -> ctx.verify(() -> {
            assertEquals(0, ran.exitCode());
            assertTrue(Files.exists(tmp.resolve("config")), "expected true: Files.exists(tmp.resolve(\"config\"))");
            ctx.completeNow();
        })));
    }

    @Test
    void noEnvoyOnPathIsAClearError(Vertx vertx, VertxTestContext ctx) {
        List<String> a = new ArrayList<>(args(false));
        int i = a.indexOf("-envoy-binary");
        a.remove(i);
        a.remove(i);
        Harness.run(vertx, a, Map.of("PATH", "/nonexistent")).onComplete(ctx.failing(e -> ctx.verify(() -> {
            assertTrue(e.getMessage().contains("couldn't find envoy binary"), e.getMessage());
            ctx.completeNow();
        })));
    }

    @Test
    void onlyLinuxAndMacOs() {
        assertTrue(EnvoyLauncher.supportedOs("Linux"), "expected true: EnvoyLauncher.supportedOs(\"Linux\")");
        assertTrue(EnvoyLauncher.supportedOs("Mac OS X"), "expected true: EnvoyLauncher.supportedOs(\"Mac OS X\")");
        assertFalse(EnvoyLauncher.supportedOs("Windows 11"));
    }

    private static List<Path> pipeDirs() throws IOException {
        try (Stream<Path> s = Files.list(Path.of(System.getProperty("java.io.tmpdir")))) {
            return s.filter(p -> p.getFileName().toString().startsWith("connect-proxy-envoy-")).sorted().toList();
        }
    }
}
