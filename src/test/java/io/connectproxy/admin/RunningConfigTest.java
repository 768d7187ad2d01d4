package io.connectproxy.admin;

import io.connectproxy.config.ConfigFile;
import io.connectproxy.config.LaunchConfig;
import io.connectproxy.config.LaunchConfigResolver;
import io.vertx.core.json.JsonObject;
import org.junit.jupiter.api.Test;

import java.util.List;
import java.util.Map;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;

class RunningConfigTest {
    private static final String TOKEN = "3f9a1c52-1111-2222-3333-topsecret";

    @Test
    void theTokenAndSecretLookingKeysNeverAppear() {
        ConfigFile file = ConfigFile.parse("""
                {"service":{"name":"web","port":8080,"connect":{"proxy":{"config":{
                   "bind_port":21000,"shutdown_grace_ms":100,"envoy_extra":"x",
                   "api_token":"abc","private_key_pem":"-----BEGIN","note":"uses %s",
                   "upstreams":[{"destination_name":"db","local_bind_port":9191,
                                 "config":{"password":"hunter2","connect_timeout_ms":500}}]}}}}}
                """.formatted(TOKEN), "/etc/web.json");
        LaunchConfig launch = LaunchConfigResolver.resolve(Map.of("conf", "/etc/web.json", "token", TOKEN),
                List.of(), Map.of(), file);
        JsonObject json = RunningConfig.toJson(launch, launch.source().staticConfig());
        String text = json.encode();

        assertFalse(text.contains(TOKEN), text);
        assertFalse(text.contains("hunter2"), text);
        assertFalse(text.contains("-----BEGIN"), text);
        assertFalse(text.contains("\"abc\""), text);
        assertEquals(RunningConfig.REDACTED, json.getJsonObject("consul").getString("token"));
        JsonObject proxy = json.getJsonObject("proxy");
        assertEquals("web", proxy.getString("service_name"));
        assertEquals(100, proxy.getJsonObject("shutdown").getLong("shutdown_grace_ms"));
        assertEquals(5000, proxy.getJsonObject("shutdown").getLong("drain_timeout_ms"));
        assertEquals("x", proxy.getJsonObject("config").getString("envoy_extra"));
        assertEquals(RunningConfig.REDACTED, proxy.getJsonObject("config").getString("note"));
        assertEquals(500, proxy.getJsonArray("upstreams").getJsonObject(0).getJsonObject("config")
                .getInteger("connect_timeout_ms"));
    }

    @Test
    void beforeTheFirstConfigOnlyTheLaunchSettingsShow() {
        LaunchConfig launch = LaunchConfigResolver.resolve(Map.of("sidecar-for", "web"), List.of(),
                Map.of("CONSUL_HTTP_TOKEN", TOKEN));
        JsonObject json = RunningConfig.toJson(launch, null);
        assertEquals("sidecar_for", json.getJsonObject("source").getString("kind"));
        assertEquals(null, json.getValue("proxy"));
        assertFalse(json.encode().contains(TOKEN));
    }
}
