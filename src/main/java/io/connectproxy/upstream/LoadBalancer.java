package io.connectproxy.upstream;

import java.util.List;

/**
 * Decides in which order the endpoints are tried for one new connection; the listener walks that order until
 * one dial succeeds. One instance per listener verticle (per event loop), so implementations need no locking.
 */
public interface LoadBalancer {

    /** The endpoints in the order to try them. Never modifies the input. */
    List<Endpoint> order(List<Endpoint> endpoints);

    /** A proxied connection to this endpoint was established. */
    default void opened(Endpoint endpoint) {
    }

    /** A proxied connection to this endpoint ended. */
    default void closed(Endpoint endpoint) {
    }

    static LoadBalancer create(String name) {
        return switch (name) {
            case "least_conn" -> new LeastConnBalancer();
            case "round_robin" -> new RoundRobinBalancer();
            default -> throw new IllegalArgumentException("balancer: must be round_robin or least_conn, got " + name);
        };
    }
}
