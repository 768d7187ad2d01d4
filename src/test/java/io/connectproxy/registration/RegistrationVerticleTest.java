package io.connectproxy.registration;

import io.connectproxy.admin.Readiness;
import io.connectproxy.testsupport.Http;
import io.connectproxy.testsupport.Await;

import io.connectproxy.testsupport.MeshTestBase;
import io.connectproxy.config.LaunchConfigResolver;
import io.connectproxy.config.ProxyConfig;
import io.connectproxy.consul.AgentSettings;
import io.connectproxy.testsupport.TestMesh;
import io.vertx.core.json.JsonObject;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.Timeout;

import java.time.Duration;
import java.util.List;
import java.util.Map;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.AtomicReference;

import static org.junit.jupiter.api.Assertions.assertEquals;

/** -register against the dev agent: registration shape, a TTL check that follows readiness, deregistration. */
class RegistrationVerticleTest extends MeshTestBase {

    private String agentUrl(String path) {
        return "http://" + mesh.agent().httpAddr() + path;
    }

    private String checkStatus(String checkId) {
        JsonObject checks = new JsonObject(Http.send("GET", agentUrl("/v1/agent/checks"), null).body());
        JsonObject c = checks.getJsonObject(checkId);
        return c == null ? "missing" : c.getString("Status");
    }

    @Test
    @Timeout(value = 40, unit = TimeUnit.SECONDS)
    void checkPassesOnlyWhileReadyAndHeartbeatsKeepItPassing() throws Exception {
        ProxyConfig config = LaunchConfigResolver.resolve(Map.of("service", "web", "listen", "127.0.0.1:21555",
                "service-addr", "127.0.0.1:8080"), List.of("db:9191"), Map.of()).source().staticConfig();
        ProxyRegistration registration = new ProxyRegistration("web-proxy-1", config, Duration.ofMillis(1500));
        AtomicReference<Readiness> readiness = new AtomicReference<>(Readiness.notReady("waiting for identity"));
        RegistrationVerticle verticle = new RegistrationVerticle(AgentSettings.local(mesh.agent().httpAddr()),
                registration, readiness::get);
        String id = vertx.deployVerticle(verticle).await(10, TimeUnit.SECONDS);

        Await.until(Duration.ofSeconds(20), "Http.send(\"GET\", agentUrl(\"/v1/agent/service/web-proxy-1\"), null).status() == 200",
                () -> Http.send("GET", agentUrl("/v1/agent/service/web-proxy-1"), null).status() == 200);
        JsonObject service = new JsonObject(Http.send("GET", agentUrl("/v1/agent/service/web-proxy-1"), null).body());
        assertEquals("connect-proxy", service.getString("Kind"));
        assertEquals(21555, service.getInteger("Port"));
        assertEquals("web", service.getJsonObject("Proxy").getString("DestinationServiceName"));
        assertEquals("db", service.getJsonObject("Proxy").getJsonArray("Upstreams").getJsonObject(0)
                .getString("DestinationName"));
        Await.until(Duration.ofSeconds(20), "checkStatus(\"web-proxy-1-ttl\").equals(\"critical\")",
                () -> checkStatus("web-proxy-1-ttl").equals("critical"));

        readiness.set(Readiness.READY);
        Await.until(Duration.ofSeconds(20), "checkStatus(\"web-proxy-1-ttl\").equals(\"passing\")",
                () -> checkStatus("web-proxy-1-ttl").equals("passing"));
        // three TTLs: without heartbeats the agent would have turned it critical
        Thread.sleep(4500);
        assertEquals("passing", checkStatus("web-proxy-1-ttl"));

        readiness.set(Readiness.notReady("shutting down"));
        Await.until(Duration.ofSeconds(20), "checkStatus(\"web-proxy-1-ttl\").equals(\"critical\")",
                () -> checkStatus("web-proxy-1-ttl").equals("critical"));

        vertx.undeploy(id).await(10, TimeUnit.SECONDS);
        assertEquals(404, Http.send("GET", agentUrl("/v1/agent/service/web-proxy-1"), null).status());
    }

    @Test
    @Timeout(value = 40, unit = TimeUnit.SECONDS)
    void deregistrationIsRetriedWhileTheAgentIsBrieflyDown() throws Exception {
        ProxyConfig config = LaunchConfigResolver.resolve(Map.of("service", "api", "listen", "0.0.0.0:21556",
                "service-addr", "127.0.0.1:8080"), List.of(), Map.of()).source().staticConfig();
        RegistrationVerticle verticle = new RegistrationVerticle(AgentSettings.local(mesh.agent().httpAddr()),
                new ProxyRegistration("api-proxy", config, ProxyRegistration.DEFAULT_TTL), () -> Readiness.READY);
        String id = vertx.deployVerticle(verticle).await(10, TimeUnit.SECONDS);
        Await.until(Duration.ofSeconds(20), "Http.send(\"GET\", agentUrl(\"/v1/agent/service/api-proxy\"), null).status() == 200",
                () -> Http.send("GET", agentUrl("/v1/agent/service/api-proxy"), null).status() == 200);

        TestMesh.await(mesh.agent().stopListening());
        var undeployed = vertx.undeploy(id);
        Thread.sleep(700);
        TestMesh.await(mesh.agent().listen());
        undeployed.await(15, TimeUnit.SECONDS);
        assertEquals(404, Http.send("GET", agentUrl("/v1/agent/service/api-proxy"), null).status());
    }
}
