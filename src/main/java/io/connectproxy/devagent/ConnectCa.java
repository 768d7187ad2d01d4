package io.connectproxy.devagent;

import io.connectproxy.config.GoDuration;
import io.vertx.core.Vertx;
import io.vertx.core.json.JsonObject;

import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.logging.Logger;

/** The CA as the agent API exposes it: roots, configuration (leaf TTL), rotation, and the leaf cache. */
final class ConnectCa {

    private static final Logger LOG = Logger.getLogger(ConnectCa.class.getName());

    private final DevCa ca;
    private final ModifyIndex index;
    private final LeafCertificates leaves;
    private Duration leafTtl;
    private JsonObject providerConfig;
    private long configIndex;

    ConnectCa(Vertx vertx, DevCa ca, ModifyIndex index, Duration leafTtl) {
        this.ca = ca;
        this.index = index;
        this.leafTtl = leafTtl;
        this.configIndex = ca.active().createIndex();
        this.providerConfig = defaultConfig(leafTtl);
        this.leaves = new LeafCertificates(vertx, ca, index, () -> this.leafTtl);
    }

    /** The CA configuration a data directory kept: leaf TTL, provider config and its index. */
    JsonObject configToJson() {
        return new JsonObject().put("leaf_ttl", GoDuration.format(leafTtl)).put("provider_config", providerConfig.copy())
            .put("config_index", configIndex);
    }

    void restoreConfig(JsonObject saved) {
        leafTtl = GoDuration.parse(saved.getString("leaf_ttl"));
        providerConfig = saved.getJsonObject("provider_config").copy();
        configIndex = saved.getLong("config_index");
    }

    private static JsonObject defaultConfig(Duration leafTtl) {
        return new JsonObject()
            .put("IntermediateCertTTL", "8760h0m0s")
            .put("LeafCertTTL", GoDuration.format(leafTtl))
            .put("PrivateKeyBits", 256)
            .put("PrivateKeyType", "ec")
            .put("RotationPeriod", "2160h0m0s");
    }

    DevCa ca() {
        return ca;
    }

    LeafCertificates leaves() {
        return leaves;
    }

    Duration leafTtl() {
        return leafTtl;
    }

    JsonObject providerConfig() {
        return providerConfig.copy();
    }

    long configIndex() {
        return configIndex;
    }

    /**
     * PUT /v1/connect/ca/configuration: a new active root (the old one stays listed), the new leaf TTL, and every
     * cached leaf re-signed by the new root, all at one index.
     */
    void reconfigure(JsonObject config) {
        if (config.containsKey("PrivateKey") || config.containsKey("RootCert")) {
            // a user-supplied root would need key parsing and validation the dev agent has no use for
            throw ApiException.badRequest("the dev agent does not accept a PrivateKey or RootCert; it generates its roots");
        }
        Duration newTtl = leafTtl;
        Object ttlValue = config.getValue("LeafCertTTL");
        if (ttlValue != null) {
            try {
                newTtl = GoDuration.parse(String.valueOf(ttlValue));
            } catch (IllegalArgumentException e) {
                throw ApiException.badRequest("Invalid CA config: LeafCertTTL: " + e.getMessage());
            }
            if (newTtl.isZero() || newTtl.isNegative()) {
                throw ApiException.badRequest("Invalid CA config: LeafCertTTL must be positive");
            }
        }
        leafTtl = newTtl;
        JsonObject merged = providerConfig.copy().mergeIn(config);
        merged.put("LeafCertTTL", GoDuration.format(newTtl));
        providerConfig = merged;
        rotate();
    }

    /** A new active root; every cached leaf is re-signed by it. */
    void rotate() {
        long at = index.next();
        CaRootRecord fresh = ca.rotate(at);
        configIndex = at;
        List<String> topics = new ArrayList<>();
        topics.add(ModifyIndex.ROOTS);
        topics.addAll(leaves.reissueAll(at));
        LOG.info(() -> "CA root rotated, new active root " + fresh.id());
        index.publish(at, topics);
    }

    void close() {
        leaves.close();
    }
}
