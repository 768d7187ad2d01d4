package io.connectproxy.cli;

import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

import java.io.BufferedReader;
import java.io.IOException;
import java.io.InputStreamReader;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.TimeUnit;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertTrue;

/** Starts target/proxy-fat.jar as a process, the way an operator runs it. */
class ProxyModeE2eTest {
    @TempDir
    Path dir;

    private record Result(int exit, String out, String err) {
    }

    private static Path fatJar() {
        String p = System.getProperty("proxy.fatjar", "target/proxy-fat.jar");
        Path jar = Path.of(p);
        assertTrue(Files.isRegularFile(jar), "build the jar first (mvn package): " + jar.toAbsolutePath());
        return jar;
    }

    private static ProcessBuilder java(String... args) {
        List<String> cmd = new ArrayList<>(List.of(Path.of(System.getProperty("java.home"), "bin", "java").toString(),
                "-jar", fatJar().toString()));
        cmd.addAll(List.of(args));
        ProcessBuilder pb = new ProcessBuilder(cmd);
        // the proxy must not pick up the test machine's agent settings
        pb.environment().keySet().removeIf(k -> k.startsWith("CONSUL_") || k.startsWith("CONNECT_"));
        return pb;
    }

    private static Result run(String... args) throws Exception {
        Process p = java(args).start();
        CompletableFuture<String> out = CompletableFuture.supplyAsync(() -> read(p.getInputStream()));
        CompletableFuture<String> err = CompletableFuture.supplyAsync(() -> read(p.getErrorStream()));
        assertTrue(p.waitFor(30, TimeUnit.SECONDS), "process did not exit");
        return new Result(p.exitValue(), out.get(5, TimeUnit.SECONDS), err.get(5, TimeUnit.SECONDS));
    }

    private static String read(java.io.InputStream in) {
        try {
            return new String(in.readAllBytes(), StandardCharsets.UTF_8);
        } catch (IOException e) {
            throw new java.io.UncheckedIOException(e);
        }
    }

    private static void assertNoStackTrace(String err) {
        assertFalse(err.contains("\tat "), err);
        assertFalse(err.contains("Exception"), err);
    }

    @Test
    void badConfigFileExitsTwoWithTheFieldMessage() throws Exception {
        Path conf = dir.resolve("web.json");
        Files.writeString(conf, "{\"service\":{\"name\":\"web\",\"port\":8080,\"connect\":{\"proxy\":{\"config\":"
                + "{\"upstreams\":[{\"destination_name\":\"redis\",\"local_bind_port\":1234},"
                + "{\"destination_name\":\"db\",\"local_bind_port\":70000}]}}}}}");
        Result r = run("-conf", conf.toString());
        assertEquals(2, r.exit(), r.err());
        assertEquals("service.connect.proxy.config.upstreams[1].local_bind_port: must be 1-65535, got 70000",
                r.err().trim());
        assertNoStackTrace(r.err());
    }

    @Test
    void missingConfigFileExitsTwoNamingThePath() throws Exception {
        Path missing = dir.resolve("nope.json");
        Result r = run("-conf", missing.toString());
        assertEquals(2, r.exit(), r.err());
        assertEquals("-conf: file not found: " + missing, r.err().trim());
        assertNoStackTrace(r.err());
    }

    @Test
    void helpExitsZero() throws Exception {
        Result r = run("-h");
        assertEquals(0, r.exit(), r.err());
        assertTrue(r.out().startsWith("Usage: java -jar proxy-fat.jar"), r.out());
    }

    @Test
    void aValidConfigFileIsLoadedAndLoggedAsJson() throws Exception {
        Path conf = dir.resolve("web.json");
        Files.writeString(conf, "{\"service\":{\"name\":\"web\",\"port\":8080},\"admin\":{\"bind\":\"off\"},"
                + "\"log\":{\"json\":true}}");
        Process p = java("-conf", conf.toString()).start();
        try (BufferedReader err = new BufferedReader(new InputStreamReader(p.getErrorStream(),
                StandardCharsets.UTF_8))) {
            CompletableFuture<String> loaded = CompletableFuture.supplyAsync(() -> {
                try {
                    for (String line = err.readLine(); line != null; line = err.readLine()) {
                        if (line.contains("config loaded")) {
                            return line;
                        }
                    }
                    return "process ended without loading its config";
                } catch (IOException e) {
                    return e.toString();
                }
            });
            String line = loaded.get(30, TimeUnit.SECONDS);
            io.vertx.core.json.JsonObject json = new io.vertx.core.json.JsonObject(line);
            assertEquals("INFO", json.getString("level"));
            assertTrue(json.getString("message").startsWith("config loaded from file:" + conf), line);
        } finally {
            p.destroy();
            assertTrue(p.waitFor(30, TimeUnit.SECONDS), "SIGTERM did not stop the proxy");
        }
    }
}
