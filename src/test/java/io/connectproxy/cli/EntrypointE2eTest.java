package io.connectproxy.cli;

import java.time.Duration;

import io.connectproxy.testsupport.Await;

import io.connectproxy.testsupport.MeshTestBase;
import io.connectproxy.testsupport.EchoServer;
import io.connectproxy.testsupport.FatJarProcess;
import io.connectproxy.testsupport.Jdk25;
import io.connectproxy.testsupport.TestMesh;
import io.vertx.core.json.JsonArray;
import io.vertx.core.json.JsonObject;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.Timeout;
import org.junit.jupiter.api.io.TempDir;

import java.io.IOException;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.attribute.FileTime;
import java.nio.file.attribute.PosixFilePermissions;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.concurrent.TimeUnit;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

/**
 * The container's start command (docker/entrypoint.sh) and HEALTHCHECK (docker/healthcheck.sh), run directly
 * against the built jar: there is no Docker engine here, and the Dockerfile only copies these scripts.
 */
class EntrypointE2eTest extends MeshTestBase {
    /** The entrypoint must start the JVM through the launcher, with the flags the product ships. */
    private static final List<String> JVM_FLAGS = LauncherE2eTest.shippedJvmFlags();

    @TempDir
    Path dir;


    private static Path script(String name) {
        Path p = Path.of("docker", name);
        assertTrue(Files.isRegularFile(p), p.toAbsolutePath().toString());
        return p;
    }

    private record Run(int exit, String out, String err) {
    }

    private static Run run(List<String> cmd, Map<String, String> env) throws Exception {
        return run(cmd, env, 60);
    }

    private static Run run(List<String> cmd, Map<String, String> env, int timeoutSeconds) throws Exception {
        ProcessBuilder pb = new ProcessBuilder(cmd);
        pb.environment().keySet().removeIf(k -> k.startsWith("CONSUL_") || k.startsWith("CONNECT_")
                || k.equals("JAVA_OPTS") || k.equals("JAVA") || k.equals("JAVA_HOME"));
        pb.environment().putAll(env);
        Path out = Files.createTempFile("entry", ".out");
        Path err = Files.createTempFile("entry", ".err");
        Process p = pb.redirectOutput(out.toFile()).redirectError(err.toFile()).start();
        if (!p.waitFor(timeoutSeconds, TimeUnit.SECONDS)) {
            p.descendants().forEach(ProcessHandle::destroyForcibly);
            p.destroyForcibly();
            throw new AssertionError("did not exit in " + timeoutSeconds + " s: " + cmd + "\n" + Files.readString(err));
        }
        return new Run(p.exitValue(), Files.readString(out), Files.readString(err));
    }

    /** A stand-in for java that records its arguments, one per line. */
    private Path recordingJava(Path record) throws IOException {
        Path fake = dir.resolve("fake-java");
        Files.writeString(fake, "#!/bin/sh\nfor a in \"$@\"; do printf '%s\\n' \"$a\"; done > '" + record + "'\n");
        Files.setPosixFilePermissions(fake, PosixFilePermissions.fromString("rwxr-xr-x"));
        return fake;
    }

    private List<String> recorded(Map<String, String> env, String... args) throws Exception {
        return recordedRun(env, args).args();
    }

    /** Stands in for the image's jar (the launcher checks that the jar exists; only java is faked). */
    private Path imageJar() throws IOException {
        Path jar = dir.resolve("opt-proxy-fat.jar");
        if (!Files.exists(jar)) {
            Files.writeString(jar, "stands in for the jar");
        }
        return jar;
    }

    private List<String> expected(String... rest) throws IOException {
        List<String> l = new ArrayList<>(JVM_FLAGS);
        l.addAll(List.of("-jar", imageJar().toString()));
        l.addAll(List.of(rest));
        return l;
    }

    @Test
    void startsTheJarWithTheIntendedFlags() throws Exception {
        // proxy mode from the environment only
        assertEquals(expected("-conf", "/etc/connect proxy/web.json", "-admin-bind", "0.0.0.0:19100",
                        "-log-level", "debug"),
                recorded(Map.of("CONNECT_CONF", "/etc/connect proxy/web.json", "CONNECT_ADMIN_BIND", "0.0.0.0:19100",
                        "CONNECT_LOG_LEVEL", "debug")));
        // command-line flags come after the environment's, so they win
        assertEquals(expected("-log-json", "-admin-bind", "127.0.0.1:19100", "-sidecar-for", "web",
                        "-admin-bind", "off"),
                recorded(Map.of("CONNECT_ADMIN_BIND", "127.0.0.1:19100", "CONNECT_LOG_JSON", "true"),
                        "-sidecar-for", "web", "-admin-bind", "off"));
        // the other modes are passed through untouched, without the proxy's env flags
        assertEquals(expected("envoy", "-sidecar-for", "web", "-bootstrap"),
                recorded(Map.of("CONNECT_ADMIN_BIND", "0.0.0.0:19100"), "envoy", "-sidecar-for", "web",
                        "-bootstrap"));
        // JAVA_OPTS are added after the defaults, so an operator can override them
        List<String> withOpts = recorded(Map.of("JAVA_OPTS", "-Xmx200m"), "-sidecar-for", "web");
        assertEquals(List.of("-Xmx200m", "-jar"), withOpts.subList(JVM_FLAGS.size(), JVM_FLAGS.size() + 2));
    }

    @Test
    void usesTheImagesAotCacheOnlyWithTheJarItWasTrainedWith() throws Exception {
        Path jar = Files.writeString(dir.resolve("proxy-fat.jar"), "stands in for the jar: only size and time are read");
        Path cache = Files.writeString(dir.resolve("proxy.aot"), "stands in for the cache: only its presence is read");
        Path stamp = dir.resolve("proxy.aot.jar-stamp");
        Files.writeString(stamp, Files.size(jar) + " " + Files.getLastModifiedTime(jar).toMillis() / 1000 + "\n");
        Map<String, String> env = Map.of("CONNECT_AOT_CACHE", cache.toString(), "CONNECT_PROXY_JAR", jar.toString());

        Recorded used = recordedRun(env, "-sidecar-for", "web");
        assertEquals(List.of("--sun-misc-unsafe-memory-access=allow", "-Xlog:aot*=error", "-XX:AOTCache=" + cache,
                "-jar", jar.toString()), used.args().subList(JVM_FLAGS.size(), JVM_FLAGS.size() + 5));
        assertEquals("", used.run().err());

        // the jar changed since training: the cache is not used, and that is said
        Files.setLastModifiedTime(jar, FileTime.fromMillis(0));
        Recorded stale = recordedRun(env, "-sidecar-for", "web");
        assertEquals(JVM_FLAGS, stale.args().subList(0, JVM_FLAGS.size()));
        assertEquals("-jar", stale.args().get(JVM_FLAGS.size()));
        assertTrue(stale.run().err().contains("was not trained with " + jar), stale.run().err());

        // a cache that is not there: started without it, and said so (a slower start is not a failure)
        Recorded missing = recordedRun(Map.of("CONNECT_AOT_CACHE", dir.resolve("missing.aot").toString()),
                "-sidecar-for", "web");
        assertEquals(expected("-sidecar-for", "web"), missing.args());
        assertTrue(missing.run().err().contains("CONNECT_AOT_CACHE=" + dir.resolve("missing.aot")
                + " is not a readable file"), missing.run().err());
    }

    private record Recorded(Run run, List<String> args) {
    }

    /** The entrypoint with a recording java: what it printed, and the arguments java got. */
    private Recorded recordedRun(Map<String, String> env, String... args) throws Exception {
        Path record = dir.resolve("args-" + System.nanoTime());
        Map<String, String> all = new java.util.HashMap<>(Map.of("CONNECT_PROXY_JAR", imageJar().toString()));
        all.putAll(env);
        all.put("JAVA", recordingJava(record).toString());
        List<String> cmd = new ArrayList<>(List.of("sh", script("entrypoint.sh").toString()));
        cmd.addAll(List.of(args));
        Run r = run(cmd, all);
        assertEquals(0, r.exit(), r.err());
        return new Recorded(r, Files.readAllLines(record));
    }

    /**
     * The Dockerfile's build step, for real: {@code entrypoint.sh aot-train} runs docker/aot-train.sh (a dev agent,
     * echo's sidecar, and a web sidecar proxying exchanges with -XX:AOTCacheOutput), and the cache it writes is
     * one the JVM accepts: with -XX:AOTMode=on a JVM that cannot use the cache refuses to start. The training conf
     * names ports this test holds (as another build training at the same time would): the script must train on
     * others, not fail on a taken port.
     */
    @Test
    @Timeout(value = 150, unit = TimeUnit.SECONDS)
    void aotTrainingWritesACacheTheEntrypointStartsWith() throws Exception {
        Path jdk25 = Jdk25.java();
        Path cache = dir.resolve("proxy.aot");
        List<java.net.ServerSocket> held = new ArrayList<>();
        try {
            for (int i = 0; i < 6; i++) {
                held.add(new java.net.ServerSocket(0, 50, java.net.InetAddress.getLoopbackAddress()));
            }
            String conf = Files.readString(Path.of("conf", "aot-training.json"))
                    .replace("127.0.0.1:18500", "127.0.0.1:" + held.get(0).getLocalPort())
                    .replace("11234", Integer.toString(held.get(1).getLocalPort()))
                    .replace("19191", Integer.toString(held.get(2).getLocalPort()))
                    .replace("21101", Integer.toString(held.get(3).getLocalPort()))
                    .replace("18080", Integer.toString(held.get(4).getLocalPort()))
                    .replace("21100", Integer.toString(held.get(5).getLocalPort()));
            for (java.net.ServerSocket s : held) {
                assertTrue(conf.contains(Integer.toString(s.getLocalPort())),
                        "the training conf names the held port " + s.getLocalPort() + ": " + conf);
            }
            Path takenConf = Files.writeString(dir.resolve("aot-training.json"), conf);
            Map<String, String> env = Map.of("JAVA", jdk25.toString(),
                    "CONNECT_PROXY_JAR", FatJarProcess.jar().toAbsolutePath().toString(),
                    "AOT_TRAINING_CONF", takenConf.toString());
            Run trained = run(List.of("sh", script("entrypoint.sh").toString(), "aot-train", cache.toString()), env,
                    120);
            assertEquals(0, trained.exit(), trained.out() + trained.err());
        } finally {
            for (java.net.ServerSocket s : held) {
                s.close();
            }
        }
        Map<String, String> env = Map.of("JAVA", jdk25.toString(),
                "CONNECT_PROXY_JAR", FatJarProcess.jar().toAbsolutePath().toString());
        assertTrue(Files.size(cache) > 1_000_000, "cache size " + Files.size(cache));
        assertTrue(Files.isRegularFile(dir.resolve("proxy.aot.jar-stamp")),
                "expected true: Files.isRegularFile(dir.resolve(\"proxy.aot.jar-stamp\"))");

        Map<String, String> withCache = new java.util.HashMap<>(env);
        withCache.put("CONNECT_AOT_CACHE", cache.toString());
        withCache.put("JAVA_OPTS", "-XX:AOTMode=on");
        Run help = run(List.of("sh", script("entrypoint.sh").toString(), "-h"), withCache);
        assertEquals(0, help.exit(), help.out() + help.err());
        assertTrue(help.out().contains("-sidecar-for"), help.out());
        // nothing but the usage: no entrypoint complaint, no JVM warning (JDK 25.0.3 prints two on stdout unless
        // -Xlog:aot*=error, which would break JSON logs)
        String all = help.out() + help.err();
        assertTrue(!all.contains("CONNECT_AOT_CACHE") && !all.toLowerCase(java.util.Locale.ROOT).contains("[warning]")
                && !all.contains("WARNING"), all);
    }

    @Test
    @Timeout(value = 60, unit = TimeUnit.SECONDS)
    void versionRunsAsTheJarsCommandEvenWithProxyEnvironmentSet() throws Exception {
        // CONNECT_ADMIN_BIND would be turned into a flag placed before "version" if it went to proxy mode
        Run r = run(List.of("sh", script("entrypoint.sh").toString(), "version"), Map.of("CONNECT_PROXY_JAR",
                FatJarProcess.jar().toAbsolutePath().toString(), "JAVA", Path.of(System.getProperty("java.home"),
                        "bin", "java").toString(), "CONNECT_ADMIN_BIND", "127.0.0.1:19100"));
        assertEquals(0, r.exit(), r.err());
        assertTrue(r.out().startsWith("connect-proxy v"), r.out());
    }

    @Test
    @Timeout(value = 60, unit = TimeUnit.SECONDS)
    void runsTheRealJarInEnvoyBootstrapMode() throws Exception {
        mesh.registerWithSidecar("web", TestMesh.freePort(), new JsonArray());
        Run r = run(List.of("sh", script("entrypoint.sh").toString(), "envoy", "-sidecar-for", "web",
                "-bootstrap"), Map.of("CONNECT_PROXY_JAR", FatJarProcess.jar().toAbsolutePath().toString(),
                "JAVA", Path.of(System.getProperty("java.home"), "bin", "java").toString(),
                "CONSUL_HTTP_ADDR", mesh.agent().httpAddr()));
        assertEquals(0, r.exit(), r.err());
        JsonObject bootstrap = new JsonObject(r.out());
        assertTrue(bootstrap.containsKey("static_resources"), r.out());
        assertTrue(bootstrap.getJsonObject("node").getString("id").startsWith("web"), r.out());
    }

    @Test
    @Timeout(value = 60, unit = TimeUnit.SECONDS)
    void healthcheckFollowsReadinessOfAProxyStartedByTheEntrypoint() throws Exception {
        EchoServer app = TestMesh.await(EchoServer.start(vertx));
        int admin = TestMesh.freePort();
        Map<String, String> env = Map.of("CONNECT_ADMIN_BIND", "127.0.0.1:" + admin);
        // before anything listens: unhealthy
        assertEquals(1, run(List.of("bash", script("healthcheck.sh").toString()), env).exit());

        TestMesh.await(mesh.agent().stopListening()); // no identity yet: the proxy runs but is not ready
        // the admin address as a flag after the image name, as `docker run IMAGE -admin-bind …` gives it: the
        // environment's (the image's default) comes first on the command line and loses
        ProcessBuilder pb = new ProcessBuilder("sh", script("entrypoint.sh").toString(), "-service", "web",
                "-listen", "127.0.0.1:" + TestMesh.freePort(), "-service-addr", "127.0.0.1:" + app.port(),
                "-http-addr", mesh.agent().httpAddr(), "-admin-bind", "127.0.0.1:" + admin);
        pb.environment().keySet().removeIf(k -> k.startsWith("CONSUL_") || k.startsWith("CONNECT_"));
        pb.environment().put("CONNECT_ADMIN_BIND", "127.0.0.1:" + TestMesh.freePort());
        pb.environment().put("CONNECT_PROXY_JAR", FatJarProcess.jar().toAbsolutePath().toString());
        pb.environment().put("JAVA", Path.of(System.getProperty("java.home"), "bin", "java").toString());
        Path log = dir.resolve("proxy.log");
        Process p = pb.redirectErrorStream(true).redirectOutput(log.toFile()).start();
        // the healthcheck reads the proxy's own command line (PID 1 in a container; here the exec'd JVM)
        env = Map.of("CONNECT_PROXY_PID", String.valueOf(p.pid()));
        try {
            Await.until(Duration.ofSeconds(30), "no admin",
                    () -> Files.exists(log) && read(log).contains("admin listening"));
            assertEquals(1, run(List.of("bash", script("healthcheck.sh").toString()), env).exit());
            TestMesh.await(mesh.agent().listen());
            long deadline = System.nanoTime() + TimeUnit.SECONDS.toNanos(20);
            int code;
            do {
                Thread.sleep(200);
                code = run(List.of("bash", script("healthcheck.sh").toString()), env).exit();
            } while (code != 0 && System.nanoTime() < deadline);
            assertEquals(0, code, read(log));
            // exec'd: the JVM itself is the script's process, so the signal reaches it and it exits 0
            p.destroy();
            assertTrue(p.waitFor(20, TimeUnit.SECONDS));
            assertEquals(0, p.exitValue(), read(log));
        } finally {
            p.destroyForcibly();
        }
    }

    @Test
    @Timeout(value = 30, unit = TimeUnit.SECONDS)
    void healthcheckPassesWithTheAdminEndpointTurnedOffAndSaysWhy() throws Exception {
        // a stand-in process whose command line carries the flags, as the proxy's JVM would
        Process p = new ProcessBuilder("bash", "-c", "sleep 20; exit 0", "java", "-jar", "proxy-fat.jar", "-admin-bind",
                "127.0.0.1:1", "-admin-bind=off").start();
        try {
            Run r = run(List.of("bash", script("healthcheck.sh").toString()),
                    Map.of("CONNECT_PROXY_PID", String.valueOf(p.pid()), "CONNECT_ADMIN_BIND", "127.0.0.1:1"));
            assertEquals(0, r.exit(), r.out() + r.err());
            assertTrue(r.out().contains("admin endpoint off"), r.out());
        } finally {
            p.destroyForcibly();
        }
    }

    private static String read(Path p) {
        try {
            return Files.readString(p, StandardCharsets.UTF_8);
        } catch (IOException e) {
            return "";
        }
    }
}
