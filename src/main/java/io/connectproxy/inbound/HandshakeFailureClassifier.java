package io.connectproxy.inbound;

import io.netty.handler.ssl.NotSslRecordException;
import io.netty.handler.ssl.SslHandshakeTimeoutException;

import java.io.IOException;
import java.nio.channels.ClosedChannelException;
import java.util.ArrayDeque;
import java.util.ArrayList;
import java.util.Collections;
import java.util.IdentityHashMap;
import java.util.List;
import java.util.Locale;
import java.util.Set;

/**
 * Names why a TLS handshake on the public listener did not complete, from the engine's exception and whether the
 * peer sent anything: a short, stable label for metrics and logs. Both engines' wordings are recognised
 * (BoringSSL's upper-case codes included). Pure: no I/O, no state.
 *
 * <p>A peer that connects and goes away without sending a byte is a {@linkplain #PROBE probe}, not a failure:
 * Consul adds a TCP check ("Connect Sidecar Listening") to every sidecar that does exactly that every 10 s, and so
 * do Nomad and Kubernetes' tcpSocket probes. Counting those as handshake failures made an alert that never clears.
 */
final class HandshakeFailureClassifier {

    /** Connected and closed (or reset) without sending a byte: a health check, not a failure. */
    static final String PROBE = "probe";
    /** Sent part of a handshake, then closed the connection without an alert. */
    static final String PEER_CLOSED = "peer_closed";
    static final String TIMEOUT = "timeout";
    static final String NOT_TLS = "not_tls";
    static final String NO_CLIENT_CERT = "no_client_cert";
    static final String PROTOCOL = "protocol";
    static final String NO_SHARED_CIPHER = "no_shared_cipher";
    static final String UNTRUSTED_CERTIFICATE = "untrusted_certificate";
    static final String OTHER = "other";

    private static final int MAX_TEXT = 2000;

    private HandshakeFailureClassifier() {
    }

    /**
     * @param e            why the handshake failed
     * @param peerSentBytes whether any byte arrived from the peer before it failed
     * @return {@link #PROBE} or the failure's reason
     */
    static String classify(Throwable e, boolean peerSentBytes) {
        if (!peerSentBytes && closedByPeer(e)) {
            return PROBE;
        }
        return reason(e);
    }

    /** The failure's reason regardless of what was sent (never {@link #PROBE}). */
    static String reason(Throwable e) {
        if (e instanceof SslHandshakeTimeoutException) {
            return TIMEOUT;
        }
        if (e instanceof NotSslRecordException) {
            return NOT_TLS;
        }
        String m = text(e);
        if (m.contains("timed out")) {
            return TIMEOUT;
        }
        if (m.contains("empty client certificate") || m.contains("certificate required")
                || m.contains("peer did not return a certificate") || m.contains("peer not authenticated")) {
            return NO_CLIENT_CERT;
        }
        if (m.contains("protocol") || m.contains("version")) {
            return PROTOCOL;
        }
        if (m.contains("cipher")) {
            return NO_SHARED_CIPHER;
        }
        if (m.contains("certificate") || m.contains("certification path") || m.contains("pkix")
                || m.contains("key usage")) {
            return UNTRUSTED_CERTIFICATE;
        }
        if (closedByPeer(e)) {
            return PEER_CLOSED;
        }
        return OTHER;
    }

    /**
     * The channel closed or was reset under the handshake: Netty fails the handshake with a
     * ClosedChannelException (stackless in Netty 4.2), a reset surfaces as an IOException "Connection reset", and
     * Vert.x fails an upgrade whose channel closed before its TLS handler was in place (the first connection after
     * an identity change, while the TLS context is built) with VertxException "Connection was closed".
     */
    private static boolean closedByPeer(Throwable e) {
        for (Throwable t : chain(e)) {
            if (t instanceof SslHandshakeTimeoutException) {
                return false;
            }
        }
        for (Throwable t : chain(e)) {
            if (t instanceof ClosedChannelException) {
                return true;
            }
            String message = t.getMessage() == null ? "" : t.getMessage().toLowerCase(Locale.ROOT);
            if (t instanceof IOException && message.contains("connection reset")) {
                return true;
            }
            if (message.equals("connection was closed")) {
                return true;
            }
        }
        return false;
    }

    /** Every message of the cause chain, lower case, '_' as ' '. */
    private static String text(Throwable e) {
        StringBuilder all = new StringBuilder();
        for (Throwable c : chain(e)) {
            if (all.length() >= MAX_TEXT) {
                break;
            }
            all.append(' ').append(c.getMessage());
        }
        return all.toString().toLowerCase(Locale.ROOT).replace('_', ' ');
    }

    /** {@code e}, its causes and suppressed exceptions, each once (cycles cut). */
    private static Iterable<Throwable> chain(Throwable e) {
        Set<Throwable> seen = Collections.newSetFromMap(new IdentityHashMap<>());
        List<Throwable> out = new ArrayList<>();
        ArrayDeque<Throwable> todo = new ArrayDeque<>();
        if (e != null) {
            todo.add(e);
        }
        while (!todo.isEmpty() && out.size() < 32) {
            Throwable t = todo.poll();
            if (!seen.add(t)) {
                continue;
            }
            out.add(t);
            if (t.getCause() != null) {
                todo.add(t.getCause());
            }
            Collections.addAll(todo, t.getSuppressed());
        }
        return out;
    }
}
