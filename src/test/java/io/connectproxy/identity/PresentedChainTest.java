package io.connectproxy.identity;

import io.connectproxy.devagent.DevAgent;
import io.connectproxy.devagent.DevAgentOptions;
import io.connectproxy.devagent.DevCa;
import io.vertx.core.Vertx;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.Timeout;

import java.time.Duration;
import java.time.Instant;
import java.util.List;
import java.util.concurrent.TimeUnit;

import static org.junit.jupiter.api.Assertions.assertEquals;

/**
 * After a root rotation the roots list the new root cross-signed by the old one. A leaf still signed by the old
 * root must not present that certificate (its chain would be out of order, and Vert.x refuses such a key
 * certificate); a leaf signed by the new root presents it right after itself.
 */
class PresentedChainTest {
    private final Vertx vertx = Vertx.vertx();

    @AfterEach
    void close() throws Exception {
        vertx.close().await(10, TimeUnit.SECONDS);
    }

    @Test
    @Timeout(value = 20, unit = TimeUnit.SECONDS)
    void onlyIntermediatesOnTheLeafsPathArePresentedInOrder() throws Exception {
        DevAgent agent = DevAgent.start(vertx, DevAgentOptions.defaults().withPort(0)).await(10, TimeUnit.SECONDS);
        DevCa ca = agent.ca();
        DevCa.IssuedLeaf oldLeaf = ca.issueServiceLeaf("web", Duration.ofHours(1));
        agent.rotateRoot().await(10, TimeUnit.SECONDS);
        DevCa.IssuedLeaf newLeaf = ca.issueServiceLeaf("web", Duration.ofHours(1));
        List<java.security.cert.X509Certificate> newChain = Pem.certificates(newLeaf.certPem(), "new");
        assertEquals(2, newChain.size(), "the dev CA sends the cross-signed root with a new leaf");
        String crossPem = Pem.encode(newChain.get(1));

        TlsIdentity old = TlsIdentity.build(oldLeaf.certPem(), oldLeaf.privateKeyPem(), ca.rootPems(),
                List.of(crossPem), ca.trustDomain(), Instant.now());
        assertEquals(1, old.chain().size(), "the cross-signed root is not on the old leaf's path");

        TlsIdentity fresh = TlsIdentity.build(newLeaf.certPem(), newLeaf.privateKeyPem(), ca.rootPems(),
                List.of(crossPem), ca.trustDomain(), Instant.now());
        assertEquals(List.of(newChain.get(0), newChain.get(1)), fresh.chain());

        // and Vert.x takes both as key certificates
        MeshTlsOptions.server(old).getKeyCertOptions().getKeyManagerFactory(vertx);
        MeshTlsOptions.server(fresh).getKeyCertOptions().getKeyManagerFactory(vertx);
    }
}
