package io.connectproxy.upstream;

import javax.net.ssl.SSLSession;

/**
 * Tells whether an upstream dial resumed an earlier TLS session instead of making a full handshake. Vert.x 5
 * keeps one TLS context per {@code ClientSSLOptions} object and creates client engines with the peer's host and
 * port, so both engines (Netty's OpenSSL client session cache, the JDK's) offer a cached session only to the
 * endpoint it came from; a new identity means new options, a new context and an empty cache, so no session outlives
 * the leaf or roots it was made with.
 * <p>
 * Neither Vert.x nor Netty exposes {@code isSessionReused()} publicly, so this infers it: a session that was
 * verified is marked with a session value, which Netty's OpenSSL cache carries into the sessions that resume it;
 * the JDK gives a resumed session its original creation time. A fresh OpenSSL session reports its creation time
 * in whole seconds, hence the one-second margin. The inference sees what the dialler offered, not what the server
 * accepted: Netty's OpenSSL engine carries the mark even when the server declines the ticket (before this proxy's
 * public listener issued tickets, every dial to it counted as resumed although none was). The server's own count,
 * {@code connect_proxy_tls_resumed_total{listener="public"}}, is the exact one.
 */
final class TlsResumption {
    private static final String MARK = "connect-proxy.verified-before";

    private TlsResumption() {
    }

    /** Call once per dial, after the peer passed the identity check. */
    static boolean resumedThenMark(SSLSession session, long dialStartMillis) {
        if (session == null) {
            return false;
        }
        boolean resumed = session.getValue(MARK) != null || session.getCreationTime() < dialStartMillis - 1_000;
        session.putValue(MARK, Boolean.TRUE);
        return resumed;
    }
}
