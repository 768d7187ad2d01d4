package io.connectproxy.testsupport;

import io.vertx.core.Future;
import io.vertx.core.Vertx;
import io.vertx.core.buffer.Buffer;
import io.vertx.core.net.NetServer;
import io.vertx.core.net.NetSocket;

import java.nio.charset.StandardCharsets;
import java.util.List;
import java.util.Queue;
import java.util.concurrent.ConcurrentLinkedQueue;
import java.util.concurrent.CopyOnWriteArrayList;

/**
 * A TCP server (real socket, port 0) standing where the agent should be, that misbehaves below HTTP the way a
 * wedged agent does: each accepted connection takes the next scripted {@link Behaviour}, then {@link #otherwise}.
 * It sees every connection's accept and close time, so a test can tell when the client gave up on it.
 */
public final class MisbehavingAgent {

    /** What one connection gets. */
    public enum Behaviour {
        /** A 200 with its headers and 5 of 2000 promised body bytes, then nothing. */
        STALL_MID_BODY,
        /** A 200 with its headers, then one body byte a second (never all 2000). */
        TRICKLE,
        /** Every byte relayed to and from the real agent. */
        RELAY
    }

    /** One connection as the server saw it; {@code closedNanos} is 0 while it is open. */
    public static final class Seen {
        public final Behaviour behaviour;
        public final long acceptedNanos = System.nanoTime();
        public volatile long closedNanos;

        Seen(Behaviour behaviour) {
            this.behaviour = behaviour;
        }

        /** Milliseconds from accept to close, or -1 while open. */
        public long openMillis() {
            long c = closedNanos;
            return c == 0 ? -1 : (c - acceptedNanos) / 1_000_000;
        }
    }

    private static final String HEADERS = "HTTP/1.1 200 OK\r\nContent-Type: application/json\r\n"
            + "X-Consul-Index: 9\r\nContent-Length: 2000\r\n\r\n";

    private final Vertx vertx;
    private final int targetPort;
    private final Queue<Behaviour> script = new ConcurrentLinkedQueue<>();
    private final List<Seen> seen = new CopyOnWriteArrayList<>();
    private volatile Behaviour otherwise = Behaviour.RELAY;
    private NetServer server;

    private MisbehavingAgent(Vertx vertx, int targetPort) {
        this.vertx = vertx;
        this.targetPort = targetPort;
    }

    /** @param targetPort the real agent on 127.0.0.1 that {@link Behaviour#RELAY} connections reach */
    public static Future<MisbehavingAgent> start(Vertx vertx, int targetPort) {
        MisbehavingAgent agent = new MisbehavingAgent(vertx, targetPort);
        agent.server = vertx.createNetServer().connectHandler(agent::accept);
        return agent.server.listen(0, "127.0.0.1").map(s -> agent);
    }

    /** The next connections, in order. */
    public MisbehavingAgent then(Behaviour... next) {
        script.addAll(List.of(next));
        return this;
    }

    /** What connections get once the script is used up (RELAY at first). */
    public MisbehavingAgent otherwise(Behaviour behaviour) {
        otherwise = behaviour;
        return this;
    }

    public String addr() {
        return "127.0.0.1:" + server.actualPort();
    }

    public List<Seen> seen() {
        return seen;
    }

    public Future<Void> close() {
        return server.close();
    }

    private void accept(NetSocket socket) {
        Behaviour b = script.poll();
        Seen s = new Seen(b == null ? otherwise : b);
        seen.add(s);
        socket.closeHandler(v -> s.closedNanos = System.nanoTime());
        switch (s.behaviour) {
            case STALL_MID_BODY -> afterRequest(socket, () -> socket.write(HEADERS + "{\"Ac"));
            case TRICKLE -> afterRequest(socket, () -> {
                socket.write(HEADERS);
                long timer = vertx.setPeriodic(1000, t -> socket.write(" "));
                socket.closeHandler(v -> {
                    s.closedNanos = System.nanoTime();
                    vertx.cancelTimer(timer);
                });
            });
            case RELAY -> relay(socket);
        }
    }

    /** Runs {@code action} once the request's headers are in (so the client is waiting for the answer). */
    private static void afterRequest(NetSocket socket, Runnable action) {
        Buffer received = Buffer.buffer();
        boolean[] done = {false};
        socket.handler(data -> {
            received.appendBuffer(data);
            if (!done[0] && received.toString(StandardCharsets.ISO_8859_1).contains("\r\n\r\n")) {
                done[0] = true;
                action.run();
            }
        });
    }

    private void relay(NetSocket socket) {
        socket.pause();
        vertx.createNetClient().connect(targetPort, "127.0.0.1").onComplete(ar -> {
            if (ar.failed()) {
                socket.close();
                return;
            }
            NetSocket upstream = ar.result();
            socket.pipeTo(upstream);
            upstream.pipeTo(socket);
            socket.resume();
        });
    }
}
