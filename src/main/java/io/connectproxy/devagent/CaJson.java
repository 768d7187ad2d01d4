package io.connectproxy.devagent;

import io.vertx.core.json.JsonArray;
import io.vertx.core.json.JsonObject;

import java.time.format.DateTimeFormatter;
import java.time.Instant;

/** CA answers: /v1/agent/connect/ca/roots and /v1/agent/connect/ca/leaf/&lt;service&gt;. */
final class CaJson {

    private CaJson() {
    }

    static JsonObject roots(DevCa ca) {
        JsonArray roots = new JsonArray();
        CaRootRecord active = ca.active();
        for (CaRootRecord r : ca.roots()) {
            roots.add(new JsonObject()
                .put("ID", r.id())
                .put("Name", r.name())
                .put("SerialNumber", r.serial().longValue())
                .put("SigningKeyID", r.signingKeyId())
                .put("ExternalTrustDomain", ca.clusterId())
                .put("NotBefore", time(r.notBefore()))
                .put("NotAfter", time(r.notAfter()))
                .put("RootCert", r.certificatePem())
                .put("IntermediateCerts", r.intermediatePems().isEmpty() ? null : new JsonArray(r.intermediatePems()))
                .put("Active", r.active())
                .put("PrivateKeyType", "ec")
                .put("PrivateKeyBits", 256)
                .put("CreateIndex", r.createIndex())
                .put("ModifyIndex", r.modifyIndex()));
        }
        return new JsonObject()
            .put("ActiveRootID", active.id())
            .put("TrustDomain", ca.trustDomain())
            .put("Roots", roots);
    }

    static JsonObject leaf(LeafCertificates.Leaf leaf) {
        DevCa.IssuedLeaf c = leaf.certificate();
        return new JsonObject()
            .put("SerialNumber", c.serialHex())
            .put("CertPEM", c.certPem())
            .put("PrivateKeyPEM", c.privateKeyPem())
            .put("Service", leaf.service())
            .put("ServiceURI", leaf.serviceUri())
            .put("ValidAfter", time(c.validAfter()))
            .put("ValidBefore", time(c.validBefore()))
            .put("CreateIndex", leaf.index())
            .put("ModifyIndex", leaf.index());
    }

    /** RFC 3339 in UTC, like Go's time.Time JSON for whole seconds. */
    static String time(Instant instant) {
        return DateTimeFormatter.ISO_INSTANT.format(instant);
    }
}
