package io.connectproxy.upstream;

import javax.net.ssl.SSLSession;

/**
 * Tells whether an upstream dial resumed an earlier TLS session instead of making a full handshake. Vert.x 5
 * keeps one TLS context per {@code ClientSSLOptions} object and creates client engines with the peer's host and
 * port, so both engines (Netty's OpenSSL client session cache, the JDK's) already resume per endpoint by
 * themselves; a new identity means new options, a new context and an empty cache, so no session outlives the leaf
 * or roots it was made with.
 * <p>
 * Neither Vert.x nor Netty exposes {@code isSessionReused()} publicly, so this infers it: a session that was
 * verified is marked with a session value, which Netty's OpenSSL cache carries into the sessions that resume it;
 * the JDK gives a resumed session its original creation time. A fresh OpenSSL session reports its creation time
 * in whole seconds, hence the one-second margin. The count is a lower bound (a JDK session resumed within a second
 * of its creation is missed), never a false positive.
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
