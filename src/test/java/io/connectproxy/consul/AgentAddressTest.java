package io.connectproxy.consul;

import org.junit.jupiter.api.Test;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

class AgentAddressTest {

    @Test
    void formsOfConsulHttpAddr() {
        AgentAddress plain = AgentAddress.parse("127.0.0.1:8500", false, "CONSUL_HTTP_ADDR");
        assertFalse(plain.https());
        assertEquals("127.0.0.1", plain.host());
        assertEquals(8500, plain.port());

        AgentAddress ssl = AgentAddress.parse("consul.local:8501", true, "CONSUL_HTTP_ADDR");
        assertTrue(ssl.https(), () -> String.valueOf(ssl));

        AgentAddress https = AgentAddress.parse("https://consul.example:9999", false, "x");
        assertTrue(https.https(), () -> String.valueOf(https));
        assertEquals(9999, https.port());

        AgentAddress http = AgentAddress.parse("http://[::1]:8500", true, "x");
        assertFalse(http.https(), "an explicit http:// wins over CONSUL_HTTP_SSL");
        assertEquals("::1", http.host());
        assertEquals("http://[::1]:8500", http.toString());

        AgentAddress defaultPort = AgentAddress.parse("https://consul", false, "x");
        assertEquals(8501, defaultPort.port());

        AgentAddress unix = AgentAddress.parse("unix:///var/run/consul.sock", false, "x");
        assertTrue(unix.isUnixSocket(), () -> String.valueOf(unix));
        assertEquals("/var/run/consul.sock", unix.unixSocketPath());
    }

    @Test
    void badAddressesNameTheSource() {
        AgentAddress.Invalid e = assertThrows(AgentAddress.Invalid.class,
                () -> AgentAddress.parse("ftp://x:1", false, "-http-addr"));
        assertTrue(e.getMessage().startsWith("-http-addr: unsupported scheme in ftp://x:1"), e.getMessage());
        assertEquals("-http-addr", e.source(), e.getMessage());
        assertEquals("unsupported scheme in ftp://x:1 (use host:port, http://, https:// or unix://)", e.problem(),
                "the problem alone, for callers that name the field themselves");
        assertThrows(IllegalArgumentException.class, () -> AgentAddress.parse("unix://relative", false, "x"));
        assertThrows(IllegalArgumentException.class, () -> AgentAddress.parse("", false, "x"));
        assertThrows(IllegalArgumentException.class, () -> AgentAddress.parse("host:notaport", false, "x"));
    }
}
