package io.connectproxy.devagent;

import java.math.BigInteger;
import java.security.PrivateKey;
import java.security.cert.X509Certificate;
import java.time.Instant;
import java.util.List;

/**
 * One CA root as the dev agent keeps it (with its signing key; {@code consul.wire.CaRootRecord} is the wire form the
 * proxy reads). {@code intermediatePems} holds the cross-signed copy of this root made by the
 * previous root at rotation; Consul appends it to every leaf it signs so old-root peers can still verify.
 */
record CaRootRecord(String id, String name, BigInteger serial, String signingKeyId, X509Certificate certificate,
                    String certificatePem, PrivateKey signingKey, List<String> intermediatePems, Instant notBefore,
                    Instant notAfter, boolean active, long createIndex, long modifyIndex) {

    CaRootRecord retired(long index) {
        return new CaRootRecord(id, name, serial, signingKeyId, certificate, certificatePem, signingKey,
            intermediatePems, notBefore, notAfter, false, createIndex, index);
    }
}
