package io.connectproxy.mesh;


import io.connectproxy.testsupport.Wire;
import io.connectproxy.testsupport.MeshTestBase;
import io.connectproxy.runtime.ProxyRuntime;
import io.connectproxy.devagent.DevCa;
import io.connectproxy.testsupport.EchoServer;
import io.connectproxy.testsupport.TestMesh;
import io.vertx.core.buffer.Buffer;
import io.vertx.core.net.NetServer;
import io.vertx.core.net.NetServerOptions;
import io.vertx.core.net.PemKeyCertOptions;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.Timeout;

import java.time.Duration;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.AtomicInteger;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

/**
 * Acceptance 4 of issue 4: an "echo" instance that is really a TLS server holding web's certificate (valid, signed
 * by the mesh CA) is never used: its handshakes complete, but the dialler sees the wrong SPIFFE id, drops it and
 * goes on to the genuine instance, so the client never gets a byte from the impostor.
 */
class WrongIdentityInstanceTest extends MeshTestBase {

    @Test
    @Timeout(value = 60, unit = TimeUnit.SECONDS)
    void impostorWithAnotherServicesCertificateIsNeverUsed() throws Exception {
        DevCa.IssuedLeaf webLeaf = mesh.agent().ca().issueServiceLeaf("web", Duration.ofHours(1));
        AtomicInteger impostorConnections = new AtomicInteger();
        NetServer impostor = TestMesh.await(vertx.createNetServer(new NetServerOptions().setSsl(true)
                        .setKeyCertOptions(new PemKeyCertOptions().addCertValue(Buffer.buffer(webLeaf.certPem()))
                                .addKeyValue(Buffer.buffer(webLeaf.privateKeyPem()))))
                .connectHandler(s -> {
                    impostorConnections.incrementAndGet();
                    s.write("EVIL");
                    s.handler(s::write);
                })
                .listen(0, "127.0.0.1"));

        TwoEchoInstances echo = webWithAGoodAndABadEchoInstance(impostor.actualPort(), null);
        ProxyRuntime web = echo.web();
        int port = echo.upstreamPort();
        EchoServer genuine = echo.genuine();

        for (int i = 0; i < 40; i++) {
            String text = "hello " + i;
            assertEquals(text, Wire.exchangeOnce(port, text), "connection " + i + " got a byte from the impostor?");
        }

        assertEquals(40, genuine.accepted());
        assertTrue(impostorConnections.get() >= 10, "the impostor was dialled (and its TLS handshake completed): "
                + impostorConnections.get());
        assertEquals(impostorConnections.get(),
                (int) web.metrics().count("upstream_dial_failures_total", "destination", "echo", "reason", "identity"),
                "every impostor dial was refused for its identity");
    }
}
