package io.connectproxy.devagent;

import io.vertx.core.json.JsonObject;

import java.time.Instant;
import java.util.Locale;

/**
 * A service intention. {@code id} is empty for intentions made through the config-entry style endpoints
 * (PUT /v1/connect/intentions/exact), like Consul 1.9+; legacy POST /v1/connect/intentions gives one.
 */
record IntentionRecord(String id, String sourceName, String destinationName, String action, String description,
                 JsonObject meta, Instant createdAt, Instant updatedAt, long createIndex, long modifyIndex) {

    static final String WILDCARD = "*";

    /** Consul's precedence for the default namespace: exact→exact 9, *→exact 8, exact→* 6, *→* 5. */
    int precedence() {
        boolean sourceExact = !WILDCARD.equals(sourceName);
        boolean destinationExact = !WILDCARD.equals(destinationName);
        if (destinationExact) {
            return sourceExact ? 9 : 8;
        }
        return sourceExact ? 6 : 5;
    }

    boolean matchesDestination(String name) {
        return WILDCARD.equals(destinationName) || destinationName.equals(name);
    }

    boolean matchesSource(String name) {
        return WILDCARD.equals(sourceName) || sourceName.equals(name);
    }

    /** Consul's Intention.String(), used in authorize reasons. */
    String describe() {
        String idPart = id.isEmpty() ? "" : "ID: " + id + ", ";
        return "default/" + sourceName + " => default/" + destinationName + " (" + idPart + "Precedence: "
            + precedence() + ", Action: " + action.toUpperCase(Locale.ROOT) + ")";
    }

    IntentionRecord updated(String newAction, String newDescription, JsonObject newMeta, Instant at, long index) {
        return new IntentionRecord(id, sourceName, destinationName, newAction, newDescription, newMeta, createdAt, at,
            createIndex, index);
    }
}
