package io.connectproxy.testsupport;

import java.io.ByteArrayOutputStream;
import java.io.IOException;
import java.io.InputStream;
import java.io.OutputStream;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import java.util.concurrent.TimeUnit;

/**
 * The {@code openssl s_client} binary as a mesh client: a peer this project did not write, which says which key
 * exchange group was negotiated ("Server Temp Key") and whether a session was resumed ("Reused" / "New"). It sends
 * one line, waits for it to come back (so the server's session tickets, sent after the handshake, have arrived),
 * then closes.
 */
public final class OpenSslClient {
    private final Path dir;

    /** Client certificate chain and key (PEM) and the roots it trusts, written to a temporary directory. */
    public OpenSslClient(String certPem, String keyPem, List<String> rootPems) throws IOException {
        dir = Files.createTempDirectory("openssl-client");
        Files.writeString(dir.resolve("cert.pem"), certPem);
        Files.writeString(dir.resolve("key.pem"), keyPem);
        Files.writeString(dir.resolve("roots.pem"), String.join("\n", rootPems));
    }

    /** The session file that {@code -sess_out} wrote and {@code -sess_in} reads. */
    public Path sessionFile(String name) {
        return dir.resolve(name + ".session");
    }

    /**
     * Runs {@code openssl s_client} against 127.0.0.1:{@code port} with {@code extraArgs}, sends {@code line} and
     * returns everything it printed (stdout and stderr) once {@code line} came back or 20 s passed (a loaded CI machine).
     */
    public String exchange(int port, String line, String... extraArgs) throws IOException, InterruptedException {
        List<String> command = new ArrayList<>(List.of("openssl", "s_client", "-connect", "127.0.0.1:" + port,
                "-cert", dir.resolve("cert.pem").toString(), "-key", dir.resolve("key.pem").toString(),
                "-CAfile", dir.resolve("roots.pem").toString(), "-verify_return_error"));
        command.addAll(List.of(extraArgs));
        Process p = new ProcessBuilder(command).redirectErrorStream(true).start();
        ByteArrayOutputStream out = new ByteArrayOutputStream();
        Thread reader = new Thread(() -> copy(p.getInputStream(), out), "s_client-output");
        reader.start();
        try (OutputStream in = p.getOutputStream()) {
            in.write((line + "\n").getBytes(StandardCharsets.UTF_8));
            in.flush();
            long deadline = System.nanoTime() + TimeUnit.SECONDS.toNanos(20);
            while (System.nanoTime() < deadline && p.isAlive() && !text(out).contains(line)) {
                Thread.sleep(20);
            }
        } catch (IOException closedEarly) {
            // s_client ended (a failed handshake): its output says why
        }
        if (!p.waitFor(5, TimeUnit.SECONDS)) {
            p.destroyForcibly();
        }
        reader.join(2_000);
        return text(out);
    }

    private static String text(ByteArrayOutputStream out) {
        synchronized (out) {
            return out.toString(StandardCharsets.UTF_8);
        }
    }

    private static void copy(InputStream in, ByteArrayOutputStream out) {
        byte[] buf = new byte[4096];
        try {
            for (int n; (n = in.read(buf)) > 0; ) {
                synchronized (out) {
                    out.write(buf, 0, n);
                }
            }
        } catch (IOException ignored) {
            // the process ended
        }
    }
}
