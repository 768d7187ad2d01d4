package io.connectproxy.devagent;

import java.time.Duration;

/**
 * A check as registered, before it gets its id.
 *
 * @param type "ttl", "alias", "tcp", "http", "grpc", "script", "docker"
 * @param ttl set for TTL checks
 * @param aliasServiceId set for alias checks
 */
record CheckDefinition(String checkId, String name, String status, String notes, String output, String type,
                       Duration ttl, String aliasServiceId) {
}
