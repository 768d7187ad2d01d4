package io.connectproxy.identity;

import static org.junit.jupiter.api.Assertions.assertTrue;

import org.junit.jupiter.api.Test;

class EcWarmupTest {

    /** The embedded key and signature must verify, or the warm-up would stop before the costly part. */
    @Test
    void fixedSignatureVerifies() {
        assertTrue(EcWarmup.run());
    }
}
