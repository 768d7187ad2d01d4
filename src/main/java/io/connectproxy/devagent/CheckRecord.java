package io.connectproxy.devagent;

import java.time.Duration;

/** A health check as the agent stores it; alias checks mirror the worst status of the aliased service's checks. */
record CheckRecord(String checkId, String name, String status, String notes, String output, String serviceId,
                   String serviceName, String type, Duration ttl, String aliasServiceId, long createIndex,
                   long modifyIndex) {

    static final String PASSING = "passing";
    static final String WARNING = "warning";
    static final String CRITICAL = "critical";

    CheckRecord withStatus(String newStatus, String newOutput, long index) {
        return new CheckRecord(checkId, name, newStatus, notes, newOutput, serviceId, serviceName, type, ttl,
            aliasServiceId, createIndex, index);
    }

    static boolean isValidStatus(String status) {
        return PASSING.equals(status) || WARNING.equals(status) || CRITICAL.equals(status);
    }
}
