package io.connectproxy.devagent;

import io.vertx.core.json.JsonObject;

import java.nio.ByteBuffer;
import java.nio.charset.StandardCharsets;
import java.security.MessageDigest;
import java.security.NoSuchAlgorithmException;

/** Consul's ContentHash: a 64-bit hash of a rendered answer, in hex without leading zeros. */
final class ContentHash {

    private ContentHash() {
    }

    static String of(JsonObject body) {
        try {
            byte[] digest = MessageDigest.getInstance("SHA-256").digest(body.encode().getBytes(StandardCharsets.UTF_8));
            return Long.toHexString(ByteBuffer.wrap(digest).getLong());
        } catch (NoSuchAlgorithmException e) {
            throw new IllegalStateException("SHA-256 is part of every JDK", e);
        }
    }
}
