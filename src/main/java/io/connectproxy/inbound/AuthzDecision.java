package io.connectproxy.inbound;

/**
 * The outcome of authorizing one client for the proxied service. {@code error} marks a decision the proxy made
 * itself because the agent could not answer (always a deny), so logs and metrics can tell it from an intention.
 */
public record AuthzDecision(boolean allowed, String reason, boolean fromCache, boolean error) {

    static AuthzDecision agentUnavailable(String detail) {
        return new AuthzDecision(false, "authorization unavailable, denying: " + detail, false, true);
    }
}
