package io.connectproxy.identity;

/** A URI that is not a Consul SPIFFE service id; {@link #reason()} says which rule it broke. */
public final class SpiffeIdException extends IllegalArgumentException {
    private static final long serialVersionUID = 1L;

    /** Which rule of {@code spiffe://<td>/ns/<ns>/dc/<dc>/svc/<svc>} the input broke. */
    public enum Reason {
        /** Null or empty input. */
        EMPTY,
        /** Not a parseable URI, or it has a query, fragment, port or user info. */
        MALFORMED,
        /** The scheme is not {@code spiffe}. */
        WRONG_SCHEME,
        /** No trust-domain host. */
        NO_TRUST_DOMAIN,
        /** A well-formed SPIFFE id of something else (agent id, root, other layout). */
        NOT_A_SERVICE_ID,
        /** One of namespace, datacenter or service is empty. */
        EMPTY_SEGMENT
    }

    private final Reason reason;

    public SpiffeIdException(Reason reason, String message) {
        super(reason + ": " + message);
        this.reason = reason;
    }

    public Reason reason() {
        return reason;
    }
}
