package io.connectproxy.envoy;

import io.vertx.core.Future;
import io.vertx.core.Vertx;

import java.io.IOException;
import java.io.OutputStream;
import java.io.RandomAccessFile;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.attribute.PosixFilePermissions;
import java.util.ArrayList;
import java.util.List;
import java.util.Locale;
import java.util.Map;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.AtomicBoolean;
import java.util.logging.Level;
import java.util.logging.Logger;

/**
 * Starts Envoy with a bootstrap that holds the ACL token, without putting the token in any process's arguments
 * and without leaving it on disk. Like Consul, the bootstrap goes through a FIFO: a 0600 named pipe in a fresh
 * 0700 directory is passed as {@code --config-path}; a writer thread blocks until Envoy opens it, writes the
 * document into the pipe (never onto the file system) and then removes the pipe and its directory. If Envoy
 * exits without reading it, the writer is released and the same cleanup runs. A shutdown hook forwards
 * SIGTERM/SIGINT of the JVM to Envoy and waits for it, so Envoy is not orphaned.
 */
public final class EnvoyLauncher {
    private static final Logger LOG = Logger.getLogger(EnvoyLauncher.class.getName());
    private static final List<String> HOT_RESTART_OPTIONS = List.of("--restart-epoch", "--hot-restart-version",
            "--drain-time-s", "--parent-shutdown-time-s");
    /** How long the shutdown hook lets Envoy drain after SIGTERM before killing it. */
    private static final long SHUTDOWN_GRACE_SECONDS = 15;

    private EnvoyLauncher() {
    }

    /** Linux and macOS only: Envoy does not build elsewhere, and named pipes are POSIX. */
    public static boolean supportedOs(String osName) {
        String os = osName == null ? "" : osName.toLowerCase(Locale.ROOT);
        return os.contains("linux") || os.contains("mac") || os.contains("darwin");
    }

    /**
     * Envoy's argv after the binary. Hot restart is disabled by default so several Envoys can run side by side;
     * any hot-restart option among the pass-through arguments means the caller manages it.
     */
    public static List<String> arguments(String configPath, List<String> passThrough) {
        List<String> args = new ArrayList<>(List.of("--config-path", configPath));
        if (!hasHotRestartOption(passThrough)) {
            args.add("--disable-hot-restart");
        }
        args.addAll(passThrough);
        return args;
    }

    static boolean hasHotRestartOption(List<String> args) {
        for (String arg : args) {
            for (String opt : HOT_RESTART_OPTIONS) {
                if (arg.startsWith(opt)) {
                    return true;
                }
            }
        }
        return false;
    }

    /** The binary to run: {@code -envoy-binary} as given, else {@code envoy} from PATH. Blocking (file checks). */
    static String findBinary(String flagValue, Map<String, String> env) {
        if (!flagValue.isEmpty()) {
            return flagValue;
        }
        String path = env.getOrDefault("PATH", "");
        for (String dir : path.split(java.io.File.pathSeparator)) {
            if (dir.isEmpty()) {
                continue;
            }
            Path candidate = Path.of(dir, "envoy");
            if (Files.isRegularFile(candidate) && Files.isExecutable(candidate)) {
                return candidate.toString();
            }
        }
        throw new EnvoyException(EnvoyException.Reason.EXEC,
                "couldn't find envoy binary: no executable \"envoy\" in $PATH (use -envoy-binary)");
    }

    /**
     * Runs Envoy to completion. The future completes with Envoy's exit code after the pipe and its directory
     * are gone, or fails with an {@link EnvoyException} when Envoy cannot be started.
     */
    public static Future<Integer> launch(Vertx vertx, String binary, byte[] bootstrap, List<String> passThrough) {
        return vertx.<Running>executeBlocking(() -> start(binary, bootstrap, passThrough), false)
                .compose(running -> Future.fromCompletionStage(running.process.onExit(), vertx.getOrCreateContext())
                        .compose(p -> vertx.executeBlocking(() -> running.finish(), false)));
    }

    private static Running start(String binary, byte[] bootstrap, List<String> passThrough) {
        Path dir;
        try {
            dir = Files.createTempDirectory("connect-proxy-envoy-",
                    PosixFilePermissions.asFileAttribute(PosixFilePermissions.fromString("rwx------")));
        } catch (IOException | UnsupportedOperationException e) {
            throw new EnvoyException(EnvoyException.Reason.EXEC, "cannot create a private directory for the "
                    + "bootstrap pipe: " + e.getMessage(), e);
        }
        Path fifo = dir.resolve("bootstrap.json");
        Running running = new Running(dir, fifo);
        try {
            makeFifo(fifo);
            List<String> command = new ArrayList<>();
            command.add(binary);
            command.addAll(arguments(fifo.toString(), passThrough));
            Process process;
            try {
                process = new ProcessBuilder(command).inheritIO().start();
            } catch (IOException e) {
                throw new EnvoyException(EnvoyException.Reason.EXEC, "cannot start envoy binary " + binary + ": "
                        + e.getMessage(), e);
            }
            running.started(process, bootstrap);
            return running;
        } catch (RuntimeException e) {
            running.cleanup();
            throw e;
        }
    }

    private static void makeFifo(Path fifo) {
        try {
            Process mkfifo = new ProcessBuilder("mkfifo", "-m", "600", fifo.toString())
                    .redirectErrorStream(true).start();
            String output = new String(mkfifo.getInputStream().readAllBytes()).trim();
            if (!mkfifo.waitFor(10, TimeUnit.SECONDS) || mkfifo.exitValue() != 0) {
                throw new EnvoyException(EnvoyException.Reason.EXEC, "mkfifo " + fifo + " failed: " + output);
            }
        } catch (IOException e) {
            throw new EnvoyException(EnvoyException.Reason.EXEC, "cannot run mkfifo to create the bootstrap pipe: "
                    + e.getMessage(), e);
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
            throw new EnvoyException(EnvoyException.Reason.EXEC, "interrupted while creating the bootstrap pipe", e);
        }
    }

    /** One started Envoy: its pipe, the thread feeding it, and the shutdown hook that forwards signals. */
    private static final class Running {
        private final Path dir;
        private final Path fifo;
        private final AtomicBoolean written = new AtomicBoolean();
        private Process process;
        private Thread writer;
        private Thread shutdownHook;

        Running(Path dir, Path fifo) {
            this.dir = dir;
            this.fifo = fifo;
        }

        void started(Process p, byte[] bootstrap) {
            this.process = p;
            writer = new Thread(() -> write(bootstrap), "envoy-bootstrap-writer");
            writer.setDaemon(true);
            writer.start();
            shutdownHook = new Thread(this::forwardShutdown, "envoy-shutdown");
            Runtime.getRuntime().addShutdownHook(shutdownHook);
        }

        /** Blocks in open() until Envoy opens the pipe for reading, then streams the bootstrap into it. */
        private void write(byte[] bootstrap) {
            try (OutputStream out = Files.newOutputStream(fifo)) {
                out.write(bootstrap);
            } catch (IOException e) {
                // Envoy went away before reading everything; its exit code tells the story
                LOG.log(Level.FINE, "bootstrap pipe closed early", e);
            } finally {
                written.set(true);
                cleanup();
            }
        }

        /** After Envoy exited: release a writer still waiting for a reader, remove the pipe, report the code. */
        int finish() throws InterruptedException {
            if (!written.get() && Files.exists(fifo)) {
                // opening read-write never blocks on a FIFO and counts as a reader, which lets the writer's
                // open() return; its write then fails or lands in the pipe buffer, both harmless
                LOG.fine("envoy exited before reading its bootstrap; releasing the pipe writer");
                try {
                    new RandomAccessFile(fifo.toFile(), "rw").close();
                } catch (IOException e) {
                    LOG.log(Level.FINE, "pipe already gone", e);
                }
            }
            writer.join(TimeUnit.SECONDS.toMillis(5));
            cleanup();
            try {
                Runtime.getRuntime().removeShutdownHook(shutdownHook);
            } catch (IllegalStateException e) {
                // the JVM is already shutting down; the hook is running or has run
            }
            return process.exitValue();
        }

        private void forwardShutdown() {
            if (process != null && process.isAlive()) {
                LOG.info("forwarding shutdown to envoy (pid " + process.pid() + ")");
                process.destroy();
                try {
                    if (!process.waitFor(SHUTDOWN_GRACE_SECONDS, TimeUnit.SECONDS)) {
                        process.destroyForcibly();
                    }
                } catch (InterruptedException e) {
                    Thread.currentThread().interrupt();
                    process.destroyForcibly();
                }
            }
            cleanup();
        }

        synchronized void cleanup() {
            try {
                Files.deleteIfExists(fifo);
                Files.deleteIfExists(dir);
            } catch (IOException e) {
                LOG.warning("could not remove the bootstrap pipe " + fifo + ": " + e.getMessage());
            }
        }
    }
}
