package io.connectproxy.devagent;

import io.vertx.core.json.JsonObject;

import java.nio.charset.StandardCharsets;
import java.security.MessageDigest;
import java.security.NoSuchAlgorithmException;
import java.util.Base64;

/** An intention as /v1/connect/intentions/* answers it. */
final class IntentionJson {

    private IntentionJson() {
    }

    static JsonObject render(IntentionRecord i) {
        JsonObject out = new JsonObject()
            .put("CreatedAt", CaJson.time(i.createdAt()))
            .put("UpdatedAt", CaJson.time(i.updatedAt()))
            .put("ID", i.id())
            .put("SourceNS", "default")
            .put("SourceName", i.sourceName())
            .put("DestinationNS", "default")
            .put("DestinationName", i.destinationName())
            .put("SourceType", "consul")
            .put("Action", i.action());
        if (!i.description().isEmpty()) {
            out.put("Description", i.description());
        }
        if (!i.meta().isEmpty()) {
            out.put("Meta", i.meta().copy());
        }
        return out
            .put("Precedence", i.precedence())
            .put("Hash", hash(i))
            .put("CreateIndex", i.createIndex())
            .put("ModifyIndex", i.modifyIndex());
    }

    private static String hash(IntentionRecord i) {
        try {
            String material = i.id() + "|" + i.sourceName() + "|" + i.destinationName() + "|" + i.action() + "|"
                + i.description() + "|" + i.meta().encode();
            return Base64.getEncoder().encodeToString(
                MessageDigest.getInstance("SHA-256").digest(material.getBytes(StandardCharsets.UTF_8)));
        } catch (NoSuchAlgorithmException e) {
            throw new IllegalStateException(e);
        }
    }
}
