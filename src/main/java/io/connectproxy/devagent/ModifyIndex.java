package io.connectproxy.devagent;

import java.util.Collection;
import java.util.HashMap;
import java.util.Map;

/**
 * The global, monotonically increasing modify index (Consul's Raft index) and, per topic, the index of the last
 * change that can alter answers about that topic ("health:web", "connect:web", "ca:roots", "ca:leaf:web", ...).
 * A deregistration leaves no entry behind, so answers take their index from the topic, never from their entries.
 */
final class ModifyIndex {

    static final String ROOTS = "ca:roots";
    static final String INTENTIONS = "intentions";

    private final Map<String, Long> topics = new HashMap<>();
    private final ChangeFeed feed;
    private long current = 1;

    ModifyIndex(ChangeFeed feed) {
        this.feed = feed;
    }

    static String health(String serviceName) {
        return "health:" + serviceName;
    }

    static String connect(String serviceName) {
        return "connect:" + serviceName;
    }

    static String leaf(String serviceName) {
        return "ca:leaf:" + serviceName;
    }

    /** Picks up where a saved agent left off (its data directory), so indexes never go backwards. */
    void restore(long savedCurrent, Map<String, Long> savedTopics) {
        current = Math.max(current, savedCurrent);
        savedTopics.forEach((t, i) -> topics.merge(t, i, Math::max));
    }

    Map<String, Long> topics() {
        return new HashMap<>(topics);
    }

    long current() {
        return current;
    }

    /** Reserves the index of the change about to be made. */
    long next() {
        return ++current;
    }

    /** Records that the change at {@code index} touched these topics and wakes the parked queries. */
    void publish(long index, Collection<String> changedTopics) {
        for (String topic : changedTopics) {
            topics.merge(topic, index, Math::max);
        }
        feed.changed();
    }

    /** The index of the last change to a topic; 1 when it never changed (Consul never answers index 0). */
    long of(String topic) {
        return topics.getOrDefault(topic, 1L);
    }
}
