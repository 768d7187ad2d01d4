package io.connectproxy.cli;

import io.connectproxy.testsupport.Scrape;
import io.connectproxy.testsupport.MeshTestBase;
import io.connectproxy.testsupport.Wire;
import io.connectproxy.testsupport.Http;
import io.connectproxy.testsupport.EchoServer;
import io.connectproxy.testsupport.FatJarProcess;
import io.connectproxy.testsupport.TestMesh;
import io.vertx.core.json.JsonArray;
import io.vertx.core.json.JsonObject;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.Timeout;

import java.time.Duration;
import java.util.List;
import java.util.Map;
import java.util.concurrent.TimeUnit;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertTrue;

/**
 * The jar as the {@code command} of a Consul 1.3–1.5 managed proxy: started with CONNECT_PROXY_ID and
 * CONNECT_PROXY_TOKEN only, it reads its config from /v1/agent/connect/proxy/&lt;id&gt; and serves it.
 */
class ManagedProxyE2eTest extends MeshTestBase {
    private static final String TOKEN = "5e1d0b7c-managed-proxy-token";

    private FatJarProcess proxy;

    private final List<FatJarProcess> others = new java.util.ArrayList<>();

    @AfterEach
    void stopOwnParts() throws Exception {
        if (proxy != null) {
            proxy.close();
        }
        for (FatJarProcess p : others) {
            p.close();
        }
    }

    /**
     * Consul 1.5 starts every managed proxy with the same command line (proxy_defaults.command) and environment
     * but for CONNECT_PROXY_ID: the second must not die on the admin port the first holds. The default admin
     * address is not a choice, so whichever comes second listens on another loopback port and says where.
     */
    @Test
    @Timeout(value = 90, unit = TimeUnit.SECONDS)
    void twoManagedProxiesWithTheSameCommandLineBothBecomeReady() throws Exception {
        for (String service : List.of("web", "api")) {
            EchoServer app = TestMesh.await(EchoServer.start(vertx));
            mesh.register(new JsonObject().put("Name", service).put("Port", app.port()).put("Connect",
                    new JsonObject().put("Proxy", new JsonObject().put("Config", new JsonObject()
                            .put("bind_address", "127.0.0.1").put("bind_port", TestMesh.freePort())))));
        }
        Map<String, String> admins = new java.util.LinkedHashMap<>();
        for (String id : List.of("web-proxy", "api-proxy")) {
            FatJarProcess p = FatJarProcess.start(List.of(), Map.of("CONNECT_PROXY_ID", id,
                    "CONNECT_PROXY_TOKEN", TOKEN, "CONSUL_HTTP_ADDR", mesh.agent().httpAddr()));
            others.add(p);
            String line = p.awaitLine(l -> l.contains("admin listening on "), Duration.ofSeconds(30));
            admins.put(id, line.replaceAll(".*admin listening on (\\S+) .*", "$1"));
        }
        others.get(0).awaitLine(l -> l.contains("ready: web"), Duration.ofSeconds(30));
        others.get(1).awaitLine(l -> l.contains("ready: api"), Duration.ofSeconds(30));
        assertEquals(2, new java.util.HashSet<>(admins.values()).size(), "two admin addresses: " + admins);
        int i = 0;
        for (Map.Entry<String, String> admin : admins.entrySet()) {
            FatJarProcess p = others.get(i++);
            int port = Integer.parseInt(admin.getValue().substring(admin.getValue().lastIndexOf(':') + 1));
            Http.Response ready = Http.get(port, "/ready");
            assertEquals(200, ready.status(), admin.getKey() + " on " + admin.getValue() + ": " + ready.body());
            if (!admin.getValue().equals("127.0.0.1:19100")) {
                assertTrue(p.output().lines().anyMatch(l -> l.contains("WARN") && l.contains("127.0.0.1:19100 is taken")
                        && l.contains("listening on " + admin.getValue())), "the fallback is logged: " + p.output());
            }
            assertTrue(p.process().isAlive(), admin.getKey() + " exited: " + p.output());
        }
        System.out.println("[figures] admin listeners of two managed proxies started alike: " + admins);
    }

    @Test
    @Timeout(value = 60, unit = TimeUnit.SECONDS)
    void envModeReadsTheLegacyEndpointAndServesIt() throws Exception {
        EchoServer app = TestMesh.await(EchoServer.start(vertx));
        int bindPort = TestMesh.freePort();
        int admin = TestMesh.freePort();
        int clientToWeb = TestMesh.freePort();
        // Consul 1.3-1.5 shape: the service carries a Connect.Proxy block; the agent creates "web-proxy"
        mesh.register(new JsonObject().put("Name", "web").put("Port", app.port()).put("Connect", new JsonObject()
                .put("Proxy", new JsonObject().put("Config", new JsonObject().put("bind_port", bindPort)))));
        mesh.registerWithSidecar("client", TestMesh.freePort(), new JsonArray().add(new JsonObject()
                .put("destination_name", "web").put("local_bind_port", clientToWeb)));
        mesh.startSidecar("client");

        // no flag names the source: the environment a managed proxy is started with is enough
        proxy = FatJarProcess.start(List.of("-admin-bind", "127.0.0.1:" + admin, "-log-level", "debug"),
                Map.of("CONNECT_PROXY_ID", "web-proxy", "CONNECT_PROXY_TOKEN", TOKEN,
                        "CONSUL_HTTP_ADDR", mesh.agent().httpAddr()));
        proxy.awaitLine(l -> l.contains("config loaded from managed:web-proxy"), Duration.ofSeconds(30));
        proxy.awaitLine(l -> l.contains("ready: web"), Duration.ofSeconds(30));

        assertEquals("through the managed proxy", Wire.exchange(clientToWeb, "through the managed proxy", Duration.ofSeconds(10)));
        assertEquals(1, app.accepted());

        Http.Response config = Http.get(admin, "/config");
        assertEquals(200, config.status());
        JsonObject json = new JsonObject(config.body());
        assertEquals("managed_proxy", json.getJsonObject("source").getString("kind"));
        assertEquals("managed:web-proxy", json.getJsonObject("proxy").getString("source"));
        assertEquals("127.0.0.1:" + bindPort, json.getJsonObject("proxy").getString("public_listener"));
        assertFalse(config.body().contains(TOKEN), config.body());

        // the JVM's meters (and the connections' buffer pool) are bound on a thread once the proxy is ready (off its
        // start-up chain): within seconds
        String metrics = Http.get(admin, "/metrics").body();
        String connectionPool = "allocator_type=\"AdaptiveByteBufAllocator\"";
        for (long deadline = System.nanoTime() + TimeUnit.SECONDS.toNanos(10);
             !(metrics.contains("jvm_memory_used_bytes{") && metrics.contains(connectionPool))
                     && System.nanoTime() < deadline; ) {
            Thread.sleep(100);
            metrics = Http.get(admin, "/metrics").body();
        }
        for (String name : List.of("connect_proxy_connections_total", "jvm_memory_used_bytes",
                "netty_eventexecutor_tasks_pending")) {
            assertTrue(metrics.contains(name + "{"), name + " missing from /metrics");
        }
        // the buffers of the proxied exchange came from Netty's default (adaptive) allocator: its pool is on
        // /metrics and holds memory; vertx-micrometer's own netty_allocator_* are of an allocator never used here
        double connectionBuffers = Scrape.value(metrics, "netty_allocator_memory_used",
                Map.of("allocator_type", "AdaptiveByteBufAllocator", "memory_type", "direct"));
        assertTrue(connectionBuffers > 0, "direct memory of the connections' buffer pool: " + connectionBuffers);

        DrainE2eTest.sigterm(proxy.process());
        assertEquals(0, proxy.awaitExit(Duration.ofSeconds(20)), proxy.output());
        assertFalse(proxy.output().contains(TOKEN), "the token was logged (at debug)");
    }
}
