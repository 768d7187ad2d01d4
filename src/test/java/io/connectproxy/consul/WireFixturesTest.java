package io.connectproxy.consul;

import io.connectproxy.consul.wire.AgentSelf;
import io.connectproxy.consul.wire.AgentService;
import io.connectproxy.consul.wire.AgentServices;
import io.connectproxy.consul.wire.AuthorizeResult;
import io.connectproxy.consul.wire.CaRoots;
import io.connectproxy.consul.wire.HealthServiceEntries;
import io.connectproxy.consul.wire.HealthServiceEntry;
import io.connectproxy.consul.wire.IntentionMatch;
import io.connectproxy.consul.wire.LeafCert;
import io.connectproxy.consul.wire.ManagedProxyConfig;
import io.connectproxy.consul.wire.PreparedQueryResult;
import io.connectproxy.consul.wire.WireFormatException;
import io.connectproxy.testsupport.Fixtures;
import io.vertx.core.json.JsonArray;
import io.vertx.core.json.JsonObject;
import org.junit.jupiter.api.Test;

import java.util.List;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertNotNull;
import static org.junit.jupiter.api.Assertions.assertNull;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

/** Every fixture of a real Consul 1.10.1 (and the 1.5.3 managed-proxy ones) parses into the typed records. */
class WireFixturesTest {

    @Test
    void agentSelf() {
        AgentSelf self = AgentSelf.fromJson(Fixtures.json("agent-self.json"));
        assertEquals("dc1", self.datacenter());
        assertEquals("vm", self.nodeName());
        assertEquals("1.10.1", self.version());
        assertEquals(8502, self.grpcPort());
        assertEquals(-1, self.httpsPort());
    }

    @Test
    void sidecarRegistration() {
        AgentService s = AgentService.fromJson(Fixtures.json("agent-service-web-sidecar.json"));
        assertTrue(s.isConnectProxy(), () -> String.valueOf(s));
        assertEquals("web-sidecar-proxy", s.id());
        assertEquals(21000, s.port());
        assertEquals("127.0.0.1", s.address());
        assertEquals("f779497c5d7e226", s.contentHash());
        assertEquals("dc1", s.datacenter());
        assertEquals("web", s.proxy().destinationServiceName());
        assertEquals("web", s.proxy().destinationServiceId());
        assertEquals(8080, s.proxy().localServicePort());
        assertEquals("127.0.0.1", s.proxy().config().getString("bind_address"));
        assertEquals(2, s.proxy().upstreams().size());
        assertEquals("echo", s.proxy().upstreams().get(0).destinationName());
        assertEquals("service", s.proxy().upstreams().get(0).destinationType());
        assertEquals(1234, s.proxy().upstreams().get(0).localBindPort());
        assertEquals(1235, s.proxy().upstreams().get(1).localBindPort());
    }

    @Test
    void agentServicesFindsTheSidecarOfAService() {
        AgentServices all = AgentServices.fromJson(Fixtures.json("agent-services.json"));
        assertEquals(6, all.byId().size());
        List<AgentService> sidecars = all.sidecarsOf("web");
        assertEquals(1, sidecars.size());
        assertEquals("web-sidecar-proxy", sidecars.get(0).id());
        assertTrue(all.sidecarsOf("nope").isEmpty(), () -> String.valueOf(all.sidecarsOf("nope")));
        assertNull(all.byId().get("web").proxy());
    }

    @Test
    void caRootsAndLeaf() {
        CaRoots roots = CaRoots.fromJson(Fixtures.json("ca-roots.json"));
        assertEquals("7258079e-aed1-f8df-a8b6-821f9a25b5e6.consul", roots.trustDomain());
        assertEquals(1, roots.roots().size());
        assertTrue(roots.roots().get(0).active(), () -> String.valueOf(roots.roots().get(0)));
        assertEquals(roots.activeRootId(), roots.roots().get(0).id());
        assertTrue(roots.roots().get(0).rootCertPem().startsWith("-----BEGIN CERTIFICATE-----"),
                () -> String.valueOf(roots.roots().get(0).rootCertPem()));

        LeafCert leaf = LeafCert.fromJson(Fixtures.json("ca-leaf-web.json"));
        assertEquals("09", leaf.serialNumber());
        assertEquals("web", leaf.service());
        assertTrue(leaf.serviceUri().endsWith("/ns/default/dc/dc1/svc/web"), () -> String.valueOf(leaf.serviceUri()));
        assertTrue(leaf.privateKeyPem().contains("EC PRIVATE KEY"), () -> String.valueOf(leaf.privateKeyPem()));
        assertFalse(leaf.toString().contains("PRIVATE KEY"), "toString must not show the key");
        assertEquals(23, leaf.modifyIndex());
    }

    @Test
    void authorizeAnswers() {
        assertTrue(AuthorizeResult.fromJson(Fixtures.json("authorize-allow.json")).authorized(),
                () -> String.valueOf(AuthorizeResult.fromJson(Fixtures.json("authorize-allow.json"))));
        AuthorizeResult deny = AuthorizeResult.fromJson(Fixtures.json("authorize-deny.json"));
        assertFalse(deny.authorized());
        assertTrue(deny.reason().startsWith("Matched L4 intention: default/web => default/pong"),
                () -> String.valueOf(deny.reason()));
    }

    @Test
    void intentionsMatch() {
        IntentionMatch none = IntentionMatch.fromJson(Fixtures.json("intentions-match.json"));
        assertTrue(none.byName().values().stream().allMatch(List::isEmpty), () -> String.valueOf(none.byName()));
        IntentionMatch deny = IntentionMatch.fromJson(Fixtures.json("intentions-match-deny.json"));
        assertEquals(1, deny.forName("pong").size());
        assertEquals("deny", deny.forName("pong").get(0).action());
        assertEquals("web", deny.forName("pong").get(0).sourceName());
        assertEquals(9, deny.forName("pong").get(0).precedence());
    }

    @Test
    void healthConnectAndCatalog() {
        List<HealthServiceEntry> entries = HealthServiceEntries.fromJson(Fixtures.jsonArray("health-connect-pong.json"));
        assertFalse(entries.isEmpty());
        HealthServiceEntry e = entries.get(0);
        assertEquals("dc1", e.nodeDatacenter());
        assertEquals("pong", e.expectedServiceName());
        assertEquals("127.0.0.1", e.dialAddress());
        assertEquals(21002, e.service().port());
        assertTrue(e.allChecksPassing(), () -> String.valueOf(e));
    }

    @Test
    void preparedQuery() {
        PreparedQueryResult r = PreparedQueryResult.fromJson(Fixtures.json("query-execute.json"));
        assertEquals("pong", r.service());
        assertEquals("dc1", r.datacenter());
        assertFalse(r.nodes().isEmpty());
        assertEquals("pong", r.nodes().get(0).expectedServiceName());
    }

    @Test
    void legacyManagedProxyConfig() {
        ManagedProxyConfig c = ManagedProxyConfig.fromJson(
                new JsonObject(Fixtures.text("consul-1.5.3", "legacy-managed-proxy-config.json")));
        assertEquals("web-proxy", c.proxyServiceId());
        assertEquals("web", c.targetServiceName());
        assertEquals(20128, c.config().getInteger("bind_port"));
        assertEquals("redis", c.upstreams().get(0).destinationName());
        assertEquals(11234, c.upstreams().get(0).localBindPort());
        assertNotNull(c.contentHash());
    }

    @Test
    void wrongTypesNameThePath() {
        JsonObject bad = Fixtures.json("agent-service-web-sidecar.json");
        bad.getJsonObject("Proxy").getJsonArray("Upstreams").getJsonObject(1).put("LocalBindPort", "1235");
        WireFormatException e = assertThrows(WireFormatException.class, () -> AgentService.fromJson(bad));
        assertEquals("Proxy.Upstreams[1].LocalBindPort: expected number, got string", e.getMessage());

        JsonObject noRoots = Fixtures.json("ca-roots.json").put("Roots", new JsonArray());
        assertThrows(WireFormatException.class, () -> CaRoots.fromJson(noRoots));
    }
}
