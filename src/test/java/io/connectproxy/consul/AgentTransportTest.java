package io.connectproxy.consul;

import io.connectproxy.testsupport.Fixtures;
import io.connectproxy.testsupport.TestCertificate;
import io.vertx.core.Vertx;
import io.vertx.core.VertxOptions;
import io.vertx.core.http.ClientAuth;
import io.vertx.core.http.HttpServer;
import io.vertx.core.http.HttpServerOptions;
import io.vertx.core.net.PemTrustOptions;
import io.vertx.core.net.SocketAddress;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.Timeout;
import org.junit.jupiter.api.io.TempDir;

import java.nio.file.Path;
import java.util.concurrent.TimeUnit;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

/** The agent client over https (CA file, CA path, client certificate, server name, verify off) and unix sockets. */
class AgentTransportTest {
    @TempDir
    Path tmp;
    private Vertx vertx;

    @BeforeEach
    void setUp() {
        vertx = Vertx.vertx(new VertxOptions().setPreferNativeTransport(true));
    }

    @AfterEach
    void tearDown() throws Exception {
        vertx.close().await(10, TimeUnit.SECONDS);
    }

    private HttpServer selfAnswering(HttpServerOptions options) {
        return vertx.createHttpServer(options).requestHandler(req -> req.response()
                .putHeader("X-Consul-Index", "9")
                .end(Fixtures.text("ca-roots.json")));
    }

    private AgentSettings https(int port, String caFile, String caPath, String serverName, boolean verify,
                                TestCertificate client) {
        return new AgentSettings("https://127.0.0.1:" + port, false, null, caFile, caPath,
                client == null ? null : client.certificatePath(), client == null ? null : client.privateKeyPath(),
                serverName, verify, null);
    }

    @Test
    @Timeout(value = 30, unit = TimeUnit.SECONDS)
    void httpsWithCaFileServerNameAndClientCertificate() throws Exception {
        TestCertificate server = TestCertificate.create(tmp);
        HttpServer s = selfAnswering(new HttpServerOptions().setSsl(true).setKeyCertOptions(server.keyCertOptions())
                .setClientAuth(ClientAuth.REQUIRED)
                .setTrustOptions(new PemTrustOptions().addCertPath(server.certificatePath())));
        int port = s.listen(0, "127.0.0.1").await(10, TimeUnit.SECONDS).actualPort();

        // the certificate names localhost while we dial 127.0.0.1: -tls-server-name makes that check pass
        AgentClient good = AgentClient.create(vertx, https(port, server.certificatePath(), null, "localhost", true,
                server));
        AgentResponse<?> roots = good.caRoots(QueryOptions.NONE).await(10, TimeUnit.SECONDS);
        assertEquals(9, roots.index());

        // same through a CA directory
        AgentClient viaPath = AgentClient.create(vertx, https(port, null, tmp.toString(), "localhost", true, server));
        assertEquals(9, viaPath.caRoots(QueryOptions.NONE).await(10, TimeUnit.SECONDS).index());

        // without the server name the host check fails: the agent is not trusted
        AgentClient wrongName = AgentClient.create(vertx, https(port, server.certificatePath(), null, null, true,
                server));
        AgentException e = assertThrows(AgentException.class,
                () -> wrongName.caRoots(QueryOptions.NONE).await(10, TimeUnit.SECONDS));
        assertEquals(AgentException.Reason.UNREACHABLE, e.reason());

        // without a client certificate the agent refuses us
        AgentClient noClientCert = AgentClient.create(vertx, https(port, server.certificatePath(), null, "localhost",
                true, null));
        assertThrows(AgentException.class, () -> noClientCert.caRoots(QueryOptions.NONE).await(10, TimeUnit.SECONDS));
    }

    @Test
    @Timeout(value = 30, unit = TimeUnit.SECONDS)
    void httpsWithVerificationOff() throws Exception {
        TestCertificate server = TestCertificate.create(tmp);
        HttpServer s = selfAnswering(new HttpServerOptions().setSsl(true).setKeyCertOptions(server.keyCertOptions()));
        int port = s.listen(0, "127.0.0.1").await(10, TimeUnit.SECONDS).actualPort();
        AgentClient client = AgentClient.create(vertx, https(port, null, null, null, false, null));
        assertEquals(9, client.caRoots(QueryOptions.NONE).await(10, TimeUnit.SECONDS).index());
    }

    @Test
    @Timeout(value = 30, unit = TimeUnit.SECONDS)
    void unixSocketAgent() throws Exception {
        assertTrue(vertx.isNativeTransportEnabled(), "unix sockets need the native transport here");
        Path sock = tmp.resolve("agent.sock");
        selfAnswering(new HttpServerOptions()).listen(SocketAddress.domainSocketAddress(sock.toString()))
                .await(10, TimeUnit.SECONDS);
        AgentClient client = AgentClient.create(vertx, AgentSettings.local("unix://" + sock));
        assertEquals(9, client.caRoots(QueryOptions.NONE).await(10, TimeUnit.SECONDS).index());
    }
}
