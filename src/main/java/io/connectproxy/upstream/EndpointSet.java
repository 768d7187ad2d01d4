package io.connectproxy.upstream;

import io.connectproxy.consul.wire.HealthServiceEntry;

import java.util.ArrayList;
import java.util.List;

/**
 * The current healthy endpoints of one destination, as published on the bus by the discovery verticle.
 * {@code destinationKey} matches {@code UpstreamConfig.destinationKey()}.
 */
public record EndpointSet(String destinationKey, List<Endpoint> endpoints) {

    public EndpointSet {
        endpoints = List.copyOf(endpoints);
    }

    public static EndpointSet empty(String destinationKey) {
        return new EndpointSet(destinationKey, List.of());
    }

    /**
     * Builds the set from health entries. Entries with a failing check are left out even if the agent was
     * asked for passing ones only (prepared queries may include warning instances); the datacenter falls back to
     * the query's when the node does not say.
     */
    public static EndpointSet fromHealth(String destinationKey, List<HealthServiceEntry> entries,
                                         String fallbackDatacenter) {
        List<Endpoint> out = new ArrayList<>(entries.size());
        for (HealthServiceEntry e : entries) {
            if (!e.allChecksPassing() || e.service().port() <= 0) {
                continue;
            }
            String dc = e.nodeDatacenter().isEmpty() ? fallbackDatacenter : e.nodeDatacenter();
            out.add(new Endpoint(e.dialAddress(), e.service().port(), e.expectedServiceName(), dc,
                    e.nodeName() + "/" + e.service().id()));
        }
        return new EndpointSet(destinationKey, out);
    }

    /**
     * The destination's name alone (the metrics' {@code destination} label): the key is
     * {@code type/namespace/name}, and neither type nor namespace holds a slash.
     */
    public String destinationName() {
        int first = destinationKey.indexOf('/');
        int second = first < 0 ? -1 : destinationKey.indexOf('/', first + 1);
        return second < 0 ? destinationKey : destinationKey.substring(second + 1);
    }

    public boolean isEmpty() {
        return endpoints.isEmpty();
    }
}
