package io.connectproxy.upstream;

import java.util.ArrayList;
import java.util.Comparator;
import java.util.HashMap;
import java.util.List;
import java.util.Map;

/**
 * Prefers the endpoint with the fewest open connections from this listener instance; ties are broken round-robin
 * so that an idle set still spreads load.
 */
public final class LeastConnBalancer implements LoadBalancer {
    private final Map<String, Integer> active = new HashMap<>();
    private final RoundRobinBalancer tieBreak = new RoundRobinBalancer();

    @Override
    public List<Endpoint> order(List<Endpoint> endpoints) {
        List<Endpoint> out = new ArrayList<>(tieBreak.order(endpoints));
        out.sort(Comparator.comparingInt(e -> active.getOrDefault(e.address(), 0)));
        return out;
    }

    @Override
    public void opened(Endpoint endpoint) {
        active.merge(endpoint.address(), 1, Integer::sum);
    }

    @Override
    public void closed(Endpoint endpoint) {
        active.computeIfPresent(endpoint.address(), (k, v) -> v <= 1 ? null : v - 1);
    }

    int activeConnections(Endpoint endpoint) {
        return active.getOrDefault(endpoint.address(), 0);
    }
}
