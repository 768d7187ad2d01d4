package io.connectproxy.consul;

import io.connectproxy.testsupport.LogCapture;
import org.junit.jupiter.api.Test;

import java.util.List;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.AtomicLong;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertTrue;

/** One WARN per outage with the address, an INFO when the agent is back, reminders and flapping rate-limited. */
class AgentOutageLogTest {
    private static final String ADDR = "http://127.0.0.1:8500";
    private static final AgentException REFUSED = new AgentException(AgentException.Reason.UNREACHABLE, 0, null,
            "GET /v1/agent/connect/ca/roots: cannot reach the agent at " + ADDR + ": Connection refused", null);

    private final AtomicLong now = new AtomicLong();

    private void advanceSeconds(long s) {
        now.addAndGet(TimeUnit.SECONDS.toNanos(s));
    }

    @Test
    void oneWarnPerOutageAndAnInfoWhenBack() {
        AgentOutageLog outages = new AgentOutageLog(ADDR, now::get);
        try (LogCapture log = new LogCapture(AgentOutageLog.class)) {
            for (int i = 0; i < 50; i++) {
                outages.failed(REFUSED);
                advanceSeconds(1);
            }
            assertTrue(outages.down(), () -> String.valueOf(outages));
            outages.answered();
            outages.answered();
            assertFalse(outages.down());

            List<String> warnings = log.messages.stream().filter(m -> m.startsWith("WARNING")).toList();
            assertEquals(1, warnings.size(), log.messages.toString());
            assertTrue(warnings.get(0).contains("Consul agent at " + ADDR + " is not answering")
                    && warnings.get(0).contains("Connection refused"), warnings.get(0));
            List<String> infos = log.messages.stream().filter(m -> m.startsWith("INFO")).toList();
            assertEquals(List.of("INFO Consul agent at " + ADDR + " answering again after 50000 ms (50 failed calls)"),
                    infos);
        }
    }

    @Test
    void aLongOutageGetsAReminderAMinuteAndAFlappingAgentNoSecondWarn() {
        AgentOutageLog outages = new AgentOutageLog(ADDR, now::get);
        try (LogCapture log = new LogCapture(AgentOutageLog.class)) {
            for (int i = 0; i <= 130; i++) {
                outages.failed(REFUSED);
                advanceSeconds(1);
            }
            assertEquals(2, log.messages.stream().filter(m -> m.contains("still not answering")).count(),
                    log.messages.toString());
            outages.answered();
            advanceSeconds(5);
            outages.failed(REFUSED);
            outages.answered();
            assertEquals(1, log.messages.stream().filter(m -> m.startsWith("WARNING")).count(),
                    "a second outage within a minute of the WARN is INFO: " + log.messages);
            advanceSeconds(61);
            outages.failed(REFUSED);
            assertEquals(2, log.messages.stream().filter(m -> m.startsWith("WARNING")).count(),
                    "an outage a minute later warns again: " + log.messages);
        }
    }
}
