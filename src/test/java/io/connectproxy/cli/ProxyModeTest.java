package io.connectproxy.cli;

import io.connectproxy.config.ConfigException;
import io.connectproxy.config.LaunchConfig;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

import java.io.ByteArrayOutputStream;
import java.io.IOException;
import java.io.PrintStream;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.List;
import java.util.Map;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

/** The failure paths of {@link ProxyMode#run}: they return before Vert.x starts. */
class ProxyModeTest {
    @TempDir
    Path dir;

    private final ByteArrayOutputStream out = new ByteArrayOutputStream();
    private final ByteArrayOutputStream err = new ByteArrayOutputStream();

    private int run(String... args) {
        return new ProxyMode().run(List.of(args), Map.of(), new PrintStream(out, true, StandardCharsets.UTF_8),
                new PrintStream(err, true, StandardCharsets.UTF_8));
    }

    private String err() {
        return err.toString(StandardCharsets.UTF_8);
    }

    @Test
    void helpPrintsUsageOnStdoutAndExitsZero() {
        assertEquals(0, run("-h"));
        String usage = out.toString(StandardCharsets.UTF_8);
        for (String flag : List.of("-conf", "-sidecar-for", "-proxy-id", "-service", "-upstream", "-listen",
                "-service-addr", "-http-addr", "-token", "-token-file", "-ca-file", "-ca-path", "-client-cert",
                "-client-key", "-tls-server-name", "-datacenter", "-log-level", "-log-json", "-admin-bind")) {
            assertTrue(usage.contains(flag + " ") || usage.contains(flag + ","), flag + " missing from usage");
        }
        assertEquals("", err());
        assertEquals(0, run("--help"));
    }

    @Test
    void badInputExitsTwoWithJustTheMessage() throws IOException {
        assertEquals(2, run("-bogus"));
        assertEquals("-bogus: unknown flag (see -h)\n", err());

        err.reset();
        assertEquals(2, run("-sidecar-for", "a", "-proxy-id", "b"));
        assertTrue(err().startsWith("-sidecar-for: cannot be combined with -proxy-id"), err());

        err.reset();
        Path bad = dir.resolve("bad.json");
        Files.writeString(bad, "{\"service\":{\"name\":\"web\",\"port\":8080,\"connect\":{\"proxy\":{\"config\":"
                + "{\"upstreams\":[{\"destination_name\":\"a\",\"local_bind_port\":1},"
                + "{\"destination_name\":\"b\",\"local_bind_port\":70000}]}}}}}");
        assertEquals(2, run("-conf", bad.toString()));
        assertEquals("service.connect.proxy.config.upstreams[1].local_bind_port: must be 1-65535, got 70000\n", err());

        err.reset();
        assertEquals(2, run("-conf", dir.resolve("missing.json").toString()));
        assertEquals("-conf: file not found: " + dir.resolve("missing.json") + "\n", err());

        err.reset();
        assertEquals(2, run("-service", "web", "-upstream", "redis:1234", "-admin-metrics-bind", "nowhere"));
        assertEquals("-admin-metrics-bind: must be host:port, got \"nowhere\"\n", err());

        err.reset();
        assertEquals(2, run("-service", "web", "-upstream", "redis:1234", "--", "x"));
        assertTrue(err().startsWith("arguments: nothing after -- is used in proxy mode"), err());
        assertEquals("", out.toString(StandardCharsets.UTF_8));
    }

    @Test
    void repeatedUpstreamFlagsAreAllKept() {
        LaunchConfig c = ProxyMode.resolve(List.of("-service", "web", "-upstream", "redis:1234",
                "-upstream=db.query:127.0.0.2:5432", "--listen", ":21000", "-service-addr", "127.0.0.1:8080",
                "-log-json", "-log-level=debug"), Map.of());
        assertEquals(2, c.source().staticConfig().upstreams().size());
        assertTrue(c.logJson(), () -> String.valueOf(c));
        assertEquals(io.connectproxy.config.LogLevel.DEBUG, c.logLevel());
        assertEquals("needs a value", assertThrows(ConfigException.class,
                () -> ProxyMode.resolve(List.of("-sidecar-for"), Map.of())).getMessage().substring(14));
    }

    @Test
    void jsonLogsAreRecognisedBeforeTheFlagsParse() {
        assertEquals(true, ProxyMode.jsonRequested(List.of("-no-such-flag", "-log-json")));
        assertEquals(true, ProxyMode.jsonRequested(List.of("--log-json=true")));
        assertEquals(false, ProxyMode.jsonRequested(List.of("-log-json=false")));
        assertEquals(false, ProxyMode.jsonRequested(List.of("-service", "web", "--", "-log-json")),
                "after -- it is not a flag");
    }

    @Test
    void theStartLineSaysWhereTheConfigComesFromAndNeverShowsTheToken() {
        LaunchConfig launch = ProxyMode.resolve(List.of("-sidecar-for", "web", "-http-addr", "10.0.0.1:8500",
                "-token", "s3cr3t-token", "-admin-bind", "off", "-log-level", "debug"), Map.of());
        assertEquals("proxy config from the sidecar registered for service id web, agent 10.0.0.1:8500, admin "
                + "listener off, log level debug", ProxyMode.describe(launch));
    }
}
