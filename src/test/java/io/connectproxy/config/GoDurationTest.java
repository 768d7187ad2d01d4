package io.connectproxy.config;

import org.junit.jupiter.api.Test;

import java.time.Duration;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertThrows;

class GoDurationTest {

    @Test
    void parsesGoSyntax() {
        assertEquals(Duration.ofSeconds(5), GoDuration.parse("5s"));
        assertEquals(Duration.ofMillis(100), GoDuration.parse("100ms"));
        assertEquals(Duration.ofSeconds(90), GoDuration.parse("1m30s"));
        assertEquals(Duration.ofMinutes(90), GoDuration.parse("1.5h"));
        assertEquals(Duration.ofNanos(1500), GoDuration.parse("1.5us"));
        assertEquals(Duration.ZERO, GoDuration.parse("0"));
        assertEquals(Duration.ofHours(72), GoDuration.parse("72h"));
    }

    @Test
    void rejectsWhatGoRejects() {
        assertThrows(IllegalArgumentException.class, () -> GoDuration.parse("5"));
        assertThrows(IllegalArgumentException.class, () -> GoDuration.parse("soon"));
        assertThrows(IllegalArgumentException.class, () -> GoDuration.parse("1d"));
        assertThrows(IllegalArgumentException.class, () -> GoDuration.parse(""));
    }

    @Test
    void formatsLikeGo() {
        assertEquals("72h0m0s", GoDuration.format(Duration.ofHours(72)));
        assertEquals("1m30s", GoDuration.format(Duration.ofSeconds(90)));
        assertEquals("500ms", GoDuration.format(Duration.ofMillis(500)));
    }
}
