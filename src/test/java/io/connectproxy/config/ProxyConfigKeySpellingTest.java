package io.connectproxy.config;

import io.connectproxy.testsupport.LogCapture;
import io.vertx.core.json.JsonObject;
import org.junit.jupiter.api.Test;

import java.util.List;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertNull;

/** A key one edit away from one the proxy reads gets a WARN naming both; everything else is kept quietly. */
class ProxyConfigKeySpellingTest {

    @Test
    void oneEditAwayNamesTheKnownKey() {
        assertEquals("handshake_timeout_ms", ProxyConfigKeySpelling.nearMiss("handshake_timout_ms"), "dropped letter");
        assertEquals("bind_port", ProxyConfigKeySpelling.nearMiss("bind_prot"), "swapped neighbours");
        assertEquals("bind_port", ProxyConfigKeySpelling.nearMiss("bind_ports"), "added letter");
        assertEquals("tls_engine", ProxyConfigKeySpelling.nearMiss("tls_engina"), "changed letter");
        assertEquals("admin_bind", ProxyConfigKeySpelling.nearMiss("admin_bnid"), "key added alongside");
        assertEquals("accept_backlog", ProxyConfigKeySpelling.nearMiss("accept_backlg"));
        assertEquals("max_handshakes_in_flight", ProxyConfigKeySpelling.nearMiss("max_handshake_in_flight"));
    }

    @Test
    void knownForeignAndDistantKeysAreNotWarnedAbout() {
        for (String key : List.of("handshake_timeout_ms", "upstreams", "envoy_prometheus_bind_addr", "protocol",
                "connect_timeout_ms", "local_request_timeout_ms", "my_own_setting", "handshake_tmout_ms")) {
            assertNull(ProxyConfigKeySpelling.nearMiss(key), key);
        }
    }

    @Test
    void distanceCountsATranspositionAsOneEdit() {
        assertEquals(1, ProxyConfigKeySpelling.distance("ab", "ba"));
        assertEquals(0, ProxyConfigKeySpelling.distance("same", "same"));
        assertEquals(2, ProxyConfigKeySpelling.distance("abcd", "bacx"));
        assertEquals(3, ProxyConfigKeySpelling.distance("", "abc"));
    }

    @Test
    void parsingAConfigWarnsOncePerKeyAndKeepsTheKey() {
        JsonObject service = new JsonObject().put("name", "web").put("port", 8080).put("connect", new JsonObject()
                .put("proxy", new JsonObject().put("config", new JsonObject()
                        .put("handshake_timout_ms", 5).put("envoy_stats_tags", "x").put("bind_port", 21001))));
        try (LogCapture log = new LogCapture(ProxyConfigKeySpelling.class)) {
            ProxyConfig config = ServiceDefinitionParser.parse(service, null, "test");
            assertEquals(List.of("WARNING service.connect.proxy.config.handshake_timout_ms: unknown key, kept as "
                    + "given; did you mean handshake_timeout_ms? (handshake_timeout_ms keeps its default)"),
                    log.messages, "one warning per parse for the one near-miss key");
            assertEquals(ProxyConfig.DEFAULT_HANDSHAKE_TIMEOUT_MS, config.handshakeTimeoutMs(),
                    "the misspelt key does not set the timeout");
            assertEquals(5, config.opaqueConfig().getInteger("handshake_timout_ms"), "but it is kept");
        }
    }
}
