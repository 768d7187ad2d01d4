package io.connectproxy.testsupport;

import java.io.BufferedReader;
import java.io.IOException;
import java.io.InputStreamReader;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.concurrent.TimeUnit;
import java.util.function.Predicate;

/**
 * {@code target/proxy-fat.jar} started as a real process, the way users run it. Its stdout and stderr are
 * collected line by line so a test can wait for a line and assert on what was printed. Always close it.
 */
public final class FatJarProcess implements AutoCloseable {
    private final Process process;
    private final List<String> out = new ArrayList<>();
    private final List<String> err = new ArrayList<>();

    private FatJarProcess(Process process) {
        this.process = process;
        pump(process.getInputStream(), out);
        pump(process.getErrorStream(), err);
    }

    public static Path jar() {
        String prop = System.getProperty("proxy.fatjar");
        Path p = prop != null ? Path.of(prop) : Path.of("target", "proxy-fat.jar");
        if (!Files.isRegularFile(p)) {
            throw new IllegalStateException("fat jar not built: " + p.toAbsolutePath() + " (run mvn package)");
        }
        return p;
    }

    public static FatJarProcess start(List<String> args, Map<String, String> env) throws IOException {
        return start(List.of(), args, env);
    }

    /** With JVM options ({@code -Dkey=value}, …) before {@code -jar}. */
    public static FatJarProcess start(List<String> jvmOptions, List<String> args, Map<String, String> env)
            throws IOException {
        List<String> cmd = new ArrayList<>();
        cmd.add(Path.of(System.getProperty("java.home"), "bin", "java").toString());
        cmd.add("-Xmx128m");
        cmd.addAll(jvmOptions);
        cmd.add("-jar");
        cmd.add(jar().toString());
        cmd.addAll(args);
        ProcessBuilder pb = new ProcessBuilder(cmd);
        pb.environment().keySet().removeIf(k -> k.startsWith("CONSUL_") || k.startsWith("CONNECT_"));
        pb.environment().putAll(env);
        return new FatJarProcess(pb.start());
    }

    private static void pump(java.io.InputStream in, List<String> sink) {
        Thread t = new Thread(() -> {
            try (BufferedReader r = new BufferedReader(new InputStreamReader(in, StandardCharsets.UTF_8))) {
                String line;
                while ((line = r.readLine()) != null) {
                    synchronized (sink) {
                        sink.add(line);
                        sink.notifyAll();
                    }
                }
            } catch (IOException ignored) {
                // the process ended
            }
        }, "fatjar-output");
        t.setDaemon(true);
        t.start();
    }

    /** Waits until a line of stdout or stderr matches, or fails with everything printed so far. */
    public String awaitLine(Predicate<String> match, Duration timeout) throws InterruptedException {
        long deadline = System.nanoTime() + timeout.toNanos();
        while (System.nanoTime() < deadline) {
            for (List<String> sink : List.of(out, err)) {
                synchronized (sink) {
                    for (String line : sink) {
                        if (match.test(line)) {
                            return line;
                        }
                    }
                }
            }
            if (!process.isAlive()) {
                Thread.sleep(100); // let the pumps drain what the process printed last
                for (List<String> sink : List.of(out, err)) {
                    synchronized (sink) {
                        for (String line : sink) {
                            if (match.test(line)) {
                                return line;
                            }
                        }
                    }
                }
                throw new AssertionError("process exited (" + process.exitValue() + ") before the line; output:\n"
                        + output());
            }
            synchronized (err) {
                err.wait(50);
            }
        }
        throw new AssertionError("no matching line within " + timeout + "; output:\n" + output());
    }

    public int awaitExit(Duration timeout) throws InterruptedException {
        if (!process.waitFor(timeout.toMillis(), TimeUnit.MILLISECONDS)) {
            throw new AssertionError("process still running after " + timeout + "; output:\n" + output());
        }
        Thread.sleep(100);
        return process.exitValue();
    }

    public String stdout() {
        synchronized (out) {
            return String.join("\n", out);
        }
    }

    public String stderr() {
        synchronized (err) {
            return String.join("\n", err);
        }
    }

    public String output() {
        return "--- stdout\n" + stdout() + "\n--- stderr\n" + stderr();
    }

    public long pid() {
        return process.pid();
    }

    public Process process() {
        return process;
    }

    /** SIGTERM, then SIGKILL if it does not end in time. */
    @Override
    public void close() throws InterruptedException {
        if (process.isAlive()) {
            process.destroy();
            if (!process.waitFor(10, TimeUnit.SECONDS)) {
                process.destroyForcibly();
                process.waitFor(5, TimeUnit.SECONDS);
            }
        }
    }
}
