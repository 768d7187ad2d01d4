package io.connectproxy.mesh;

import io.connectproxy.testsupport.Await;

import io.connectproxy.runtime.ProxyRuntime;
import io.connectproxy.devagent.DevCa;
import io.connectproxy.testsupport.EchoServer;
import io.connectproxy.testsupport.MeshTestBase;
import io.connectproxy.testsupport.TestMesh;
import io.connectproxy.testsupport.Wire;
import io.vertx.core.buffer.Buffer;
import io.vertx.core.json.JsonArray;
import io.vertx.core.json.JsonObject;
import io.vertx.core.net.NetServer;
import io.vertx.core.net.NetServerOptions;
import io.vertx.core.net.PemKeyCertOptions;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.Timeout;

import java.net.Socket;
import java.nio.charset.StandardCharsets;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.AtomicInteger;

import static org.junit.jupiter.api.Assertions.assertEquals;

/**
 * The caller's side of a refusal under TLS 1.3: web's dial completes before the server has looked at web's
 * certificate, so a server that refuses (or gives up on) the session is only seen as a session it ends. Here an
 * "echo" instance is a real TLS server with a valid echo certificate from the dev agent's CA that closes every
 * session right after the handshake. Every such session must be counted as a failed dial (never a working
 * connection), and an app connection that had not sent anything yet must be carried to the healthy instance.
 */
class SessionEndedBeforeAnswerTest extends MeshTestBase {

    @Test
    @Timeout(value = 60, unit = TimeUnit.SECONDS)
    void sessionEndedBeforeAnswerIsAFailedDialAndTheSilentAppGoesToTheNextInstance() throws Exception {
        DevCa.IssuedLeaf echoLeaf = mesh.agent().ca().issueServiceLeaf("echo", Duration.ofHours(1));
        AtomicInteger closerSessions = new AtomicInteger();
        NetServer closer = TestMesh.await(vertx.createNetServer(new NetServerOptions().setSsl(true)
                        .setKeyCertOptions(new PemKeyCertOptions().addCertValue(Buffer.buffer(echoLeaf.certPem()))
                                .addKeyValue(Buffer.buffer(echoLeaf.privateKeyPem()))))
                .connectHandler(s -> {
                    closerSessions.incrementAndGet();
                    s.close();
                })
                .listen(0, "127.0.0.1"));

        TwoEchoInstances echo = webWithAGoodAndABadEchoInstance(closer.actualPort(), null);
        ProxyRuntime web = echo.web();
        int port = echo.upstreamPort();
        EchoServer genuine = echo.genuine();

        // silent app connections: round robin sends some of them to the closer first
        List<Socket> apps = new ArrayList<>();
        try {
            for (int i = 0; i < 8; i++) {
                apps.add(new Socket("127.0.0.1", port));
            }
            Await.until(Duration.ofSeconds(10), "round robin sent one of " + apps.size()
                    + " connections to the closer", () -> closerSessions.get() >= 1);
            // every app connection settled on the healthy instance (its sidecar dials the app once a session is
            // authorized): only then has every dial that reached the closer been seen to end. Waiting for the
            // failed-dial count to match the closer's was racy: a dial still in its handshake with the closer
            // was counted by neither yet, and the app's bytes then went into it (correctly never replayed).
            Await.until(Duration.ofSeconds(10), "all " + apps.size() + " app connections reached the healthy "
                    + "instance", () -> genuine.accepted() == apps.size());
            assertEquals(closerSessions.get(), (int) failedDials(web),
                    "web counted every session the closer ended (before anyone spoke) as a failed dial");
            for (int i = 0; i < apps.size(); i++) {
                String text = "hello " + i;
                assertEquals(text, Wire.exchangeOn(apps.get(i), text), "app connection " + i + " (the closer had "
                        + closerSessions.get() + " sessions)");
            }
        } finally {
            for (Socket s : apps) {
                s.close();
            }
        }

        assertEquals(apps.size(), genuine.accepted(), "every app connection was served by the healthy instance");
        assertEquals(closerSessions.get(), (int) failedDials(web),
                "every session the closer ended is a failed dial");
        assertEquals(apps.size(), (int) web.metrics().count("connections_total", "listener", "upstream",
                "destination", "echo"),
                "only the connections the healthy instance served count as connections");
    }

    /**
     * The other way the wait for the first word can end: the app sends nothing and ends its side at once. Its
     * end of stream must still reach the server (who answers on it), not be swallowed by the wait.
     */
    @Test
    @Timeout(value = 60, unit = TimeUnit.SECONDS)
    void anAppThatSendsNothingAndHalfClosesStillGetsItsAnswer() throws Exception {
        EchoServer app = TestMesh.await(EchoServer.start(vertx, true));
        int upstreamPort = TestMesh.freePort();
        mesh.register(new JsonObject().put("name", "echo").put("port", app.port()).put("connect", new JsonObject()
                .put("sidecar_service", new JsonObject().put("port", TestMesh.freePort()).put("proxy",
                        new JsonObject().put("config", new JsonObject().put("tls_engine", "jdk"))))));
        mesh.registerWithSidecar("web", TestMesh.freePort(), new JsonArray().add(Wire.upstream("echo", upstreamPort)));
        mesh.startSidecar("echo");
        ProxyRuntime web = mesh.startSidecar("web");
        Await.until(Duration.ofSeconds(5), "web knows the echo instance",
                () -> web.upstreamEndpoints("service/default/echo") == 1);

        for (int i = 0; i < 5; i++) {
            try (Socket s = new Socket("127.0.0.1", upstreamPort)) {
                s.setSoTimeout(5000);
                s.shutdownOutput();
                assertEquals("got:", new String(s.getInputStream().readAllBytes(), StandardCharsets.UTF_8),
                        "connection " + i + ": the app's answer to an empty request");
            }
        }
        assertEquals(0, (int) failedDials(web), "an answered session is no failed dial");
    }

    private static double failedDials(ProxyRuntime web) {
        return web.metrics().count("upstream_dial_failures_total", "destination", "echo", "reason",
                "closed_before_answer");
    }
}
