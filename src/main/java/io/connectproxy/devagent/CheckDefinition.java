package io.connectproxy.devagent;

import java.time.Duration;

/**
 * A check as registered, before it gets its id.
 *
 * @param type "ttl", "alias", "tcp", "http", "grpc", "script", "docker"
 * @param ttl set for TTL checks
 * @param aliasServiceId set for alias checks
 * @param tcp "host:port" for TCP checks, else null
 * @param interval how often a TCP check runs, else null
 * @param timeout a TCP check's connect timeout, else null
 */
record CheckDefinition(String checkId, String name, String status, String notes, String output, String type,
                       Duration ttl, String aliasServiceId, String tcp, Duration interval, Duration timeout) {

    /** A check that the agent does not run itself (TTL, alias, or a kind the dev agent only stores). */
    CheckDefinition(String checkId, String name, String status, String notes, String output, String type,
                    Duration ttl, String aliasServiceId) {
        this(checkId, name, status, notes, output, type, ttl, aliasServiceId, null, null, null);
    }
}
