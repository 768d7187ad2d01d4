package io.connectproxy.identity;

import static org.junit.jupiter.api.Assertions.assertTrue;

import java.util.concurrent.TimeUnit;

import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.Timeout;

/** The P-256 warm-up that takes the JDK's one-time curve set-up off the identity's start-up chain. */
class EcWarmupTest {

    /** The embedded key and signature must verify, or the warm-up would stop before the costly part. */
    @Test
    @Timeout(value = 30, unit = TimeUnit.SECONDS)
    void fixedSignatureVerifies() {
        assertTrue(EcWarmup.run());
    }
}
