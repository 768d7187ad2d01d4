package io.connectproxy.consul.wire;

import io.vertx.core.json.JsonObject;

import java.util.List;

/** {@code GET /v1/agent/connect/ca/roots}. Every listed root is trusted, not only the active one. */
public record CaRoots(String activeRootId, String trustDomain, List<CaRoot> roots) {

    public static CaRoots fromJson(JsonObject json) {
        WireReader r = WireReader.of(json, "");
        List<CaRoot> roots = r.list("Roots", CaRoot::fromJson);
        if (roots.isEmpty()) {
            throw new WireFormatException("Roots: expected at least one root");
        }
        return new CaRoots(r.string("ActiveRootID"), r.requiredString("TrustDomain"), roots);
    }
}
