package io.connectproxy.devagent;

import io.vertx.core.Vertx;

import java.time.Duration;
import java.time.Instant;
import java.util.ArrayList;
import java.util.HashMap;
import java.util.List;
import java.util.Map;
import java.util.concurrent.ThreadLocalRandom;
import java.util.function.Supplier;
import java.util.logging.Logger;

/**
 * The agent's leaf certificate cache: one leaf per service, issued on first request and renewed by a timer at a
 * random point in 60–90% of its lifetime (as Consul's agent cache does). Each issuance is a change at a new
 * index on the service's leaf topic, so blocking watchers see the new certificate.
 */
final class LeafCertificates {

    private static final Logger LOG = Logger.getLogger(LeafCertificates.class.getName());

    /** A cached leaf with the index it was issued at (Consul's CreateIndex = ModifyIndex for a leaf). */
    record Leaf(String service, String serviceUri, DevCa.IssuedLeaf certificate, long index) {
    }

    private final Vertx vertx;
    private final DevCa ca;
    private final ModifyIndex index;
    private final Supplier<Duration> ttl;
    private final Map<String, Leaf> leaves = new HashMap<>();
    private final Map<String, Long> renewalTimers = new HashMap<>();

    LeafCertificates(Vertx vertx, DevCa ca, ModifyIndex index, Supplier<Duration> ttl) {
        this.vertx = vertx;
        this.ca = ca;
        this.index = index;
        this.ttl = ttl;
    }

    /** The current leaf of a service, issued now if there is none. */
    Leaf get(String service) {
        Leaf leaf = leaves.get(service);
        if (leaf == null) {
            long at = index.next();
            leaf = issue(service, at);
            index.publish(at, List.of(ModifyIndex.leaf(service)));
        }
        return leaf;
    }

    /** After a root rotation: re-signs every cached leaf at {@code at}; returns the topics touched. */
    List<String> reissueAll(long at) {
        List<String> topics = new ArrayList<>();
        for (String service : new ArrayList<>(leaves.keySet())) {
            issue(service, at);
            topics.add(ModifyIndex.leaf(service));
        }
        return topics;
    }

    private Leaf issue(String service, long at) {
        DevCa.IssuedLeaf certificate = ca.issueServiceLeaf(service, ttl.get());
        Leaf leaf = new Leaf(service, ca.serviceUri(service), certificate, at);
        leaves.put(service, leaf);
        scheduleRenewal(leaf);
        return leaf;
    }

    private void scheduleRenewal(Leaf leaf) {
        Long previous = renewalTimers.remove(leaf.service());
        if (previous != null) {
            vertx.cancelTimer(previous);
        }
        Instant after = leaf.certificate().validAfter();
        long lifetimeMs = Duration.between(after, leaf.certificate().validBefore()).toMillis();
        double fraction = 0.6 + ThreadLocalRandom.current().nextDouble() * 0.3;
        long renewAtMs = after.toEpochMilli() + (long) (lifetimeMs * fraction);
        long delay = Math.max(1, renewAtMs - System.currentTimeMillis());
        long timer = vertx.setTimer(delay, t -> {
            renewalTimers.remove(leaf.service());
            long at = index.next();
            Leaf renewed = issue(leaf.service(), at);
            LOG.fine(() -> "renewed leaf for " + leaf.service() + ", serial " + renewed.certificate().serialHex());
            index.publish(at, List.of(ModifyIndex.leaf(leaf.service())));
        });
        renewalTimers.put(leaf.service(), timer);
    }

    void close() {
        renewalTimers.values().forEach(vertx::cancelTimer);
        renewalTimers.clear();
    }
}
