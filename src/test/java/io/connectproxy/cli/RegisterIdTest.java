package io.connectproxy.cli;

import io.connectproxy.config.ConfigException;
import io.connectproxy.config.LaunchConfig;
import io.connectproxy.registration.ProxyRegistration;
import org.junit.jupiter.api.Test;

import java.util.ArrayList;
import java.util.List;
import java.util.Map;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertNull;
import static org.junit.jupiter.api.Assertions.assertThrows;

/**
 * {@code -register-id} is an ID suffix, as in {@code consul connect proxy} (command/connect/proxy/register.go:
 * {@code <service>-proxy}, then {@code -<suffix>} when one is given), so a Consul command line registers the same
 * id here.
 */
class RegisterIdTest {

    private static ProxyRegistration registration(String... extra) {
        List<String> args = new ArrayList<>(List.of("-service", "web", "-listen", "127.0.0.1:21000",
                "-service-addr", "127.0.0.1:8080"));
        args.addAll(List.of(extra));
        GoFlags.Parsed parsed = ProxyMode.FLAGS.parse(args);
        LaunchConfig launch = ProxyMode.resolve(parsed, Map.of());
        return ProxyMode.registration(parsed, launch);
    }

    @Test
    void registerIdIsASuffixOfServiceProxy() {
        ProxyRegistration r = registration("-register", "-register-id", "a1");
        assertEquals("web-proxy-a1", r.serviceId(), "the id Consul 1.10 registers for -register-id a1");
        assertEquals("web-proxy-a1-ttl", r.checkId());
        assertEquals("web-proxy", r.definition().getString("Name"), "the name stays <service>-proxy");
    }

    @Test
    void withoutRegisterIdOrWithAnEmptyOneTheIdIsServiceProxy() {
        assertEquals("web-proxy", registration("-register").serviceId());
        assertEquals("web-proxy", registration("-register", "-register-id=").serviceId(),
                "Consul treats an empty suffix as none");
    }

    @Test
    void serviceIdRule() {
        assertEquals("db-proxy", ProxyRegistration.serviceId("db", null));
        assertEquals("db-proxy-x", ProxyRegistration.serviceId("db", "x"));
    }

    @Test
    void registerIdWithoutRegisterOrBlankIsAnError() {
        ConfigException e = assertThrows(ConfigException.class, () -> registration("-register-id", "a1"));
        assertEquals("-register-id: only used with -register", e.getMessage());
        e = assertThrows(ConfigException.class, () -> registration("-register", "-register-id", " "));
        assertEquals("-register-id: must not be blank, got \" \"", e.getMessage());
        assertNull(registration());
    }
}
