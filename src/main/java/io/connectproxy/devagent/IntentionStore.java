package io.connectproxy.devagent;

import io.vertx.core.json.JsonObject;

import java.time.Instant;
import java.util.ArrayList;
import java.util.Comparator;
import java.util.List;
import java.util.Optional;
import java.util.UUID;

/** Intentions, unique per (source, destination), every change at a new index on the "intentions" topic. */
final class IntentionStore {

    /** Highest precedence first; ties in a stable order by source then destination. */
    static final Comparator<IntentionRecord> PRECEDENCE = Comparator.comparingInt(IntentionRecord::precedence).reversed()
        .thenComparing(IntentionRecord::sourceName).thenComparing(IntentionRecord::destinationName);

    private final ModifyIndex index;
    private final List<IntentionRecord> intentions = new ArrayList<>();

    IntentionStore(ModifyIndex index) {
        this.index = index;
    }

    /** The intentions a data directory kept, at their saved indexes. */
    void restore(List<IntentionRecord> saved) {
        intentions.addAll(saved);
    }

    /** Legacy create (POST /v1/connect/intentions): fails when the pair exists; returns the new ID. */
    String create(String source, String destination, String action, String description, JsonObject meta) {
        validate(source, destination, action);
        Optional<IntentionRecord> existing = exact(source, destination);
        if (existing.isPresent()) {
            throw ApiException.serverError("duplicate intention found: " + existing.get().describe());
        }
        long at = index.next();
        Instant now = Instant.now();
        IntentionRecord created = new IntentionRecord(UUID.randomUUID().toString(), source, destination, action, description,
            meta, now, now, at, at);
        intentions.add(created);
        index.publish(at, List.of(ModifyIndex.INTENTIONS));
        return created.id();
    }

    /** PUT /v1/connect/intentions/exact: create or replace the pair's action. */
    void upsert(String source, String destination, String action, String description, JsonObject meta) {
        validate(source, destination, action);
        long at = index.next();
        Instant now = Instant.now();
        Optional<IntentionRecord> existing = exact(source, destination);
        if (existing.isPresent()) {
            intentions.replaceAll(i -> i == existing.get() ? i.updated(action, description, meta, now, at) : i);
        } else {
            intentions.add(new IntentionRecord("", source, destination, action, description, meta, now, now, at, at));
        }
        index.publish(at, List.of(ModifyIndex.INTENTIONS));
    }

    boolean deleteExact(String source, String destination) {
        return remove(exact(source, destination));
    }

    boolean deleteById(String id) {
        return remove(byId(id));
    }

    private boolean remove(Optional<IntentionRecord> intention) {
        if (intention.isEmpty()) {
            return false;
        }
        long at = index.next();
        intentions.remove(intention.get());
        index.publish(at, List.of(ModifyIndex.INTENTIONS));
        return true;
    }

    Optional<IntentionRecord> exact(String source, String destination) {
        return intentions.stream()
            .filter(i -> i.sourceName().equals(source) && i.destinationName().equals(destination))
            .findFirst();
    }

    Optional<IntentionRecord> byId(String id) {
        return intentions.stream().filter(i -> !i.id().isEmpty() && i.id().equals(id)).findFirst();
    }

    List<IntentionRecord> all() {
        List<IntentionRecord> out = new ArrayList<>(intentions);
        out.sort(PRECEDENCE);
        return out;
    }

    /** Intentions that apply to traffic to {@code destination}, by precedence. */
    List<IntentionRecord> matchDestination(String destination) {
        return intentions.stream().filter(i -> i.matchesDestination(destination)).sorted(PRECEDENCE).toList();
    }

    /** Intentions that apply to traffic from {@code source}, by precedence. */
    List<IntentionRecord> matchSource(String source) {
        return intentions.stream().filter(i -> i.matchesSource(source)).sorted(PRECEDENCE).toList();
    }

    long index() {
        return index.of(ModifyIndex.INTENTIONS);
    }

    private static void validate(String source, String destination, String action) {
        if (source == null || source.isEmpty()) {
            throw ApiException.badRequest("Invalid intention: SourceName must be set");
        }
        if (destination == null || destination.isEmpty()) {
            throw ApiException.badRequest("Invalid intention: DestinationName must be set");
        }
        if (!"allow".equals(action) && !"deny".equals(action)) {
            throw ApiException.badRequest("Invalid intention: Action must be set to 'allow' or 'deny'");
        }
    }
}
