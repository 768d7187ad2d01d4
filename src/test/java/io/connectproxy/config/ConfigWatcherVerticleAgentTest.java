package io.connectproxy.config;

import io.connectproxy.testsupport.Await;
import io.connectproxy.testsupport.Fixtures;
import io.connectproxy.testsupport.LogCapture;
import io.connectproxy.testsupport.ScriptedAgent;
import io.vertx.core.Vertx;
import io.vertx.core.eventbus.ReplyException;
import io.vertx.core.json.JsonObject;
import io.vertx.junit5.Timeout;
import io.vertx.junit5.VertxExtension;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.extension.ExtendWith;

import java.time.Duration;
import java.util.List;
import java.util.Map;
import java.util.concurrent.BlockingQueue;
import java.util.concurrent.TimeUnit;

import static io.connectproxy.config.WatcherTestSupport.FAST;
import static io.connectproxy.config.WatcherTestSupport.await;
import static io.connectproxy.config.WatcherTestSupport.current;
import static io.connectproxy.config.WatcherTestSupport.currentFailure;
import static io.connectproxy.config.WatcherTestSupport.next;
import static io.connectproxy.config.WatcherTestSupport.published;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertNull;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

@ExtendWith(VertxExtension.class)
class ConfigWatcherVerticleAgentTest {
    private static final Duration WAIT = Duration.ofSeconds(5);
    private ScriptedAgent agent;
    private LogCapture log;

    @BeforeEach
    void startAgent(Vertx vertx) throws Exception {
        agent = await(ScriptedAgent.start(vertx));
        log = new LogCapture(ConfigWatcherVerticle.class, AgentWaitLog.class, SidecarLocator.class);
    }

    @AfterEach
    void stop() {
        log.close();
    }

    private static JsonObject sidecar() {
        return Fixtures.json("agent-service-web-sidecar.json");
    }

    private static JsonObject webService() {
        return new JsonObject().put("ID", "web").put("Service", "web").put("Port", 8080);
    }

    private LaunchConfig launch(Map<String, String> flags, Map<String, String> env) {
        Map<String, String> all = new java.util.HashMap<>(flags);
        all.put("http-addr", agent.addr());
        return LaunchConfigResolver.resolve(all, List.of(), env);
    }

    @Test
    @Timeout(value = 15, timeUnit = TimeUnit.SECONDS)
    void sidecarForFindsTheRegistrationAndFollowsItsChanges(Vertx vertx) throws Exception {
        agent.putService(webService());
        agent.putService(sidecar());
        BlockingQueue<ProxyConfig> bus = published(vertx);
        ConfigWatcherVerticle watcher = new ConfigWatcherVerticle(launch(Map.of("sidecar-for", "web"), Map.of()),
                FAST);
        await(vertx.deployVerticle(watcher));

        ProxyConfig first = next(bus);
        assertEquals("agent:web-sidecar-proxy", first.source());
        assertEquals(List.of(1234, 1235), first.upstreams().stream().map(UpstreamConfig::localBindPort).toList());
        assertEquals(first, await(watcher.firstConfig()));
        assertEquals(first, current(vertx));

        // the watch now holds a hash-blocking request; a change releases it long before the 20 s wait
        Await.until(WAIT, "a request for the sidecar blocking on its hash for 20s", () -> agent.seen().stream()
                .anyMatch(r -> r.path().equals("/v1/agent/service/web-sidecar-proxy") && r.params().contains("hash")
                        && "20s".equals(r.params().get("wait"))));
        JsonObject changed = sidecar();
        changed.getJsonObject("Proxy").getJsonArray("Upstreams").getJsonObject(1).put("LocalBindPort", 1236);
        long before = System.nanoTime();
        agent.putService(changed);
        ProxyConfig second = next(bus);
        assertTrue(System.nanoTime() - before < TimeUnit.SECONDS.toNanos(3), "released by the change, not the wait");
        assertEquals(List.of(1234, 1236), second.upstreams().stream().map(UpstreamConfig::localBindPort).toList());

        // an invalid change is logged and the previous config kept
        JsonObject broken = sidecar();
        broken.getJsonObject("Proxy").getJsonArray("Upstreams").getJsonObject(0).put("LocalBindPort", 70000);
        agent.putService(broken);
        log.await(WAIT, "Proxy.Upstreams[0].LocalBindPort: must be 1-65535, got 70000");
        assertTrue(log.contains("changed to something invalid, keeping the previous config"), log.messages.toString());
        assertNull(bus.poll(200, TimeUnit.MILLISECONDS));
        assertEquals(second, current(vertx));

        agent.putService(sidecar());
        assertEquals(first, next(bus));
    }

    @Test
    @Timeout(value = 15, timeUnit = TimeUnit.SECONDS)
    void aSidecarRegisteredLaterIsWaitedFor(Vertx vertx) throws Exception {
        agent.putService(webService());
        ConfigWatcherVerticle watcher = new ConfigWatcherVerticle(launch(Map.of(), Map.of("CONNECT_SIDECAR_FOR",
                "web")), FAST);
        await(vertx.deployVerticle(watcher));
        log.await(WAIT, "no connect-proxy is registered on the agent for service id web");
        assertFalse(watcher.firstConfig().isComplete());
        ReplyException none = currentFailure(vertx);
        assertEquals(ConfigWatcherVerticle.NO_CONFIG_YET, none.failureCode());
        assertEquals("no config yet", none.getMessage());

        agent.putService(sidecar());
        assertEquals("web", await(watcher.firstConfig()).serviceName());
    }

    @Test
    @Timeout(value = 15, timeUnit = TimeUnit.SECONDS)
    void twoSidecarsForOneServiceIsAnErrorNamingThem(Vertx vertx) throws Exception {
        agent.putService(webService());
        agent.putService(sidecar());
        agent.putService(sidecar().put("ID", "web-sidecar-proxy-2"));
        ConfigWatcherVerticle watcher = new ConfigWatcherVerticle(launch(Map.of("sidecar-for", "web"), Map.of()),
                FAST);
        await(vertx.deployVerticle(watcher));
        ConfigException e = assertThrows(ConfigException.class, () -> await(watcher.firstConfig()));
        assertEquals("-sidecar-for: 2 sidecar proxies are registered for service web (web-sidecar-proxy, "
                + "web-sidecar-proxy-2); choose one with -proxy-id", e.getMessage());
    }

    @Test
    @Timeout(value = 15, timeUnit = TimeUnit.SECONDS)
    void proxyIdOfAServiceThatIsNotAProxyFailsTheFirstConfig(Vertx vertx) throws Exception {
        agent.putService(webService());
        ConfigWatcherVerticle watcher = new ConfigWatcherVerticle(launch(Map.of("proxy-id", "web"), Map.of()), FAST);
        await(vertx.deployVerticle(watcher));
        ConfigException e = assertThrows(ConfigException.class, () -> await(watcher.firstConfig()));
        assertTrue(e.getMessage().startsWith("Kind: service web is not a connect proxy"), e.getMessage());
        assertTrue(e.getMessage().endsWith("(in the proxy registration web)"), e.getMessage());
    }

    @Test
    @Timeout(value = 15, timeUnit = TimeUnit.SECONDS)
    void anUnreachableAgentIsWaitedForAndNeverFatal(Vertx vertx) throws Exception {
        agent.putService(sidecar());
        agent.down(true);
        ConfigWatcherVerticle watcher = new ConfigWatcherVerticle(launch(Map.of("proxy-id", "web-sidecar-proxy"),
                Map.of()), FAST);
        await(vertx.deployVerticle(watcher));
        log.await(WAIT, "waiting for Consul agent at http://" + agent.addr());
        Await.until(WAIT, "three requests to the agent that is down", () -> agent.seen().size() >= 3);
        assertFalse(watcher.firstConfig().isComplete());
        assertEquals(1, log.messages.stream().filter(m -> m.contains("waiting for Consul agent")).count(),
                "logged once, then at a low rate: " + log.messages);
        assertEquals(ConfigWatcherVerticle.NO_CONFIG_YET, currentFailure(vertx).failureCode());

        agent.down(false);
        assertEquals(21000, await(watcher.firstConfig()).bindPort());
        log.await(WAIT, "Consul agent at http://" + agent.addr() + " answered the proxy registration");
    }

    @Test
    @Timeout(value = 15, timeUnit = TimeUnit.SECONDS)
    void anUnknownProxyIdIsWaitedFor(Vertx vertx) throws Exception {
        ConfigWatcherVerticle watcher = new ConfigWatcherVerticle(launch(Map.of("proxy-id", "web-sidecar-proxy"),
                Map.of()), FAST);
        await(vertx.deployVerticle(watcher));
        log.await(WAIT, "waiting for the proxy registration web-sidecar-proxy to be registered");
        agent.putService(sidecar());
        assertEquals("agent:web-sidecar-proxy", await(watcher.firstConfig()).source());
    }

    @Test
    @Timeout(value = 15, timeUnit = TimeUnit.SECONDS)
    void legacyManagedProxyReadsTheManagedEndpointWithItsToken(Vertx vertx) throws Exception {
        JsonObject managed = new JsonObject(Fixtures.text("consul-1.5.3", "legacy-managed-proxy-config.json"));
        agent.putManaged("web-proxy", managed);
        BlockingQueue<ProxyConfig> bus = published(vertx);
        LaunchConfig launch = launch(Map.of(), Map.of("CONNECT_PROXY_ID", "web-proxy",
                "CONNECT_PROXY_TOKEN", "managed-token"));
        assertEquals(LaunchConfig.Kind.MANAGED_PROXY, launch.source().kind());
        await(vertx.deployVerticle(new ConfigWatcherVerticle(launch, FAST)));

        ProxyConfig first = next(bus);
        assertEquals("managed:web-proxy", first.source());
        assertEquals("127.0.0.1:20128", first.publicListenerKey());
        assertEquals(List.of(), agent.seen().stream().filter(r -> !"managed-token".equals(r.token())).toList(),
                "requests without the managed proxy's token");

        managed.getJsonObject("Config").put("bind_port", 20129);
        agent.putManaged("web-proxy", managed);
        assertEquals(20129, next(bus).bindPort());
    }
}
