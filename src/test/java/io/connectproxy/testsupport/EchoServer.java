package io.connectproxy.testsupport;

import io.vertx.core.Future;
import io.vertx.core.Vertx;
import io.vertx.core.buffer.Buffer;
import io.vertx.core.net.NetServer;

import java.io.IOException;
import java.io.UncheckedIOException;
import java.net.InetAddress;
import java.net.ServerSocket;
import java.net.Socket;
import java.util.Set;
import java.util.concurrent.ConcurrentHashMap;
import java.util.concurrent.atomic.AtomicInteger;

/**
 * The "local app" of tests: a TCP echo server on 127.0.0.1:0 that counts the connections it accepted, so a test
 * can prove a rejected peer never reached the app. In {@code replyOnEnd} mode it answers only after the client
 * has shut down its write side (to test half-close): it sends back what it read, prefixed with "got:", then closes.
 * <p>
 * The replyOnEnd mode uses plain blocking sockets, not Vert.x: a Vert.x server closes the whole connection on the
 * peer's FIN (it never sets Netty's ALLOW_HALF_CLOSURE), so the answer written from its end handler would be lost
 * and a half-close test would fail whatever the proxy does.
 */
public final class EchoServer {
    private final AtomicInteger accepted = new AtomicInteger();
    private final NetServer server;
    private final ServerSocket blocking;
    private final Set<Socket> open = ConcurrentHashMap.newKeySet();

    private EchoServer(NetServer server, ServerSocket blocking) {
        this.server = server;
        this.blocking = blocking;
    }

    public static Future<EchoServer> start(Vertx vertx) {
        return start(vertx, false);
    }

    public static Future<EchoServer> start(Vertx vertx, boolean replyOnEnd) {
        if (replyOnEnd) {
            return Future.succeededFuture(startReplyOnEnd());
        }
        NetServer server = vertx.createNetServer();
        EchoServer echo = new EchoServer(server, null);
        server.connectHandler(s -> {
            echo.accepted.incrementAndGet();
            s.handler(s::write);
        });
        return server.listen(0, "127.0.0.1").map(echo);
    }

    private static EchoServer startReplyOnEnd() {
        try {
            ServerSocket ss = new ServerSocket(0, 200, InetAddress.getLoopbackAddress());
            EchoServer echo = new EchoServer(null, ss);
            Thread acceptor = new Thread(echo::acceptLoop, "echo-reply-on-end-" + ss.getLocalPort());
            acceptor.setDaemon(true);
            acceptor.start();
            return echo;
        } catch (IOException e) {
            throw new UncheckedIOException(e);
        }
    }

    private void acceptLoop() {
        while (!blocking.isClosed()) {
            try {
                Socket s = blocking.accept();
                accepted.incrementAndGet();
                open.add(s);
                Thread t = new Thread(() -> replyOnEnd(s), "echo-conn");
                t.setDaemon(true);
                t.start();
            } catch (IOException e) {
                return; // closed
            }
        }
    }

    private void replyOnEnd(Socket s) {
        try (s) {
            s.setSoTimeout(30_000);
            byte[] all = s.getInputStream().readAllBytes();
            s.getOutputStream().write(Buffer.buffer("got:").appendBytes(all).getBytes());
            s.getOutputStream().flush();
        } catch (IOException ignored) {
            // the proxy closed on us: nothing to answer
        } finally {
            open.remove(s);
        }
    }

    public int port() {
        return server != null ? server.actualPort() : blocking.getLocalPort();
    }

    public int accepted() {
        return accepted.get();
    }

    public Future<Void> close() {
        if (server != null) {
            return server.close();
        }
        try {
            blocking.close();
            for (Socket s : open) {
                s.close();
            }
        } catch (IOException ignored) {
            // best effort
        }
        return Future.succeededFuture();
    }
}
