package io.connectproxy.config;

import io.connectproxy.consul.AgentClient;
import io.connectproxy.consul.Backoff;
import io.connectproxy.testsupport.Await;
import io.connectproxy.testsupport.Fixtures;
import io.connectproxy.testsupport.LogCapture;
import io.connectproxy.testsupport.ScriptedAgent;
import io.vertx.core.Context;
import io.vertx.core.Future;
import io.vertx.core.Promise;
import io.vertx.core.Vertx;
import io.vertx.junit5.VertxExtension;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.Timeout;
import org.junit.jupiter.api.extension.ExtendWith;

import java.time.Duration;
import java.util.List;
import java.util.concurrent.TimeUnit;

import static io.connectproxy.config.WatcherTestSupport.await;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

/**
 * While {@code -sidecar-for} finds no sidecar, the locator restates at INFO, at a fixed interval (10 s in the
 * product, shortened here), what it waits for: the service id and the agent; it stops once the sidecar is there.
 */
@ExtendWith(VertxExtension.class)
class SidecarLocatorTest {

    @Test
    void theProductIntervalIsTenSeconds() {
        assertEquals(10_000, SidecarLocator.WAITING_INFO_INTERVAL_MS);
    }

    @Test
    @Timeout(value = 20, unit = TimeUnit.SECONDS)
    void saysWhatItWaitsForAtEveryIntervalUntilTheSidecarIsRegistered(Vertx vertx) throws Exception {
        ScriptedAgent agent = await(ScriptedAgent.start(vertx));
        Context context = vertx.getOrCreateContext();
        AgentClient client = AgentClient.create(vertx, io.connectproxy.consul.AgentSettings.local(agent.addr()));
        try (LogCapture log = new LogCapture(SidecarLocator.class)) {
            SidecarLocator locator = new SidecarLocator(vertx, client, "web",
                    new Backoff(Duration.ofMillis(50), Duration.ofMillis(100)),
                    new AgentWaitLog(agent.addr(), "services list", 60_000), 300);
            Promise<Future<String>> started = Promise.promise();
            context.runOnContext(v -> started.complete(locator.locate()));
            Future<String> found = await(started.future());

            String expected = "INFO waiting for a connect-proxy registered for service id web "
                    + "(Proxy.DestinationServiceID) on the Consul agent at http://" + agent.addr()
                    + ": none is registered yet [";
            Await.until(Duration.ofSeconds(10), "two waiting lines", () -> count(log.messages, expected) >= 2);

            context.runOnContext(v -> agent.putService(Fixtures.json("agent-service-web-sidecar.json")));
            assertEquals("web-sidecar-proxy", await(found));
            int afterFound = count(log.messages, expected);
            Thread.sleep(900); // three intervals: no more waiting lines once found
            assertEquals(afterFound, count(log.messages, expected), log.messages::toString);
            assertTrue(log.contains("sidecar proxy for service web: web-sidecar-proxy"), log.messages::toString);
        } finally {
            client.close();
        }
    }

    private static int count(List<String> messages, String prefix) {
        return (int) messages.stream().filter(m -> m.startsWith(prefix)).count();
    }
}
