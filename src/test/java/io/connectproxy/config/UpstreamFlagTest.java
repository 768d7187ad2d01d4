package io.connectproxy.config;

import org.junit.jupiter.api.Test;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertNull;
import static org.junit.jupiter.api.Assertions.assertThrows;

class UpstreamFlagTest {

    @Test
    void servicePortOnlyBindsLoopback() {
        UpstreamConfig u = UpstreamFlag.parse("redis:1234");
        assertEquals(DestinationType.SERVICE, u.destinationType());
        assertEquals("redis", u.destinationName());
        assertEquals("127.0.0.1", u.localBindAddress());
        assertEquals(1234, u.localBindPort());
        assertEquals("default", u.destinationNamespace());
        assertNull(u.datacenter());
        assertEquals(UpstreamConfig.DEFAULT_CONNECT_TIMEOUT_MS, u.connectTimeoutMs());
    }

    @Test
    void preparedQueryWithHost() {
        UpstreamConfig u = UpstreamFlag.parse("db.query:127.0.0.2:5432");
        assertEquals(DestinationType.PREPARED_QUERY, u.destinationType());
        assertEquals("db", u.destinationName());
        assertEquals("127.0.0.2:5432", u.listenerKey());
    }

    @Test
    void explicitServiceSuffixAndIpv6() {
        UpstreamConfig u = UpstreamFlag.parse("api.service:[::1]:8443");
        assertEquals(DestinationType.SERVICE, u.destinationType());
        assertEquals("api", u.destinationName());
        assertEquals("::1", u.localBindAddress());
        assertEquals("[::1]:8443", u.listenerKey());
        assertEquals("127.0.0.1:9000", UpstreamFlag.parse("api.service::9000").listenerKey());
    }

    @Test
    void badFormsNameTheFlagAndValue() {
        assertEquals("-upstream: must be name[.service|.query]:[host:]port (e.g. redis:1234), got \"redis\"",
                assertThrows(ConfigException.class, () -> UpstreamFlag.parse("redis")).getMessage());
        assertEquals("-upstream: must be name[.service|.query]:[host:]port (e.g. redis:1234), got \":1234\"",
                assertThrows(ConfigException.class, () -> UpstreamFlag.parse(":1234")).getMessage());
        assertEquals("-upstream \"redis:70000\": port must be 1-65535, got 70000",
                assertThrows(ConfigException.class, () -> UpstreamFlag.parse("redis:70000")).getMessage());
        assertEquals("-upstream \"redis:abc\": port must be a number 1-65535, got \"redis:abc\"",
                assertThrows(ConfigException.class, () -> UpstreamFlag.parse("redis:abc")).getMessage());
        assertEquals("-upstream \".query:1\": the destination name is empty",
                assertThrows(ConfigException.class, () -> UpstreamFlag.parse(".query:1")).getMessage());
        assertEquals("-upstream \"db:::1:5432\": IPv6 addresses need brackets ([::1]:port), got \"::1:5432\"",
                assertThrows(ConfigException.class, () -> UpstreamFlag.parse("db:::1:5432")).getMessage());
    }
}
