package io.connectproxy.cli;

import io.connectproxy.runtime.ProxyRuntime;

import io.connectproxy.testsupport.Http;
import io.connectproxy.config.HostPort;
import io.connectproxy.config.LaunchConfig;
import io.connectproxy.config.LaunchConfigResolver;
import io.connectproxy.testsupport.EchoServer;
import io.connectproxy.testsupport.MeshTestBase;
import io.connectproxy.testsupport.TestMesh;
import io.vertx.core.Vertx;
import io.vertx.core.json.JsonArray;
import io.vertx.core.json.JsonObject;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.Timeout;

import java.net.InetAddress;
import java.net.ServerSocket;
import java.util.List;
import java.util.Map;
import java.util.concurrent.TimeUnit;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertNotEquals;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

/**
 * {@code admin_bind} in the proxy config map (set per service in Consul) places the admin listener when no
 * -admin-bind/admin.bind chose one; taken, it stops the start like a taken -admin-bind. The admin listener starts
 * on a free port here instead of the default 19100 (tests bind no fixed port); not chosen, it behaves the same.
 */
class AdminBindTest extends MeshTestBase {

    private void registerWeb(int adminBindPort) {
        EchoServer app = TestMesh.await(EchoServer.start(vertx));
        mesh.register(new JsonObject().put("name", "web").put("port", app.port()).put("connect", new JsonObject()
                .put("sidecar_service", new JsonObject().put("port", TestMesh.freePort())
                        .put("proxy", new JsonObject().put("upstreams", new JsonArray())
                                .put("config", new JsonObject().put("admin_bind", "127.0.0.1:" + adminBindPort))))));
    }

    /** -sidecar-for web, admin on a free loopback port, {@code chosen} as if by -admin-bind or not. */
    private LaunchConfig launch(boolean chosen) {
        LaunchConfig base = LaunchConfigResolver.resolve(Map.of("sidecar-for", "web",
                "http-addr", mesh.agent().httpAddr()), List.of(), Map.of());
        return new LaunchConfig(base.source(), base.agent(), new HostPort("127.0.0.1", 0), base.logLevel(), false,
                null, chosen);
    }

    @Test
    @Timeout(value = 60, unit = TimeUnit.SECONDS)
    void adminBindFromTheProxyConfigPlacesTheAdminListener() throws Exception {
        int wanted = TestMesh.freePort();
        registerWeb(wanted);
        ProxyRuntime web = mesh.startRuntime(launch(false));
        assertEquals(wanted, web.adminPort(), "admin listener on admin_bind");
        assertEquals(200, Http.get(wanted, "/ready").status());
        JsonObject config = new JsonObject(Http.get(wanted, "/config").body());
        assertEquals("127.0.0.1:" + wanted, config.getJsonObject("admin").getString("bind"));
    }

    @Test
    @Timeout(value = 60, unit = TimeUnit.SECONDS)
    void aChosenAdminBindWinsOverTheProxyConfig() throws Exception {
        int notUsed = TestMesh.freePort();
        registerWeb(notUsed);
        ProxyRuntime web = mesh.startRuntime(launch(true));
        assertNotEquals(notUsed, web.adminPort(), "-admin-bind wins over admin_bind");
        assertEquals(200, Http.get(web.adminPort(), "/ready").status());
    }

    @Test
    @Timeout(value = 60, unit = TimeUnit.SECONDS)
    void aTakenAdminBindStopsTheStartNamingIt() throws Exception {
        try (ServerSocket taken = new ServerSocket(0, 50, InetAddress.getLoopbackAddress())) {
            registerWeb(taken.getLocalPort());
            Vertx own = Vertx.vertx();
            try {
                Exception e = assertThrows(Exception.class,
                        () -> new ProxyRuntime(TestMesh.TIMING).start(own, launch(false)).await(30, TimeUnit.SECONDS));
                assertTrue(e.getMessage().startsWith("admin listener: cannot bind 127.0.0.1:" + taken.getLocalPort())
                        && e.getMessage().contains("admin_bind in the proxy config"), e.getMessage());
            } finally {
                own.close().await(10, TimeUnit.SECONDS);
            }
        }
    }
}
