package io.connectproxy.upstream;

import java.util.ArrayList;
import java.util.List;

/** Starts each connection at the next endpoint; on failure the retry continues around the ring. */
public final class RoundRobinBalancer implements LoadBalancer {
    private int next;

    @Override
    public List<Endpoint> order(List<Endpoint> endpoints) {
        int n = endpoints.size();
        if (n <= 1) {
            return endpoints;
        }
        int start = Math.floorMod(next++, n);
        List<Endpoint> out = new ArrayList<>(n);
        for (int i = 0; i < n; i++) {
            out.add(endpoints.get((start + i) % n));
        }
        return out;
    }
}
