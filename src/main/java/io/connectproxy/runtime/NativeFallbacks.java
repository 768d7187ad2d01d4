package io.connectproxy.runtime;

import io.vertx.core.json.JsonArray;
import io.vertx.core.json.JsonObject;

import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import java.util.function.BooleanSupplier;

/**
 * What start-up had to do without because the directory Netty extracts its native libraries to is not writable
 * (Kubernetes' {@code readOnlyRootFilesystem} with no volume on /tmp): epoll and netty-tcnative's BoringSSL are
 * shipped inside the jar and must be copied to a file before they can be loaded, so both fall back (to NIO and to
 * the JDK's TLS engine) without a word from Netty. This names each fallback once, with the way to restore it, for
 * the log and for {@code /ready}'s runtime block.
 *
 * <p>Writability is probed by creating a file: permission bits say nothing when running as root, and a read-only
 * mount or a path under /proc refuses even root.
 *
 * @param directory where Netty extracts native libraries ({@code io.netty.native.workdir}, else its temp dir)
 * @param problem   why nothing can be created there, or null when it is writable
 * @param lines     one line per feature that fell back (empty when nothing did)
 */
public record NativeFallbacks(Path directory, String problem, List<String> lines) {

    private static volatile NativeFallbacks lastProbe;

    public NativeFallbacks {
        lines = List.copyOf(lines);
    }

    /**
     * Probes the directory and, when it is not writable, names what fell back. Blocking (a file is created and
     * deleted, and OpenSSL's availability is awaited): call it on the CLI thread, after Vert.x is created.
     *
     * @param epollInUse     whether Vert.x runs on the native transport
     * @param openSslInUse   whether netty-tcnative's BoringSSL loaded (asked only when the directory is not writable)
     */
    public static NativeFallbacks probe(boolean epollInUse, BooleanSupplier openSslInUse) {
        Path dir = extractionDirectory();
        String problem = problem(dir);
        List<String> lines = new ArrayList<>();
        if (problem != null) {
            String why = "its native library is extracted to " + dir + " before loading, and " + problem;
            String restore = "to restore it, mount a writable volume on /tmp (Kubernetes: an emptyDir) or set "
                    + "-Dio.netty.native.workdir=<a writable directory, not mounted noexec> (JAVA_OPTS)";
            if (!epollInUse && isLinux()) {
                lines.add("native transport (epoll) off, using NIO: " + why + "; " + restore);
            }
            if (!openSslInUse.getAsBoolean()) {
                lines.add("TLS engine BoringSSL (netty-tcnative) off, using the JDK engine: " + why + "; " + restore);
            }
        }
        NativeFallbacks result = new NativeFallbacks(dir, problem, lines);
        lastProbe = result;
        return result;
    }

    /** The result of the last {@link #probe} in this process, or null (in-process sidecars never probe). */
    public static NativeFallbacks last() {
        return lastProbe;
    }

    /** For {@code /ready}'s runtime block. */
    public JsonObject toJson() {
        JsonObject dir = new JsonObject().put("path", directory.toString()).put("writable", problem == null);
        if (problem != null) {
            dir.put("problem", problem);
        }
        return new JsonObject().put("native_library_dir", dir).put("fallbacks", new JsonArray(List.copyOf(lines)));
    }

    /** Netty's order: io.netty.native.workdir, io.netty.tmpdir, java.io.tmpdir, then /tmp. */
    static Path extractionDirectory() {
        for (String property : List.of("io.netty.native.workdir", "io.netty.tmpdir", "java.io.tmpdir")) {
            String value = System.getProperty(property);
            if (value != null && !value.isBlank()) {
                return Path.of(value);
            }
        }
        return Path.of("/tmp");
    }

    /** Why a file cannot be created in {@code dir}, or null when it can. */
    static String problem(Path dir) {
        if (!Files.isDirectory(dir)) {
            return "it is not a directory";
        }
        try {
            Path probe = Files.createTempFile(dir, "connect-proxy-", ".probe");
            Files.deleteIfExists(probe);
            return null;
        } catch (IOException | SecurityException | UnsupportedOperationException e) {
            return "nothing can be created there (" + reason(e) + ")";
        }
    }

    /** The OS's words where Java gives them (a read-only mount says "Read-only file system"). */
    private static String reason(Exception e) {
        if (e instanceof java.nio.file.FileSystemException fse && fse.getReason() != null) {
            return fse.getReason();
        }
        if (e instanceof java.nio.file.NoSuchFileException) {
            return "No such file or directory";
        }
        if (e instanceof java.nio.file.AccessDeniedException) {
            return "Permission denied";
        }
        return e.getMessage() == null ? e.getClass().getSimpleName() : e.getMessage();
    }

    private static boolean isLinux() {
        return System.getProperty("os.name", "").toLowerCase(java.util.Locale.ROOT).contains("linux");
    }
}
