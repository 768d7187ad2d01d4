package io.connectproxy.consul;

import org.junit.jupiter.api.Test;

import java.time.Duration;

import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

class BackoffTest {

    @Test
    void defaultStartsUnderASecondAndCapsAtFiveSeconds() {
        for (int i = 0; i < 200; i++) {
            long first = Backoff.DEFAULT.delayMillis(1);
            assertTrue(first >= 500 && first <= 1000, "first retry " + first);
            long late = Backoff.DEFAULT.delayMillis(40);
            // a restarted agent must be noticed within 10 s of coming back, however long it was down
            assertTrue(late >= 2_500 && late <= 5_000, "capped retry " + late);
        }
        long third = Backoff.DEFAULT.delayMillis(3);
        assertTrue(third >= 2000 && third <= 4000, "third retry " + third);
    }

    @Test
    void rejectsNonsense() {
        assertThrows(IllegalArgumentException.class, () -> new Backoff(Duration.ZERO, Duration.ofSeconds(1)));
        assertThrows(IllegalArgumentException.class, () -> new Backoff(Duration.ofSeconds(2), Duration.ofSeconds(1)));
    }
}
