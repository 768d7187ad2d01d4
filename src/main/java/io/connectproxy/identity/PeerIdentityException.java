package io.connectproxy.identity;

/** A TLS peer whose certificate does not name an acceptable mesh service; the reason is for logs and metrics. */
public final class PeerIdentityException extends Exception {
    private static final long serialVersionUID = 1L;

    /** Why a peer was refused after the handshake. */
    public enum Reason {
        /** The connection is not TLS at all. */
        NOT_TLS,
        /** The client sent no certificate (server side). */
        NO_CLIENT_CERT,
        /** The server sent no certificate (client side). */
        NO_SERVER_CERT,
        /** The peer's leaf has no URI SAN. */
        NO_URI_SAN,
        /** The URI SAN is not {@code spiffe://<td>/ns/<ns>/dc/<dc>/svc/<svc>}. */
        NOT_A_SERVICE_ID,
        /** A valid service id, but not the one this connection was meant to reach (client side). */
        IDENTITY_MISMATCH,
        /**
         * The peer's leaf is outside its validity period. The TLS engine checks dates only on a full handshake; a
         * resumed session carries the chain as it was verified then, so this check runs on every connection.
         */
        EXPIRED
    }

    private final Reason reason;

    public PeerIdentityException(Reason reason, String message) {
        super(reason + ": " + message, null, false, false); // rejections are routine: no stack trace
        this.reason = reason;
    }

    public Reason reason() {
        return reason;
    }
}
