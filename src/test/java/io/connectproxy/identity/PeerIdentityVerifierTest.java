package io.connectproxy.identity;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.util.List;

import io.connectproxy.testsupport.TestCa;
import org.junit.jupiter.api.Test;

class PeerIdentityVerifierTest {

    private final TestCa ca = TestCa.create();

    @Test
    void serverIdentityMustNameExpectedServiceAndDatacenter() throws Exception {
        SpiffeId db = PeerIdentityVerifier.serviceId(List.of(ca.leaf("x").datacenter("dc2", "db").issue()
                .certificate()), PeerIdentityException.Reason.NO_SERVER_CERT);
        PeerIdentityVerifier.requireExpected(db, "db", "dc2", "default");

        PeerIdentityException wrongDc = assertThrows(PeerIdentityException.class,
                () -> PeerIdentityVerifier.requireExpected(db, "db", "dc1", "default"));
        assertEquals(PeerIdentityException.Reason.IDENTITY_MISMATCH, wrongDc.reason());
        assertTrue(wrongDc.getMessage().contains("expected service db in dc dc1"), wrongDc.getMessage());
        assertTrue(wrongDc.getMessage().contains(db.uri()), wrongDc.getMessage());

        assertEquals(PeerIdentityException.Reason.IDENTITY_MISMATCH, assertThrows(PeerIdentityException.class,
                () -> PeerIdentityVerifier.requireExpected(db, "web", "dc2", "default")).reason());
    }

    @Test
    void trustDomainHostIsNotCompared() throws Exception {
        SpiffeId migrated = SpiffeId.parseService("spiffe://new-domain.consul/ns/default/dc/dc1/svc/web");
        PeerIdentityVerifier.requireExpected(migrated, "web", "dc1", "default");
    }

    @Test
    void missingCertificateAndSanAreTyped() {
        assertEquals(PeerIdentityException.Reason.NO_CLIENT_CERT, assertThrows(PeerIdentityException.class,
                () -> PeerIdentityVerifier.serviceId(List.of(), PeerIdentityException.Reason.NO_CLIENT_CERT))
                .reason());
        assertEquals(PeerIdentityException.Reason.NO_URI_SAN, assertThrows(PeerIdentityException.class,
                () -> PeerIdentityVerifier.serviceId(List.of(ca.leaf("web").uri(null).issue().certificate()),
                        PeerIdentityException.Reason.NO_CLIENT_CERT)).reason());
    }
}
