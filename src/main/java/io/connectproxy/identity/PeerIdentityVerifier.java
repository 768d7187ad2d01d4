package io.connectproxy.identity;

import java.security.cert.Certificate;
import java.security.cert.CertificateExpiredException;
import java.security.cert.CertificateNotYetValidException;
import java.security.cert.X509Certificate;
import java.util.List;

import javax.net.ssl.SSLPeerUnverifiedException;
import javax.net.ssl.SSLSession;

import io.vertx.core.net.NetSocket;

/**
 * Who is on the other end of a completed mesh handshake. The TLS engine has already checked the chain against
 * the roots and the EKU; this adds the mesh rule on top: the peer's first URI SAN must be a SPIFFE service id,
 * and on dials, the one we meant to reach. Call it after the handshake and before forwarding any byte.
 */
public final class PeerIdentityVerifier {

    private PeerIdentityVerifier() {
    }

    /** Server side: the client's service id, or why it has none. */
    public static SpiffeId verifyClient(NetSocket socket) throws PeerIdentityException {
        return serviceId(peerChain(socket, PeerIdentityException.Reason.NO_CLIENT_CERT),
                PeerIdentityException.Reason.NO_CLIENT_CERT);
    }

    /**
     * Client side: the server's id must name {@code expectedService} in {@code expectedDatacenter} and namespace
     * {@code default}; the trust-domain host is not compared (it changes on CA migration).
     */
    public static SpiffeId verifyServer(NetSocket socket, String expectedService, String expectedDatacenter)
            throws PeerIdentityException {
        return verifyServer(socket, expectedService, expectedDatacenter, SpiffeId.DEFAULT_NAMESPACE);
    }

    public static SpiffeId verifyServer(NetSocket socket, String expectedService, String expectedDatacenter,
                                        String expectedNamespace) throws PeerIdentityException {
        SpiffeId actual = serviceId(peerChain(socket, PeerIdentityException.Reason.NO_SERVER_CERT),
                PeerIdentityException.Reason.NO_SERVER_CERT);
        requireExpected(actual, expectedService, expectedDatacenter, expectedNamespace);
        return actual;
    }

    /** The service id in a peer chain (leaf first); {@code missing} is the reason used for an empty chain. */
    public static SpiffeId serviceId(List<? extends Certificate> chain, PeerIdentityException.Reason missing)
            throws PeerIdentityException {
        if (chain == null || chain.isEmpty() || !(chain.get(0) instanceof X509Certificate leaf)) {
            throw new PeerIdentityException(missing, "peer presented no X.509 certificate");
        }
        try {
            leaf.checkValidity();
        } catch (CertificateExpiredException | CertificateNotYetValidException e) {
            throw new PeerIdentityException(PeerIdentityException.Reason.EXPIRED, "peer certificate "
                    + CertificateIds.subject(leaf) + " is valid from " + leaf.getNotBefore().toInstant() + " to "
                    + leaf.getNotAfter().toInstant());
        }
        String uri = CertificateIds.firstUriSan(leaf).orElseThrow(() -> new PeerIdentityException(
                PeerIdentityException.Reason.NO_URI_SAN,
                "peer certificate " + CertificateIds.subject(leaf) + " has no URI SAN"));
        try {
            return SpiffeId.parseService(uri);
        } catch (SpiffeIdException e) {
            throw new PeerIdentityException(PeerIdentityException.Reason.NOT_A_SERVICE_ID, "URI SAN '" + uri
                    + "' is not spiffe://<trust-domain>/ns/<ns>/dc/<dc>/svc/<service>");
        }
    }

    /** The destination check of {@link #verifyServer}, for callers that already hold the peer's id. */
    public static void requireExpected(SpiffeId actual, String expectedService, String expectedDatacenter,
                                       String expectedNamespace) throws PeerIdentityException {
        if (!actual.service().equals(expectedService) || !actual.datacenter().equals(expectedDatacenter)
                || !actual.namespace().equals(expectedNamespace)) {
            throw new PeerIdentityException(PeerIdentityException.Reason.IDENTITY_MISMATCH,
                    "expected service " + expectedService + " in dc " + expectedDatacenter + " (ns "
                            + expectedNamespace + "), peer is " + actual.uri());
        }
    }

    private static List<Certificate> peerChain(NetSocket socket, PeerIdentityException.Reason missing)
            throws PeerIdentityException {
        SSLSession session = socket.isSsl() ? socket.sslSession() : null;
        if (session == null) {
            throw new PeerIdentityException(PeerIdentityException.Reason.NOT_TLS, "connection is not TLS");
        }
        try {
            return List.of(session.getPeerCertificates());
        } catch (SSLPeerUnverifiedException e) {
            throw new PeerIdentityException(missing, "peer is not authenticated: " + e.getMessage());
        }
    }
}
