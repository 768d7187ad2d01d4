package io.connectproxy.identity;

import java.nio.charset.StandardCharsets;
import java.security.GeneralSecurityException;
import java.security.KeyFactory;
import java.security.PublicKey;
import java.security.Signature;
import java.security.spec.X509EncodedKeySpec;
import java.util.Base64;
import java.util.logging.Level;
import java.util.logging.Logger;

/**
 * Verifies one fixed P-256 ECDSA signature on a daemon thread at start, so that the JDK's one-time set-up of
 * P-256 arithmetic is done before the first identity needs it.
 * <p>
 * Why: the first P-256 signature the JVM makes or verifies builds a table of 64 multiples of the curve's generator
 * ({@code sun.security.ec.ECOperations.Secp256R1GeneratorMontgomeryMultiplier}, 64 full scalar multiplications in
 * a static initializer, which no AOT cache keeps). On a cold sidecar that is 150–200 ms of CPU (2 s interpreted),
 * and it fell on the start-up chain: {@link TlsIdentity#build} verifies the leaf's signature, and every TLS
 * handshake checks the peer's chain with the same JDK code. Every sidecar pays it once; here it overlaps with
 * the admin listener and the agent's first answers instead of delaying "identity loaded" (bench/JVM.md,
 * 2026-12-01 05:40; started once Vert.x exists since session 6). Nothing depends on it finishing: a build that
 * comes first simply does the set-up itself.
 */
public final class EcWarmup {
    private static final Logger LOG = Logger.getLogger(EcWarmup.class.getName());

    /** A throwaway P-256 public key (its private key was discarded) and its signature over {@link #MESSAGE}. */
    private static final String PUBLIC_KEY = "MFkwEwYHKoZIzj0CAQYIKoZIzj0DAQcDQgAEfAcPk80hnrwYPF6cA4S2KVqot4tiMMSlvLMC"
            + "myKvrRAdVzxwSTM98dF41rh6oGhoAvF00la1LE/87aBMydhlXw==";
    private static final String SIGNATURE = "MEQCIDth/0HAwJzaxcR3cc3Sfy7sRC38rnfaki21cYmLvmVbAiADKOfKWg0a7UAGrYFzvdb6"
            + "rlKn7+2CnlShtiG301sqSg==";
    private static final byte[] MESSAGE = "connect-proxy P-256 warm-up".getBytes(StandardCharsets.US_ASCII);

    private EcWarmup() {
    }

    /** Starts the warm-up on a daemon thread and returns at once. */
    public static void startInBackground() {
        Thread t = new Thread(EcWarmup::run, "connect-proxy-ec-warmup");
        t.setDaemon(true);
        t.start();
    }

    /** The warm-up itself: true when the fixed signature verified (it always should). */
    static boolean run() {
        try {
            PublicKey key = KeyFactory.getInstance("EC")
                    .generatePublic(new X509EncodedKeySpec(Base64.getDecoder().decode(PUBLIC_KEY)));
            Signature verifier = Signature.getInstance("SHA256withECDSA");
            verifier.initVerify(key);
            verifier.update(MESSAGE);
            return verifier.verify(Base64.getDecoder().decode(SIGNATURE));
        } catch (GeneralSecurityException | RuntimeException e) {
            // an optimisation only: a JVM without P-256 ECDSA does the real work (or fails) where it is needed
            LOG.log(Level.FINE, "P-256 warm-up skipped", e);
            return false;
        }
    }
}
