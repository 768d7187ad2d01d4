package io.connectproxy.identity;

/**
 * A certificate, key or SPIFFE id that cannot become (part of) a {@link TlsIdentity}. The reason is stable and
 * meant for logs and metrics; the message says which input was bad and why, and never contains key material.
 */
public final class IdentityException extends Exception {
    private static final long serialVersionUID = 1L;

    /** Why an identity was refused. */
    public enum Reason {
        /** A certificate PEM block is missing, malformed or not X.509. */
        BAD_CERTIFICATE_PEM,
        /** The private key PEM is missing, malformed, encrypted or of an unsupported kind. */
        BAD_PRIVATE_KEY_PEM,
        /** The private key does not belong to the leaf certificate's public key. */
        KEY_MISMATCH,
        /** The leaf does not chain to any of the trusted roots (PKIX path validation failed). */
        UNTRUSTED_CHAIN,
        /** The leaf carries no URI SAN that is a SPIFFE service id. */
        NO_SERVICE_ID,
        /** A required argument is missing or empty. */
        MISSING_INPUT
    }

    private final Reason reason;

    public IdentityException(Reason reason, String message) {
        super(reason + ": " + message);
        this.reason = reason;
    }

    public IdentityException(Reason reason, String message, Throwable cause) {
        super(reason + ": " + message, cause);
        this.reason = reason;
    }

    public Reason reason() {
        return reason;
    }
}
