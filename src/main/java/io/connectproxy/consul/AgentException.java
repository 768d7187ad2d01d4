package io.connectproxy.consul;

/**
 * A failed agent call, with a reason code so callers can decide (retry, treat 404 as "gone", count per reason)
 * without parsing messages. Carries the HTTP status and the agent's plain-text body when there was an answer.
 */
public final class AgentException extends RuntimeException {

    public enum Reason {
        /** connection refused, reset, DNS, TLS setup to the agent */
        UNREACHABLE,
        /** no answer within the request timeout */
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

    public boolean isNotFound() {
        return reason == Reason.HTTP_STATUS && status == 404;
    }
}
