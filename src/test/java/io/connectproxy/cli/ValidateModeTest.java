package io.connectproxy.cli;

import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

import java.io.ByteArrayOutputStream;
import java.io.PrintStream;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.List;
import java.util.Map;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

/** {@code validate} in-process: the same flag checks as proxy mode, one line out, exit 0 or 2. */
class ValidateModeTest {
    @TempDir
    Path dir;

    private final ByteArrayOutputStream out = new ByteArrayOutputStream();
    private final ByteArrayOutputStream err = new ByteArrayOutputStream();

    private int run(String... args) {
        out.reset();
        err.reset();
        return new ValidateMode().run(List.of(args), Map.of(), new PrintStream(out, true, StandardCharsets.UTF_8),
                new PrintStream(err, true, StandardCharsets.UTF_8));
    }

    @Test
    void flagsAloneAreValidated() {
        assertEquals(0, run("-service", "web", "-listen", "127.0.0.1:21000", "-service-addr", "127.0.0.1:8080",
                "-upstream", "db.query:127.0.0.2:5432"), err.toString(StandardCharsets.UTF_8));
        assertEquals("OK: flags: service web, public listener 127.0.0.1:21000 -> 127.0.0.1:8080, 1 upstream(s) "
                + "(db.query on 127.0.0.2:5432)\n", out.toString(StandardCharsets.UTF_8));
    }

    @Test
    void theProxyModesFlagErrorsExitTwo() {
        assertEquals(2, run("-service", "web", "-upstream", "db:99999"));
        assertEquals("-upstream \"db:99999\": port must be 1-65535, got 99999\n", err.toString(StandardCharsets.UTF_8));
        assertEquals("", out.toString(StandardCharsets.UTF_8));

        assertEquals(2, run("-sidecar-for", "web", "-wait-timeout", "soon"));
        assertEquals("-wait-timeout: must be a duration such as 30s or 2m, got \"soon\"\n",
                err.toString(StandardCharsets.UTF_8));

        assertEquals(2, run("-bogus"));
        assertEquals("-bogus: unknown flag (see -h)\n", err.toString(StandardCharsets.UTF_8));
    }

    @Test
    void aFileWithAnUnreadableValueNamesTheField() throws Exception {
        Path f = dir.resolve("web.json");
        Files.writeString(f, "{\"service\":{\"name\":\"web\",\"port\":8080,\"connect\":{\"proxy\":{\"config\":"
                + "{\"shutdown_grace_ms\":\"soon\"}}}}}");
        assertEquals(2, run("-conf", f.toString()));
        // parsed with the rest of the proxy config map when the file is loaded: the error names the key's full path
        assertEquals("service.connect.proxy.config.shutdown_grace_ms: must be a whole number, got \"soon\"\n",
                err.toString(StandardCharsets.UTF_8));
    }

    @Test
    void helpExitsZero() {
        assertEquals(0, run("-h"));
        assertTrue(out.toString(StandardCharsets.UTF_8).startsWith("Usage: java -jar proxy-fat.jar validate"),
                () -> String.valueOf(out.toString(StandardCharsets.UTF_8)));
    }
}
