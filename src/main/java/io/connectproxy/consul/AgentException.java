package io.connectproxy.consul;

/**
 * A failed agent call, with a reason code so callers can decide (retry, treat 404 as "gone", count per reason)
 * without parsing messages. Carries the HTTP status and the agent's plain-text body when there was an answer.
 */
public final class AgentException extends RuntimeException {

    public enum Reason {
        /** connection refused, reset, DNS, TLS setup to the agent */
        UNREACHABLE,
        /** no complete answer within the request's deadline */
        TIMEOUT,
        /** the agent answered with a non-2xx status */
        HTTP_STATUS,
        /** a 2xx answer whose body does not have the documented shape */
        BAD_RESPONSE
    }

    private final Reason reason;
    private final int status;
    private final String body;

    public AgentException(Reason reason, int status, String body, String message, Throwable cause) {
        super(message, cause);
        this.reason = reason;
        this.status = status;
        this.body = body;
    }

    public Reason reason() {
        return reason;
    }

    /** HTTP status, or 0 when there was no answer. */
    public int status() {
        return status;
    }

    public String body() {
        return body;
    }

    /**
     * True for failures that say the agent itself is not serving (no connection, no complete answer in time, a
     * 5xx), as opposed to an answer about the request (403, 404, a bad body).
     */
    public boolean isOutage() {
        return reason == Reason.UNREACHABLE || reason == Reason.TIMEOUT
                || (reason == Reason.HTTP_STATUS && status >= 500);
    }

    /** {@link #isOutage()} for any failure; anything that is not an {@code AgentException} is not an outage. */
    public static boolean isOutage(Throwable failure) {
        return failure instanceof AgentException e && e.isOutage();
    }

    public boolean isNotFound() {
        return reason == Reason.HTTP_STATUS && status == 404;
    }
}
