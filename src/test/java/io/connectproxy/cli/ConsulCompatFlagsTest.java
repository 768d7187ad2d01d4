package io.connectproxy.cli;

import io.connectproxy.config.ConfigException;
import io.connectproxy.config.LaunchConfig;
import org.junit.jupiter.api.Test;

import java.time.Duration;
import java.util.List;
import java.util.Map;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertNull;
import static org.junit.jupiter.api.Assertions.assertThrows;

/** Proxy-mode flags of {@code consul connect proxy} that are accepted here, and {@code -wait-timeout}. */
class ConsulCompatFlagsTest {

    private static GoFlags.Parsed parse(String... args) {
        return ProxyMode.FLAGS.parse(List.of(args));
    }

    @Test
    void pprofAddrAndStaleAreAcceptedWithOneNoticeEach() {
        List<String> notices = ConsulCompatFlags.proxyNotices(parse("-sidecar-for", "web", "-pprof-addr",
                "127.0.0.1:6060", "-stale"));
        assertEquals(2, notices.size(), notices::toString);
        assertEquals("-pprof-addr 127.0.0.1:6060: ignored here (Go's pprof has no JVM counterpart); profile with "
                + "JFR (jcmd <pid> JFR.start), JVM metrics are on the admin /metrics", notices.get(0));
        assertEquals("-stale: accepted and has no effect, as in Consul's own proxy (it reads its config from the "
                + "local agent, whose answers do not depend on it)", notices.get(1));
        assertEquals(List.of(), ConsulCompatFlags.proxyNotices(parse("-sidecar-for", "web", "-stale=false")));
    }

    private static Duration waitTimeout(String... args) {
        GoFlags.Parsed p = parse(args);
        LaunchConfig launch = ProxyMode.resolve(p, Map.of());
        return ProxyMode.waitTimeout(p, launch);
    }

    @Test
    void waitTimeoutTakesGoDurations() {
        assertEquals(Duration.ofSeconds(30), waitTimeout("-sidecar-for", "web", "-wait-timeout", "30s"));
        assertEquals(Duration.ofSeconds(90), waitTimeout("-sidecar-for", "web", "-wait-timeout", "1m30s"));
        assertEquals(Duration.ofMillis(1500), waitTimeout("-proxy-id", "web-proxy", "-wait-timeout=1.5s"));
        assertNull(waitTimeout("-sidecar-for", "web"), "no flag: wait forever");
    }

    @Test
    void badWaitTimeoutsNameTheFlagAndValue() {
        ConfigException e = assertThrows(ConfigException.class,
                () -> waitTimeout("-sidecar-for", "web", "-wait-timeout", "30"));
        assertEquals("-wait-timeout: must be a duration such as 30s or 2m, got \"30\"", e.getMessage());
        e = assertThrows(ConfigException.class, () -> waitTimeout("-sidecar-for", "web", "-wait-timeout", "0s"));
        assertEquals("-wait-timeout: must be positive, got \"0s\"", e.getMessage());
        e = assertThrows(ConfigException.class, () -> waitTimeout("-service", "web", "-upstream", "db:9191",
                "-wait-timeout", "5s"));
        assertEquals("-wait-timeout: only used when the config comes from the agent (-sidecar-for, -proxy-id or a "
                + "managed proxy)", e.getMessage());
    }
}
