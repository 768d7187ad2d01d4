package io.connectproxy.consul.wire;

import io.vertx.core.json.JsonObject;

/**
 * {@code GET /v1/agent/connect/ca/leaf/<service>}. Holds a private key: {@link #toString()} never shows it.
 */
public record LeafCert(String serialNumber, String certPem, String privateKeyPem, String service,
                       String serviceUri, String validAfter, String validBefore, long modifyIndex) {

    public static LeafCert fromJson(JsonObject json) {
        WireReader r = WireReader.of(json, "");
        return new LeafCert(
                r.requiredString("SerialNumber"),
                r.requiredString("CertPEM"),
                r.requiredString("PrivateKeyPEM"),
                r.string("Service"),
                r.requiredString("ServiceURI"),
                r.string("ValidAfter"),
                r.string("ValidBefore"),
                r.number("ModifyIndex", 0));
    }

    @Override
    public String toString() {
        return "LeafCert[serial=" + serialNumber + ", uri=" + serviceUri + ", validBefore=" + validBefore
                + ", privateKeyPem=<redacted>]";
    }
}
