package io.connectproxy.testsupport;

import java.io.IOException;
import java.io.InputStream;
import java.io.OutputStream;
import java.io.UncheckedIOException;
import java.net.InetAddress;
import java.net.ServerSocket;
import java.net.Socket;
import java.nio.ByteBuffer;
import java.util.Set;
import java.util.concurrent.BlockingQueue;
import java.util.concurrent.ConcurrentHashMap;
import java.util.concurrent.LinkedBlockingQueue;

/**
 * A "local app" that uses TCP half-close the way real clients and servers do, on plain blocking sockets (a Vert.x
 * server would close the whole connection on the peer's FIN and hide what the proxy does):
 * <ul>
 * <li>{@link Mode#ECHO_THEN_TRAILER}: sends back every byte as it arrives; at the client's EOF appends
 * {@link #trailer} (so even an empty request has an answer), shuts its write side and reads on until the client
 * closes;</li>
 * <li>{@link Mode#ANSWER_FIRST}: reads an 8-byte length N, answers N bytes of {@link HalfCloseTraffic#payload},
 * shuts its write side, then keeps reading: what it reads after that, to EOF, is recorded as a
 * {@link HalfCloseTraffic.Digest} in {@link #readAfterHalfClose()}.</li>
 * </ul>
 */
public final class HalfCloseApp implements AutoCloseable {

    /** What the app does with a connection. */
    public enum Mode { ECHO_THEN_TRAILER, ANSWER_FIRST }

    private final ServerSocket server;
    private final Mode mode;
    private final Set<Socket> open = ConcurrentHashMap.newKeySet();
    private final BlockingQueue<HalfCloseTraffic.Digest> readAfterHalfClose = new LinkedBlockingQueue<>();

    private HalfCloseApp(ServerSocket server, Mode mode) {
        this.server = server;
        this.mode = mode;
    }

    public static HalfCloseApp start(Mode mode) {
        try {
            HalfCloseApp app = new HalfCloseApp(new ServerSocket(0, 200, InetAddress.getLoopbackAddress()), mode);
            Thread t = new Thread(app::acceptLoop, "half-close-app-" + app.port());
            t.setDaemon(true);
            t.start();
            return app;
        } catch (IOException e) {
            throw new UncheckedIOException(e);
        }
    }

    public int port() {
        return server.getLocalPort();
    }

    /** The trailer {@link Mode#ECHO_THEN_TRAILER} appends after echoing {@code requestLength} bytes. */
    public static byte[] trailer(long requestLength) {
        return ByteBuffer.allocate(12).put("EOF:".getBytes(java.nio.charset.StandardCharsets.US_ASCII))
                .putLong(requestLength).array();
    }

    /** What {@link Mode#ANSWER_FIRST} read after it had half-closed, one entry per connection. */
    public BlockingQueue<HalfCloseTraffic.Digest> readAfterHalfClose() {
        return readAfterHalfClose;
    }

    private void acceptLoop() {
        while (!server.isClosed()) {
            try {
                Socket s = server.accept();
                open.add(s);
                Thread t = new Thread(() -> serve(s), "half-close-app-conn");
                t.setDaemon(true);
                t.start();
            } catch (IOException e) {
                return;
            }
        }
    }

    private void serve(Socket s) {
        try (s) {
            s.setSoTimeout(60_000);
            InputStream in = s.getInputStream();
            OutputStream out = s.getOutputStream();
            if (mode == Mode.ECHO_THEN_TRAILER) {
                byte[] buf = new byte[64 * 1024];
                long total = 0;
                for (int n; (n = in.read(buf)) >= 0; ) {
                    out.write(buf, 0, n);
                    total += n;
                }
                out.write(trailer(total));
                out.flush();
                s.shutdownOutput();
                in.transferTo(OutputStream.nullOutputStream());
            } else {
                long n = ByteBuffer.wrap(in.readNBytes(8)).getLong();
                HalfCloseTraffic.writePayload(out, n);
                out.flush();
                s.shutdownOutput();
                readAfterHalfClose.add(HalfCloseTraffic.digest(in));
            }
        } catch (IOException ignored) {
            // the test sees the damage on its side
        } finally {
            open.remove(s);
        }
    }

    @Override
    public void close() {
        try {
            server.close();
            for (Socket s : open) {
                s.close();
            }
        } catch (IOException ignored) {
            // best effort
        }
    }
}
