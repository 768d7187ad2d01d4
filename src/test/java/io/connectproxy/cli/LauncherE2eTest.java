package io.connectproxy.cli;

import io.connectproxy.testsupport.FatJarProcess;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.Timeout;
import org.junit.jupiter.api.io.TempDir;

import java.io.IOException;
import java.io.UncheckedIOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.attribute.PosixFilePermissions;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.HashMap;
import java.util.List;
import java.util.Map;
import java.util.concurrent.TimeUnit;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

/**
 * bin/connect-proxy, the launcher users, the image and the benchmark run: the shipped JVM flags from
 * conf/jvm.options, JAVA_HOME, JAVA_OPTS and CONNECT_PROXY_OPTS in that order, arguments passed through untouched,
 * and the JVM exec'd (it is the launcher's process, so SIGTERM reaches it).
 */
class LauncherE2eTest {
    private static final Path LAUNCHER = Path.of("bin", "connect-proxy");

    @TempDir
    Path dir;

    /** conf/jvm.options as the launcher reads it: comments dropped, the rest split into words. */
    static List<String> shippedJvmFlags() {
        try {
            List<String> flags = new ArrayList<>();
            for (String line : Files.readAllLines(Path.of("conf", "jvm.options"))) {
                String code = line.replaceAll("#.*", "").trim();
                if (!code.isEmpty()) {
                    flags.addAll(Arrays.asList(code.split("\\s+")));
                }
            }
            return flags;
        } catch (IOException e) {
            throw new UncheckedIOException(e);
        }
    }

    private record Run(int exit, String out, String err) {
    }

    private Run run(Map<String, String> env, String... args) throws Exception {
        List<String> cmd = new ArrayList<>(List.of(LAUNCHER.toString()));
        cmd.addAll(List.of(args));
        ProcessBuilder pb = new ProcessBuilder(cmd);
        pb.environment().keySet().removeIf(k -> k.startsWith("CONNECT_") || k.startsWith("CONSUL_")
                || k.equals("JAVA_OPTS") || k.equals("JAVA") || k.equals("JAVA_HOME"));
        pb.environment().putAll(env);
        Path out = dir.resolve("out-" + System.nanoTime());
        Path err = dir.resolve("err-" + System.nanoTime());
        Process p = pb.redirectOutput(out.toFile()).redirectError(err.toFile()).start();
        assertTrue(p.waitFor(60, TimeUnit.SECONDS), "the launcher did not exit: " + cmd);
        return new Run(p.exitValue(), Files.readString(out), Files.readString(err));
    }

    /** A JAVA_HOME whose bin/java records its arguments, one per line. */
    private Path recordingJavaHome(Path record) throws IOException {
        Path bin = Files.createDirectories(dir.resolve("jdk").resolve("bin"));
        Path java = bin.resolve("java");
        Files.writeString(java, "#!/bin/sh\nfor a in \"$@\"; do printf '%s\\n' \"$a\"; done > '" + record + "'\n");
        Files.setPosixFilePermissions(java, PosixFilePermissions.fromString("rwxr-xr-x"));
        return bin.getParent();
    }

    @Test
    @Timeout(value = 60, unit = TimeUnit.SECONDS)
    void runsTheJarWithTheShippedFlagsThenTheOperatorsInOrder() throws Exception {
        Path record = dir.resolve("args");
        Path jar = Files.writeString(dir.resolve("proxy-fat.jar"), "stands in for the jar");
        Map<String, String> env = new HashMap<>(Map.of("JAVA_HOME", recordingJavaHome(record).toString(),
                "CONNECT_PROXY_JAR", jar.toString(), "JAVA_OPTS", "-Xmx200m -Dfrom=java_opts",
                "CONNECT_PROXY_OPTS", "-Dfrom=connect_proxy_opts"));
        Run r = run(env, "-sidecar-for", "web", "-log-level", "with space");
        assertEquals(0, r.exit(), r.err());

        List<String> expected = new ArrayList<>(shippedJvmFlags());
        expected.addAll(List.of("-Xmx200m", "-Dfrom=java_opts", "-Dfrom=connect_proxy_opts", "-jar", jar.toString(),
                "-sidecar-for", "web", "-log-level", "with space"));
        assertEquals(expected, Files.readAllLines(record));
        assertTrue(shippedJvmFlags().contains("-XX:+UseSerialGC"), "conf/jvm.options: " + shippedJvmFlags());
    }

    @Test
    @Timeout(value = 60, unit = TimeUnit.SECONDS)
    void badSetupsAreNamedAndExitTwo() throws Exception {
        Run noJar = run(Map.of("CONNECT_PROXY_JAR", dir.resolve("missing.jar").toString()), "-h");
        assertEquals(2, noJar.exit(), noJar.err());
        assertTrue(noJar.err().contains("proxy-fat.jar not found (CONNECT_PROXY_JAR=" + dir.resolve("missing.jar")),
                noJar.err());

        Run noJava = run(Map.of("JAVA_HOME", dir.toString(),
                "CONNECT_PROXY_JAR", FatJarProcess.jar().toAbsolutePath().toString()), "-h");
        assertEquals(2, noJava.exit(), noJava.err());
        assertEquals("connect-proxy: JAVA_HOME=" + dir + " has no bin/java", noJava.err().trim());
    }

    @Test
    @Timeout(value = 60, unit = TimeUnit.SECONDS)
    void execsTheRealJvmSoSignalsReachIt() throws Exception {
        Path javaHome = Path.of(System.getProperty("java.home"));
        // proxy mode with an upstream and no agent: it runs, waiting for its identity, until SIGTERM drains it
        ProcessBuilder pb = new ProcessBuilder(LAUNCHER.toString(), "-service", "web", "-upstream",
                "db:127.0.0.1:" + io.connectproxy.testsupport.TestMesh.freePort(), "-http-addr", "127.0.0.1:9",
                "-admin-bind", "off");
        pb.environment().keySet().removeIf(k -> k.startsWith("CONNECT_") || k.equals("JAVA_OPTS")
                || k.equals("JAVA"));
        pb.environment().put("JAVA_HOME", javaHome.toString());
        pb.environment().put("CONNECT_PROXY_JAR", FatJarProcess.jar().toAbsolutePath().toString());
        Path log = dir.resolve("proxy.log");
        Process p = pb.redirectErrorStream(true).redirectOutput(log.toFile()).start();
        try {
            long deadline = System.nanoTime() + TimeUnit.SECONDS.toNanos(30);
            String command = "";
            while (System.nanoTime() < deadline) {
                command = p.info().command().orElse("");
                if (command.endsWith("/java")) {
                    break;
                }
                Thread.sleep(20);
            }
            // exec'd: the launcher's own process became the JVM, with the shipped flags on its command line
            assertTrue(command.startsWith(javaHome.toString()), "launcher process runs " + command);
            List<String> args = List.of(p.info().arguments().orElse(new String[0]));
            assertEquals(shippedJvmFlags(), args.subList(0, shippedJvmFlags().size()), args.toString());
            // signal only once the proxy runs (its signal handling is installed by then)
            while (!Files.readString(log).contains("config loaded")) {
                assertTrue(System.nanoTime() < deadline + TimeUnit.SECONDS.toNanos(30), Files.readString(log));
                Thread.sleep(20);
            }
            p.destroy();
            assertTrue(p.waitFor(20, TimeUnit.SECONDS), "SIGTERM did not stop the JVM: " + Files.readString(log));
            assertEquals(0, p.exitValue(), Files.readString(log));
        } finally {
            p.destroyForcibly();
        }
    }
}
