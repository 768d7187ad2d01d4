package io.connectproxy.testsupport;

import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.concurrent.TimeUnit;

/**
 * A directory in which nobody can create a file, root included (tests run as root, for whom permission bits
 * such as chmod 555 change nothing): a read-only tmpfs mounted for the test when this process may mount (root with
 * CAP_SYS_ADMIN: "Read-only file system", exactly what Kubernetes' readOnlyRootFilesystem gives), else /proc, which
 * exists as a directory and refuses to create files for anyone. Close it to unmount.
 */
public final class ReadOnlyDirectory implements AutoCloseable {
    private final Path path;
    private final boolean mounted;

    private ReadOnlyDirectory(Path path, boolean mounted) {
        this.path = path;
        this.mounted = mounted;
    }

    /** @param parent where to create the mount point (the test's temp dir) */
    public static ReadOnlyDirectory create(Path parent) throws IOException, InterruptedException {
        Path dir = Files.createDirectories(parent.resolve("read-only-tmp"));
        Process mount = new ProcessBuilder("mount", "-t", "tmpfs", "-o", "ro,size=64k", "tmpfs", dir.toString())
                .redirectErrorStream(true).start();
        boolean done = mount.waitFor(10, TimeUnit.SECONDS);
        if (done && mount.exitValue() == 0) {
            return new ReadOnlyDirectory(dir, true);
        }
        if (!done) {
            mount.destroyForcibly();
        }
        return new ReadOnlyDirectory(Path.of("/proc"), false);
    }

    public Path path() {
        return path;
    }

    /** What it is, for messages. */
    public String describe() {
        return mounted ? "read-only tmpfs at " + path : path + " (mounting was not permitted here)";
    }

    @Override
    public void close() throws IOException, InterruptedException {
        if (mounted) {
            Process umount = new ProcessBuilder("umount", path.toString()).redirectErrorStream(true).start();
            if (!umount.waitFor(10, TimeUnit.SECONDS) || umount.exitValue() != 0) {
                throw new IOException("umount " + path + " failed: " + new String(umount.getInputStream()
                        .readAllBytes()));
            }
        }
    }
}
