package io.connectproxy.devagent;

import java.time.Duration;

/**
 * A health check as the agent stores it; alias checks mirror the worst status of the aliased service's checks,
 * TCP checks ({@code tcp} set) are run by {@link TcpChecks}.
 */
record CheckRecord(String checkId, String name, String status, String notes, String output, String serviceId,
                   String serviceName, String type, Duration ttl, String aliasServiceId, String tcp,
                   Duration interval, Duration timeout, long createIndex, long modifyIndex) {

    static final String PASSING = "passing";
    static final String WARNING = "warning";
    static final String CRITICAL = "critical";

    CheckRecord withStatus(String newStatus, String newOutput, long index) {
        return new CheckRecord(checkId, name, newStatus, notes, newOutput, serviceId, serviceName, type, ttl,
            aliasServiceId, tcp, interval, timeout, createIndex, index);
    }

    CheckRecord withIndexes(long create, long modify) {
        return new CheckRecord(checkId, name, status, notes, output, serviceId, serviceName, type, ttl,
            aliasServiceId, tcp, interval, timeout, create, modify);
    }

    static boolean isValidStatus(String status) {
        return PASSING.equals(status) || WARNING.equals(status) || CRITICAL.equals(status);
    }
}
