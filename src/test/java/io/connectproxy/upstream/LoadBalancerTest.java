package io.connectproxy.upstream;

import io.connectproxy.consul.wire.HealthServiceEntries;
import io.connectproxy.testsupport.Fixtures;
import io.vertx.core.json.JsonArray;
import org.junit.jupiter.api.Test;

import java.util.HashMap;
import java.util.List;
import java.util.Map;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertThrows;

class LoadBalancerTest {
    private static final Endpoint A = new Endpoint("127.0.0.1", 1, "echo", "dc1", "a");
    private static final Endpoint B = new Endpoint("127.0.0.1", 2, "echo", "dc1", "b");
    private static final Endpoint C = new Endpoint("127.0.0.1", 3, "echo", "dc1", "c");

    @Test
    void roundRobinSpreadsEvenlyAndKeepsTheRestAsFallbacks() {
        LoadBalancer rr = LoadBalancer.create("round_robin");
        Map<Endpoint, Integer> first = new HashMap<>();
        for (int i = 0; i < 300; i++) {
            List<Endpoint> order = rr.order(List.of(A, B, C));
            assertEquals(3, order.size());
            assertEquals(3, order.stream().distinct().count(), "every endpoint stays a fallback");
            first.merge(order.get(0), 1, Integer::sum);
        }
        assertEquals(Map.of(A, 100, B, 100, C, 100), first);
    }

    @Test
    void leastConnPrefersTheIdlest() {
        LeastConnBalancer lc = (LeastConnBalancer) LoadBalancer.create("least_conn");
        lc.opened(A);
        lc.opened(A);
        lc.opened(B);
        assertEquals(C, lc.order(List.of(A, B, C)).get(0));
        assertEquals(A, lc.order(List.of(A, B, C)).get(2));
        lc.closed(A);
        lc.closed(A);
        assertEquals(0, lc.activeConnections(A));
        assertEquals(B, lc.order(List.of(A, B, C)).get(2), "B is now the busiest");
    }

    @Test
    void unknownBalancerNamesTheValue() {
        IllegalArgumentException e = assertThrows(IllegalArgumentException.class, () -> LoadBalancer.create("random"));
        assertEquals("balancer: must be round_robin or least_conn, got random", e.getMessage());
    }

    @Test
    void endpointSetFromHealthFixture() {
        JsonArray entries = Fixtures.jsonArray("health-connect-pong.json");
        EndpointSet set = EndpointSet.fromHealth("service:pong", HealthServiceEntries.fromJson(entries), "dc9");
        assertEquals(entries.size(), set.endpoints().size());
        Endpoint e = set.endpoints().get(0);
        assertEquals("pong", e.expectedService());
        assertEquals("dc1", e.expectedDatacenter());
        assertEquals(21002, e.port());

        // an instance with a critical check is never offered, even if the agent listed it
        entries.getJsonObject(0).getJsonArray("Checks").getJsonObject(0).put("Status", "critical");
        EndpointSet fewer = EndpointSet.fromHealth("service:pong", HealthServiceEntries.fromJson(entries), "dc1");
        assertEquals(entries.size() - 1, fewer.endpoints().size());
    }
}
