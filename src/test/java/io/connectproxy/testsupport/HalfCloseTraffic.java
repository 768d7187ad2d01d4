package io.connectproxy.testsupport;

import java.io.IOException;
import java.io.InputStream;
import java.io.OutputStream;
import java.io.UncheckedIOException;
import java.net.InetSocketAddress;
import java.net.Socket;
import java.nio.ByteBuffer;
import java.security.MessageDigest;
import java.security.NoSuchAlgorithmException;
import java.util.HexFormat;
import java.util.Random;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.TimeUnit;

/**
 * Client side of the half-close tests, on blocking sockets (run them on a test thread, never an event loop): a
 * deterministic payload of any size, streamed rather than held, and SHA-256 digests of what went each way.
 * <ul>
 * <li>{@link #sendShutRead}: what {@code nc -N} does: send everything, {@code shutdown(SHUT_WR)}, read to EOF
 * (reading starts at once, so an echoing app never blocks on full buffers);</li>
 * <li>{@link #readThenSend}: the reverse, for {@link HalfCloseApp.Mode#ANSWER_FIRST}: ask for N bytes, read
 * them to the app's EOF, then send N bytes back over the still-open direction and shut it.</li>
 * </ul>
 */
public final class HalfCloseTraffic {

    private static final int CHUNK = 64 * 1024;

    private HalfCloseTraffic() {
    }

    /** Byte count and SHA-256 of a stream. */
    public record Digest(long bytes, String sha256) {
        @Override
        public String toString() {
            return bytes + " B sha256=" + sha256.substring(0, 16) + "…";
        }
    }

    /** The digest of {@link #writePayload payload(size)} followed by {@code suffix}. */
    public static Digest expected(long size, byte[] suffix) {
        MessageDigest sha = sha256();
        long[] count = {0};
        OutputStream sink = new OutputStream() {
            @Override
            public void write(int b) {
                sha.update((byte) b);
                count[0]++;
            }

            @Override
            public void write(byte[] b, int off, int len) {
                sha.update(b, off, len);
                count[0] += len;
            }
        };
        try {
            writePayload(sink, size);
            sink.write(suffix);
        } catch (IOException e) {
            throw new UncheckedIOException(e);
        }
        return new Digest(count[0], HexFormat.of().formatHex(sha.digest()));
    }

    /** Writes {@code size} pseudo-random bytes, the same for the same size. */
    public static void writePayload(OutputStream out, long size) throws IOException {
        Random random = new Random(size * 31 + 7);
        byte[] buf = new byte[CHUNK];
        for (long left = size; left > 0; ) {
            int n = (int) Math.min(buf.length, left);
            random.nextBytes(buf);
            out.write(buf, 0, n);
            left -= n;
        }
    }

    /** Reads {@code in} to EOF. */
    public static Digest digest(InputStream in) throws IOException {
        MessageDigest sha = sha256();
        byte[] buf = new byte[CHUNK];
        long total = 0;
        for (int n; (n = in.read(buf)) >= 0; ) {
            sha.update(buf, 0, n);
            total += n;
        }
        return new Digest(total, HexFormat.of().formatHex(sha.digest()));
    }

    /**
     * Sends {@code size} payload bytes to 127.0.0.1:{@code port}, shuts the write side, reads to EOF. A failure
     * (reset, broken pipe, timeout) is thrown, with how far it got.
     */
    public static Digest sendShutRead(int port, long size) throws Exception {
        try (Socket s = connect(port)) {
            CompletableFuture<Void> sender = CompletableFuture.runAsync(() -> {
                try {
                    OutputStream out = s.getOutputStream();
                    writePayload(out, size);
                    out.flush();
                    s.shutdownOutput();
                } catch (IOException e) {
                    throw new UncheckedIOException("while sending " + size + " B", e);
                }
            });
            Digest got = digest(s.getInputStream());
            sender.get(60, TimeUnit.SECONDS);
            return got;
        }
    }

    /**
     * Asks the app for {@code size} bytes, reads them to its EOF, then sends {@code size} payload bytes over the
     * direction that is still open and shuts it. Returns what was read; the app records what it got.
     */
    public static Digest readThenSend(int port, long size) throws Exception {
        try (Socket s = connect(port)) {
            OutputStream out = s.getOutputStream();
            out.write(ByteBuffer.allocate(8).putLong(size).array());
            out.flush();
            Digest got = digest(s.getInputStream());
            writePayload(out, size);
            out.flush();
            s.shutdownOutput();
            return got;
        }
    }

    private static Socket connect(int port) throws IOException {
        Socket s = new Socket();
        s.connect(new InetSocketAddress("127.0.0.1", port), 5_000);
        s.setSoTimeout(30_000);
        return s;
    }

    private static MessageDigest sha256() {
        try {
            return MessageDigest.getInstance("SHA-256");
        } catch (NoSuchAlgorithmException e) {
            throw new IllegalStateException(e);
        }
    }
}
