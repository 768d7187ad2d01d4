package io.connectproxy.identity;

import io.connectproxy.testsupport.TestCa;
import org.junit.jupiter.api.Test;

import java.security.cert.X509Certificate;
import java.time.Duration;
import java.time.Instant;
import java.util.List;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertThrows;

/**
 * What bounds a resumed session: a ticket never outlives the leaf it was issued under (or an hour), and a peer whose
 * leaf has expired since its session was made is refused on resumption by the per-connection check.
 */
class TicketLifetimeTest {
    private final TestCa ca = TestCa.create();

    @Test
    void aTicketLivesAnHourAtMostAndNeverPastTheLeaf() {
        Instant now = Instant.now();
        X509Certificate longLived = ca.leaf("echo").validity(now.minus(Duration.ofHours(1)),
                now.plus(Duration.ofHours(72))).issue().certificate();
        assertEquals(3_600, MeshSslContextFactory.ticketLifetimeSeconds(List.of(longLived), now), "an hour at most");
        X509Certificate dying = ca.leaf("echo").validity(now.minus(Duration.ofHours(1)),
                now.plus(Duration.ofMinutes(10))).issue().certificate();
        long lifetime = MeshSslContextFactory.ticketLifetimeSeconds(List.of(dying), now);
        assertEquals(true, lifetime <= 600 && lifetime >= 599, "ends with the leaf: " + lifetime + " s");
        X509Certificate expired = ca.leaf("echo").validity(now.minus(Duration.ofHours(2)),
                now.minus(Duration.ofHours(1))).issue().certificate();
        assertEquals(1, MeshSslContextFactory.ticketLifetimeSeconds(List.of(expired), now), "never 0 or negative");
    }

    @Test
    void anExpiredPeerLeafIsRefusedEvenWhenTheEngineDidNotCheckIt() {
        Instant now = Instant.now();
        X509Certificate expired = ca.leaf("web").validity(now.minus(Duration.ofHours(2)),
                now.minus(Duration.ofMinutes(1))).issue().certificate();
        PeerIdentityException e = assertThrows(PeerIdentityException.class,
                () -> PeerIdentityVerifier.serviceId(List.of(expired), PeerIdentityException.Reason.NO_CLIENT_CERT));
        assertEquals(PeerIdentityException.Reason.EXPIRED, e.reason(), e.getMessage());
    }
}
