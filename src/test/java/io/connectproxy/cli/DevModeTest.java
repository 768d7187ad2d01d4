package io.connectproxy.cli;

import org.junit.jupiter.api.Test;

import java.io.ByteArrayOutputStream;
import java.io.PrintStream;
import java.nio.charset.StandardCharsets;
import java.util.List;
import java.util.Map;

import static org.junit.jupiter.api.Assertions.assertEquals;

/** {@code dev} in-process, for what it refuses before starting anything: the dev agent's errors name the flag. */
class DevModeTest {
    private final ByteArrayOutputStream out = new ByteArrayOutputStream();
    private final ByteArrayOutputStream err = new ByteArrayOutputStream();

    private int run(String... args) {
        out.reset();
        err.reset();
        return new DevMode().run(List.of(args), Map.of(), new PrintStream(out, true, StandardCharsets.UTF_8),
                new PrintStream(err, true, StandardCharsets.UTF_8));
    }

    @Test
    void theAgentsOptionErrorsNameTheFlag() {
        assertEquals(2, run("-leaf-ttl", "soon"), err.toString(StandardCharsets.UTF_8));
        assertEquals("-leaf-ttl: invalid duration \"soon\"\n", err.toString(StandardCharsets.UTF_8));

        assertEquals(2, run("-sidecar-check-interval", "0s"), err.toString(StandardCharsets.UTF_8));
        assertEquals("-sidecar-check-interval: must be positive, got \"0s\"\n", err.toString(StandardCharsets.UTF_8));

        assertEquals(2, run("-http-addr", "127.0.0.1:x"), err.toString(StandardCharsets.UTF_8));
        assertEquals("-http-addr: bad port in \"127.0.0.1:x\"\n", err.toString(StandardCharsets.UTF_8));
        assertEquals("", out.toString(StandardCharsets.UTF_8));
    }
}
