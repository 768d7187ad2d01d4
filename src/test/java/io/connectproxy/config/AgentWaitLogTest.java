package io.connectproxy.config;

import io.connectproxy.consul.AgentException;
import org.junit.jupiter.api.Test;

import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.AtomicLong;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertNull;

class AgentWaitLogTest {
    private static final AgentException REFUSED = new AgentException(AgentException.Reason.UNREACHABLE, 0, null,
            "connection refused", null);

    @Test
    void firstFailureIsLoggedThenAtMostOncePerInterval() {
        AtomicLong now = new AtomicLong();
        AgentWaitLog log = new AgentWaitLog("http://127.0.0.1:8500", "proxy registration p", 30_000, now::get);
        assertEquals("waiting for Consul agent at http://127.0.0.1:8500 (unreachable)", log.failed(REFUSED));
        now.addAndGet(TimeUnit.SECONDS.toNanos(10));
        assertNull(log.failed(REFUSED));
        now.addAndGet(TimeUnit.SECONDS.toNanos(25));
        assertEquals("waiting for Consul agent at http://127.0.0.1:8500 (unreachable) [3 attempts so far]",
                log.failed(REFUSED));
        // a different problem is reported at once
        AgentException denied = new AgentException(AgentException.Reason.HTTP_STATUS, 403, "Permission denied",
                "403", null);
        assertEquals("the Consul agent at http://127.0.0.1:8500 denied reading the proxy registration p "
                + "(Permission denied); check the token; retrying", log.failed(denied));
        assertEquals("Consul agent at http://127.0.0.1:8500 answered the proxy registration p after 4 failed attempts",
                log.answered());
        assertNull(log.answered());
    }
}
