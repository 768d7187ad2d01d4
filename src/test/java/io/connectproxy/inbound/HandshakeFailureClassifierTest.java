package io.connectproxy.inbound;

import io.netty.handler.ssl.NotSslRecordException;
import io.netty.handler.ssl.SslHandshakeTimeoutException;
import org.junit.jupiter.api.Test;

import javax.net.ssl.SSLHandshakeException;
import java.io.IOException;
import java.nio.channels.ClosedChannelException;

import static io.connectproxy.inbound.HandshakeFailureClassifier.classify;
import static org.junit.jupiter.api.Assertions.assertEquals;

/** The labels, from exceptions shaped like the ones Netty's two engines raise. */
class HandshakeFailureClassifierTest {

    private static ClosedChannelException closedWhileHandshaking() {
        ClosedChannelException e = new ClosedChannelException();
        e.addSuppressed(new SSLHandshakeException("Connection closed while SSL/TLS handshake was in progress"));
        return e;
    }

    @Test
    void closedWithoutAByteIsAProbe() {
        assertEquals("probe", classify(new ClosedChannelException(), false));
        assertEquals("probe", classify(closedWhileHandshaking(), false));
        assertEquals("probe", classify(new javax.net.ssl.SSLException("x", closedWhileHandshaking()), false));
    }

    @Test
    void closedBeforeVertxInstalledTheTlsHandlerIsAProbe() {
        // seen on the first TCP check after start: the upgrade waited for the TLS context, the peer had gone
        assertEquals("probe", classify(new io.vertx.core.VertxException("Connection was closed", true), false));
        assertEquals("peer_closed", classify(new io.vertx.core.VertxException("Connection was closed", true), true));
    }

    @Test
    void resetWithoutAByteIsAProbe() {
        assertEquals("probe", classify(new IOException("recvAddress(..) failed: Connection reset by peer"), false));
    }

    @Test
    void closedAfterSomeBytesIsAFailure() {
        assertEquals("peer_closed", classify(closedWhileHandshaking(), true));
        assertEquals("peer_closed", classify(new IOException("Connection reset by peer"), true));
    }

    @Test
    void aSilentPeerThatTimesOutIsNeverAProbe() {
        SslHandshakeTimeoutException timeout = new SslHandshakeTimeoutException("handshake timed out after 1500ms");
        assertEquals("timeout", classify(timeout, false));
        ClosedChannelException closedByTheTimeout = new ClosedChannelException();
        closedByTheTimeout.initCause(timeout);
        assertEquals("timeout", classify(closedByTheTimeout, false));
    }

    @Test
    void engineMessagesKeepTheirLabels() {
        assertEquals("not_tls", classify(new NotSslRecordException("not an SSL/TLS record: 474554"), true));
        assertEquals("no_client_cert", classify(new SSLHandshakeException("Empty client certificate chain"), true));
        assertEquals("no_client_cert", classify(new SSLHandshakeException(
                "error:1000045c:SSL routines:OPENSSL_internal:CERTIFICATE_REQUIRED"), true));
        assertEquals("no_client_cert", classify(new SSLHandshakeException("peer did not return a certificate"),
                true));
        assertEquals("protocol", classify(new SSLHandshakeException(
                "error:100000f0:SSL routines:OPENSSL_internal:UNSUPPORTED_PROTOCOL"), true));
        assertEquals("protocol", classify(new SSLHandshakeException(
                "The client supported protocol versions [TLSv1.1] are not accepted by server preferences"), true));
        assertEquals("no_shared_cipher", classify(new SSLHandshakeException(
                "error:10000410:SSL routines:OPENSSL_internal:NO_SHARED_CIPHER"), true));
        assertEquals("untrusted_certificate", classify(new javax.net.ssl.SSLException("x",
                new java.security.cert.CertPathValidatorException("PKIX path validation failed")), true));
        assertEquals("untrusted_certificate", classify(new SSLHandshakeException(
                "PKIX path building failed"), true));
        assertEquals("other", classify(new SSLHandshakeException("something new"), true));
    }

    @Test
    void anAlertIsNotAProbeEvenWhenTheChannelClosedAfterIt() {
        // the alert's text decides, however the channel ended afterwards
        SSLHandshakeException alert = new SSLHandshakeException("Received fatal alert: certificate_unknown");
        alert.addSuppressed(new ClosedChannelException());
        assertEquals("untrusted_certificate", classify(alert, true));
    }

    @Test
    void causeCyclesEnd() {
        Exception a = new Exception("a");
        Exception b = new Exception("b", a);
        a.initCause(b);
        assertEquals("other", classify(a, true));
    }
}
