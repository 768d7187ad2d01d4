package io.connectproxy.cli;

import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

import java.io.IOException;
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
    void aValidConfigFileIsLoadedAndEveryLineIsJsonUntilShutdown() throws Exception {
        Path conf = dir.resolve("web.json");
        Files.writeString(conf, "{\"service\":{\"name\":\"web\",\"port\":8080},\"admin\":{\"bind\":\"off\"},"
                + "\"log\":{\"json\":true,\"level\":\"debug\"}}");
        // files, not pipes: Process.destroy() closes our end of the pipes, losing what the shutdown hook logs
        Path errFile = dir.resolve("stderr.log");
        Path outFile = dir.resolve("stdout.log");
        Process p = java("-conf", conf.toString()).redirectError(errFile.toFile()).redirectOutput(outFile.toFile())
                .start();
        try {
            String line = awaitLine(errFile, "config loaded");
            io.vertx.core.json.JsonObject json = new io.vertx.core.json.JsonObject(line);
            assertEquals("info", json.getString("@level"), line);
            assertEquals("proxy.config", json.getString("@module"), line);
            assertTrue(json.getString("@message").startsWith("config loaded from file:" + conf), line);
        } finally {
            p.destroy();
            assertTrue(p.waitFor(30, TimeUnit.SECONDS), "SIGTERM did not stop the proxy");
        }
        // logged from the shutdown hook: JUL's own hook must not have removed the handler by then
        List<String> lines = Files.readAllLines(errFile);
        assertTrue(lines.stream().anyMatch(l -> l.contains("\"@message\":\"stopped\"")),
                "exit " + p.exitValue() + ": " + lines);
        // a log shipper reads both streams line by line: nothing else may slip in (SLF4J's own reports, raw
        // stack traces, JVM warnings), even at debug
        List<String> all = new java.util.ArrayList<>(lines);
        all.addAll(Files.readAllLines(outFile));
        for (String l : all) {
            io.vertx.core.json.JsonObject o;
            try {
                o = new io.vertx.core.json.JsonObject(l);
            } catch (RuntimeException e) {
                throw new AssertionError("not one JSON object: " + l + "\nin:\n" + String.join("\n", all));
            }
            for (String key : List.of("@timestamp", "@level", "@module", "@message")) {
                assertTrue(o.containsKey(key), "no " + key + " in " + l);
            }
        }
    }

    /** Every non-empty line of {@code text} is one JSON object with the hclog keys; returns them. */
    private static List<io.vertx.core.json.JsonObject> allJson(String text) {
        List<io.vertx.core.json.JsonObject> objects = new ArrayList<>();
        for (String l : text.split("\\R")) {
            if (l.isEmpty()) {
                continue;
            }
            io.vertx.core.json.JsonObject o;
            try {
                o = new io.vertx.core.json.JsonObject(l);
            } catch (RuntimeException e) {
                throw new AssertionError("not one JSON object: " + l + "\nin:\n" + text);
            }
            for (String key : List.of("@timestamp", "@level", "@module", "@message")) {
                assertTrue(o.containsKey(key), "no " + key + " in " + l);
            }
            objects.add(o);
        }
        return objects;
    }

    @Test
    void aBadFlagWithLogJsonIsOneJsonLineAndExitsTwo() throws Exception {
        Result r = run("-log-json", "-listen", "127.0.0.1:99999", "-service", "web", "-service-addr",
                "127.0.0.1:8080");
        assertEquals(2, r.exit(), r.err());
        List<io.vertx.core.json.JsonObject> lines = allJson(r.err() + r.out());
        assertEquals(1, lines.size(), r.err());
        assertEquals("error", lines.get(0).getString("@level"), r.err());
        assertTrue(lines.get(0).getString("@message").startsWith("-listen: "), r.err());

        Result unknown = run("--log-json", "-no-such-flag");
        assertEquals(2, unknown.exit(), unknown.err());
        assertEquals(1, allJson(unknown.err() + unknown.out()).size(), unknown.err());
        assertTrue(unknown.err().contains("no-such-flag"), unknown.err());
    }

    @Test
    void aBadConfigFileWithLogJsonIsOneJsonLineNamingTheField() throws Exception {
        Path conf = dir.resolve("web.json");
        Files.writeString(conf, "{\"service\":{\"name\":\"web\",\"port\":8080,\"connect\":{\"proxy\":{\"config\":"
                + "{\"max_inbound_connections\":-1}}}}}");
        Result r = run("-log-json", "-conf", conf.toString());
        assertEquals(2, r.exit(), r.err());
        List<io.vertx.core.json.JsonObject> lines = allJson(r.err() + r.out());
        assertEquals(1, lines.size(), r.err());
        assertEquals("service.connect.proxy.config.max_inbound_connections: must be 0-1000000 (0: no bound), got -1",
                lines.get(0).getString("@message"), r.err());
    }

    @Test
    void aNoticeFlagWithLogJsonIsAJsonLineAndTheStartLineIsReadable() throws Exception {
        Path conf = dir.resolve("web.json");
        Files.writeString(conf, "{\"service\":{\"name\":\"web\",\"port\":8080},\"admin\":{\"bind\":\"off\"}}");
        Path errFile = dir.resolve("stderr.log");
        Path outFile = dir.resolve("stdout.log");
        Process p = java("-log-json", "-stale", "-conf", conf.toString()).redirectError(errFile.toFile())
                .redirectOutput(outFile.toFile()).start();
        try {
            awaitLine(errFile, "config loaded");
        } finally {
            p.destroy();
            assertTrue(p.waitFor(30, TimeUnit.SECONDS), "SIGTERM did not stop the proxy");
        }
        String all = Files.readString(errFile) + Files.readString(outFile);
        List<io.vertx.core.json.JsonObject> lines = allJson(all);
        assertTrue(lines.stream().anyMatch(o -> o.getString("@message").startsWith("-stale: accepted and has no "
                + "effect")), all);
        io.vertx.core.json.JsonObject start = lines.stream()
                .filter(o -> o.getString("@message").startsWith("starting connect-proxy: ")).findFirst()
                .orElseThrow(() -> new AssertionError("no start-up line in " + all));
        assertEquals("starting connect-proxy: proxy config from config file " + conf + ", agent 127.0.0.1:8500, "
                + "admin listener off, log level info (JSON)", start.getString("@message"), all);
    }

    private static String awaitLine(Path file, String part) throws Exception {
        long deadline = System.nanoTime() + TimeUnit.SECONDS.toNanos(30);
        while (System.nanoTime() < deadline) {
            if (Files.exists(file)) {
                for (String l : Files.readAllLines(file)) {
                    if (l.contains(part)) {
                        return l;
                    }
                }
            }
            Thread.sleep(50);
        }
        throw new AssertionError("no line with \"" + part + "\" in " + (Files.exists(file)
                ? Files.readString(file) : "(no output)"));
    }
}
