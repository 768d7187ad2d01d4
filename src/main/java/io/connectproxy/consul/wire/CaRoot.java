package io.connectproxy.consul.wire;

import io.vertx.core.json.JsonObject;

import java.util.List;

/** One entry of {@code Roots} in the CA roots answer. */
public record CaRoot(String id, String name, String serialNumber, String signingKeyId, String rootCertPem,
                     List<String> intermediateCertPems, boolean active, String notBefore, String notAfter) {

    public static CaRoot fromJson(JsonObject json, String path) {
        WireReader r = WireReader.of(json, path);
        return new CaRoot(
                r.requiredString("ID"),
                r.string("Name"),
                json.getValue("SerialNumber") == null ? "" : String.valueOf(json.getValue("SerialNumber")),
                r.string("SigningKeyID"),
                r.requiredString("RootCert"),
                r.strings("IntermediateCerts"),
                r.bool("Active"),
                r.string("NotBefore"),
                r.string("NotAfter"));
    }
}
