package io.connectproxy.metrics;

import io.connectproxy.net.PipeResult;

import java.time.Duration;
import java.util.LinkedHashSet;
import java.util.Locale;
import java.util.Set;
import java.util.function.LongSupplier;

/**
 * The open connections of one listener verticle instance and their byte counts so far, so that bytes reach
 * {@code connect_proxy_bytes_total} while they flow rather than when the connection closes: the verticle calls
 * {@link #flush()} from a periodic timer (every {@link #FLUSH_INTERVAL_MS} ms) and each connection adds what moved
 * since the last flush. It reads the pipe's public byte counters only, never touches the data path. Confined to
 * the verticle's event loop like the connections it tracks.
 */
public final class ConnectionTracker {
    /** How far behind the byte counters may be. */
    public static final long FLUSH_INTERVAL_MS = 1_000;

    private final ProxyMetrics metrics;
    private final Set<Connection> open = new LinkedHashSet<>();

    public ConnectionTracker(ProxyMetrics metrics) {
        this.metrics = metrics;
    }

    /**
     * A proxied connection was established: counted, and tracked until {@link Connection#closed()}.
     *
     * @param fromClient bytes received from the connecting client so far
     * @param toClient   bytes sent to it so far
     */
    public Connection opened(String listener, String destination, LongSupplier fromClient, LongSupplier toClient) {
        ProxyMetrics.ListenerMeters m = metrics.listenerMeters(listener, destination);
        m.connections().increment();
        m.active().incrementAndGet();
        Connection c = new Connection(m, fromClient, toClient);
        open.add(c);
        return c;
    }

    /** Adds every open connection's bytes since the last flush to the counters. */
    public void flush() {
        for (Connection c : open) {
            c.flush();
        }
    }

    /** Connections tracked now. */
    public int size() {
        return open.size();
    }

    /**
     * How a pipe ended, in the access log's words: the client is the side that connected to this listener, the
     * destination the side the proxy dialled.
     */
    public static String endReason(PipeResult r) {
        if (r == null) {
            return "unknown";
        }
        return switch (r.reason()) {
            case A_CLOSED -> "client_closed";
            case B_CLOSED -> "destination_closed";
            case A_ERROR -> "client_error";
            case B_ERROR -> "destination_error";
            default -> r.reason().name().toLowerCase(Locale.ROOT);
        };
    }

    /** One tracked connection. */
    public final class Connection {
        private final ProxyMetrics.ListenerMeters meters;
        private final LongSupplier fromClient;
        private final LongSupplier toClient;
        private final long startNanos = System.nanoTime();
        private long countedIn;
        private long countedOut;
        private boolean closed;

        private Connection(ProxyMetrics.ListenerMeters meters, LongSupplier fromClient, LongSupplier toClient) {
            this.meters = meters;
            this.fromClient = fromClient;
            this.toClient = toClient;
        }

        private void flush() {
            long in = fromClient.getAsLong();
            if (in > countedIn) {
                meters.bytesIn().increment(in - countedIn);
                countedIn = in;
            }
            long out = toClient.getAsLong();
            if (out > countedOut) {
                meters.bytesOut().increment(out - countedOut);
                countedOut = out;
            }
        }

        /** The connection ended: its last bytes are counted and its duration recorded, which is returned. */
        public Duration closed() {
            Duration lived = Duration.ofNanos(System.nanoTime() - startNanos);
            if (!closed) {
                closed = true;
                flush();
                open.remove(this);
                meters.active().decrementAndGet();
                meters.duration().record(lived);
            }
            return lived;
        }
    }
}
