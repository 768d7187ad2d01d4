package io.connectproxy.mesh;

import io.connectproxy.testsupport.LogCapture;
import io.connectproxy.testsupport.Await;

import io.connectproxy.runtime.ProxyRuntime;
import io.connectproxy.testsupport.HalfCloseApp;
import io.connectproxy.testsupport.HalfCloseTraffic;
import io.connectproxy.testsupport.MeshTestBase;
import io.connectproxy.testsupport.TestMesh;
import io.connectproxy.testsupport.Wire;
import io.vertx.core.json.JsonArray;
import io.vertx.core.json.JsonObject;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.Timeout;

import java.time.Duration;
import java.util.concurrent.TimeUnit;
import java.util.logging.Level;

import static org.junit.jupiter.api.Assertions.assertEquals;

/**
 * {@code tls_engine} is read when the public listener is created. A live change used to be logged as applied and
 * silently ignored; now the reload says, at WARN and naming the key, that the engine stays until a restart, and the
 * listener keeps working with the engine it has.
 */
class TlsEngineReloadTest extends MeshTestBase {

    @Test
    @Timeout(value = 60, unit = TimeUnit.SECONDS)
    void aLiveEngineChangeIsRefusedWithAWarningNamingTheKey() throws Exception {
        try (LogCapture log = new LogCapture(ProxyRuntime.class);
             HalfCloseApp app = HalfCloseApp.start(HalfCloseApp.Mode.ECHO_THEN_TRAILER)) {
            int upstream = TestMesh.freePort();
            int echoPublic = TestMesh.freePort();
            mesh.register(echo(app.port(), echoPublic, "openssl"));
            mesh.registerWithSidecar("web", TestMesh.freePort(), new JsonArray().add(Wire.upstream("echo", upstream)));
            mesh.startSidecar("echo");
            ProxyRuntime web = mesh.startSidecar("web");
            Await.until(Duration.ofSeconds(10), "endpoint", () -> web.upstreamEndpoints("service/default/echo") == 1);

            mesh.register(echo(app.port(), echoPublic, "jdk"));
            Await.until(Duration.ofSeconds(15), "a WARN naming tls_engine after the reload",
                    () -> log.atLeast(Level.WARNING).stream().anyMatch(w -> w.startsWith("tls_engine: ")));
            String warning = log.atLeast(Level.WARNING).stream().filter(w -> w.startsWith("tls_engine: ")).findFirst().orElseThrow();
            assertEquals(true, warning.contains("\"jdk\"") && warning.contains("until the proxy restarts"), warning);
            // still serving, half-close included, with the engine it kept. The re-registration put the sidecar's
            // checks back to critical (the dev agent runs them at once), so the endpoint may be gone for a moment
            TestMesh.await(mesh.agent().runChecks("echo"));
            HalfCloseTraffic.Digest expected = HalfCloseTraffic.expected(100_000, HalfCloseApp.trailer(100_000));
            Await.until(Duration.ofSeconds(10), "echo serving again after the re-registration",
                    () -> web.upstreamEndpoints("service/default/echo") == 1);
            assertEquals(expected, HalfCloseTraffic.sendShutRead(upstream, 100_000), "answer after the reload");
        }
    }

    private static JsonObject echo(int appPort, int publicPort, String engine) {
        return new JsonObject().put("name", "echo").put("port", appPort).put("connect", new JsonObject()
                .put("sidecar_service", new JsonObject().put("port", publicPort).put("proxy",
                        new JsonObject().put("config", new JsonObject().put("tls_engine", engine)))));
    }
}
