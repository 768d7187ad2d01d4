package io.connectproxy.identity;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertNotNull;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.security.cert.X509Certificate;
import java.util.List;
import java.util.Set;
import java.util.concurrent.TimeUnit;

import javax.net.ssl.SSLHandshakeException;

import io.connectproxy.testsupport.TestCa;
import io.vertx.core.Future;
import io.vertx.core.Promise;
import io.vertx.core.Vertx;
import io.vertx.core.buffer.Buffer;
import io.vertx.core.net.ClientSSLOptions;
import io.vertx.core.net.ConnectOptions;
import io.vertx.core.net.NetClient;
import io.vertx.core.net.NetClientOptions;
import io.vertx.core.net.NetServer;
import io.vertx.core.net.NetServerOptions;
import io.vertx.core.net.NetSocket;
import io.vertx.junit5.Timeout;
import io.vertx.junit5.VertxExtension;
import io.vertx.junit5.VertxTestContext;
import org.junit.jupiter.api.extension.ExtendWith;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.EnumSource;

/**
 * Real mTLS between a Vert.x NetServer and NetClient configured by {@link MeshTlsOptions}, with each engine.
 * The server answers one line, {@code ACCEPT <client id>} or {@code REJECT <reason>}, after its checks; with
 * TLS 1.3 a client's connect completes before the server has looked at the client certificate, so outcomes are
 * asserted on that answer or on the server's handshake error, never on the client's connect alone.
 */
@ExtendWith(VertxExtension.class)
class MeshTlsHandshakeTest {

    private static final List<NetClient> CLIENTS = new java.util.concurrent.CopyOnWriteArrayList<>();

    private final TestCa ca = TestCa.create();

    @org.junit.jupiter.api.AfterEach
    void forgetClients() {
        CLIENTS.clear(); // the Vertx instance closes them
    }
    private final TlsIdentity web = ca.identity("web");

    @ParameterizedTest
    @EnumSource(TlsEngine.class)
    @Timeout(value = 10, timeUnit = TimeUnit.SECONDS)
    void validLeafIsAcceptedAndServerSeesClientId(TlsEngine engine, Vertx vertx, VertxTestContext ctx) {
        TlsIdentity api = ca.identity("api");
        startServer(vertx, engine, web)
                .compose(server -> connect(vertx, engine, MeshTlsOptions.client(api), server.port)
                        .compose(socket -> {
                            ctx.verify(() -> {
                                SpiffeId serverId = PeerIdentityVerifier.verifyServer(socket, "web", "dc1");
                                assertEquals(web.spiffeId(), serverId);
                                assertTrue(MeshTlsOptions.CIPHER_SUITES.contains(socket.sslSession().getCipherSuite()),
                                        socket.sslSession().getCipherSuite());
                            });
                            return firstLine(socket);
                        }))
                .onComplete(ctx.succeeding(line -> ctx.verify(() -> {
                    assertEquals("ACCEPT " + api.spiffeId().uri(), line);
                    ctx.completeNow();
                })));
    }

    @ParameterizedTest
    @EnumSource(TlsEngine.class)
    @Timeout(value = 10, timeUnit = TimeUnit.SECONDS)
    void clientWithoutCertificateIsRejectedInHandshake(TlsEngine engine, Vertx vertx, VertxTestContext ctx) {
        ClientSSLOptions noCert = MeshTlsOptions.client(web).setKeyCertOptions(null);
        expectHandshakeRejected(vertx, ctx, engine, web, noCert);
    }

    @ParameterizedTest
    @EnumSource(TlsEngine.class)
    @Timeout(value = 10, timeUnit = TimeUnit.SECONDS)
    void clientFromAnotherCaIsRejected(TlsEngine engine, Vertx vertx, VertxTestContext ctx) {
        TestCa other = TestCa.create();
        // the foreign client trusts our root so that only the server's check can fail
        TlsIdentity foreign = other.identity("api", ca.rootPem());
        expectHandshakeRejected(vertx, ctx, engine, web, MeshTlsOptions.client(foreign));
    }

    @ParameterizedTest
    @EnumSource(TlsEngine.class)
    @Timeout(value = 10, timeUnit = TimeUnit.SECONDS)
    void clientLeafWithoutClientAuthEkuIsRejected(TlsEngine engine, Vertx vertx, VertxTestContext ctx) {
        TlsIdentity serverOnly = ca.leaf("api").serverAuthOnly().issue().identity();
        // both engines end in the JDK's PKIX trust manager (OpenSSL calls it back), which checks the EKU
        expectHandshakeRejected(vertx, ctx, engine, web, MeshTlsOptions.client(serverOnly),
                "Extended key usage does not permit use for TLS client authentication");
    }

    @ParameterizedTest
    @EnumSource(TlsEngine.class)
    @Timeout(value = 10, timeUnit = TimeUnit.SECONDS)
    void serverLeafWithoutServerAuthEkuIsRejectedByClient(TlsEngine engine, Vertx vertx, VertxTestContext ctx) {
        TlsIdentity clientOnlyServer = ca.leaf("web").clientAuthOnly().issue().identity();
        startServer(vertx, engine, clientOnlyServer)
                .compose(server -> connect(vertx, engine, MeshTlsOptions.client(ca.identity("api")), server.port))
                .onComplete(ctx.failing(e -> ctx.verify(() -> {
                    assertTrue(e instanceof SSLHandshakeException || e.getCause() instanceof SSLHandshakeException,
                            e.toString());
                    ctx.completeNow();
                })));
    }

    @ParameterizedTest
    @EnumSource(TlsEngine.class)
    @Timeout(value = 10, timeUnit = TimeUnit.SECONDS)
    void serverFromAnotherCaIsRejectedByClient(TlsEngine engine, Vertx vertx, VertxTestContext ctx) {
        TlsIdentity foreignServer = TestCa.create().identity("web", ca.rootPem());
        startServer(vertx, engine, foreignServer)
                .compose(server -> connect(vertx, engine, MeshTlsOptions.client(ca.identity("api")), server.port))
                .onComplete(ctx.failing(e -> ctx.completeNow()));
    }

    @ParameterizedTest
    @EnumSource(TlsEngine.class)
    @Timeout(value = 10, timeUnit = TimeUnit.SECONDS)
    void clientWithoutUriSanIsRejectedAfterHandshake(TlsEngine engine, Vertx vertx, VertxTestContext ctx) {
        TlsIdentity client = identityWithUri(null);
        expectServerAnswer(vertx, ctx, engine, client, "REJECT NO_URI_SAN");
    }

    @ParameterizedTest
    @EnumSource(TlsEngine.class)
    @Timeout(value = 10, timeUnit = TimeUnit.SECONDS)
    void clientWithAgentSpiffeIdIsRejectedAfterHandshake(TlsEngine engine, Vertx vertx, VertxTestContext ctx) {
        TlsIdentity client = identityWithUri("spiffe://" + ca.trustDomain() + "/agent/client/dc/dc1/id/node1");
        expectServerAnswer(vertx, ctx, engine, client, "REJECT NOT_A_SERVICE_ID");
    }

    @ParameterizedTest
    @EnumSource(TlsEngine.class)
    @Timeout(value = 10, timeUnit = TimeUnit.SECONDS)
    void clientOfferingOnlyTls11FailsTheHandshake(TlsEngine serverEngine, Vertx vertx, VertxTestContext ctx) {
        // The JDK refuses to even offer TLS 1.1 (jdk.tls.disabledAlgorithms); BoringSSL still can, so the
        // old client is always the OpenSSL engine, against each server engine.
        ClientSSLOptions tls11 = MeshTlsOptions.client(ca.identity("api"))
                .setEnabledSecureTransportProtocols(Set.of("TLSv1.1"));
        tls11.getEnabledCipherSuites().clear();
        tls11.addEnabledCipherSuite("TLS_ECDHE_ECDSA_WITH_AES_128_CBC_SHA");
        Promise<Throwable> serverError = Promise.promise();
        startServer(vertx, serverEngine, web, serverError)
                .compose(server -> connect(vertx, TlsEngine.OPENSSL, tls11, server.port)
                        .compose(socket -> firstLine(socket)))
                .onComplete(ctx.failing(clientError -> serverError.future().onComplete(ctx.succeeding(e ->
                        ctx.verify(() -> {
                            assertTrue(e instanceof SSLHandshakeException || e.getCause() instanceof SSLHandshakeException
                                    || String.valueOf(e.getMessage()).toLowerCase().contains("protocol"), e.toString());
                            ctx.completeNow();
                        })))));
    }

    @ParameterizedTest
    @EnumSource(TlsEngine.class)
    @Timeout(value = 15, timeUnit = TimeUnit.SECONDS)
    void updateSslOptionsSwapsLeafWhileOpenConnectionKeepsFlowing(TlsEngine engine, Vertx vertx,
                                                                 VertxTestContext ctx) {
        TlsIdentity api = ca.identity("api");
        TlsIdentity renewed = ca.identity("web");
        assertFalse(renewed.serial().equals(web.serial()));
        startServer(vertx, engine, web).compose(server ->
                connect(vertx, engine, MeshTlsOptions.client(api), server.port).compose(first -> {
                    ctx.verify(() -> assertEquals(web.serial(), peerSerial(first)));
                    return firstLine(first)
                            .compose(line -> server.net.updateSSLOptions(MeshTlsOptions.server(renewed)))
                            .compose(updated -> {
                                ctx.verify(() -> assertTrue(updated, "options were applied"));
                                return echo(first, "still flowing\n");
                            })
                            .compose(echoed -> {
                                ctx.verify(() -> assertEquals("still flowing\n", echoed));
                                return connect(vertx, engine, MeshTlsOptions.client(api), server.port);
                            })
                            .compose(second -> {
                                ctx.verify(() -> assertEquals(renewed.serial(), peerSerial(second)));
                                return firstLine(second);
                            });
                }))
                .onComplete(ctx.succeeding(line -> ctx.verify(() -> {
                    assertEquals("ACCEPT " + api.spiffeId().uri(), line);
                    ctx.completeNow();
                })));
    }

    // ---- harness

    private record Server(NetServer net, int port) {
    }

    private Future<Server> startServer(Vertx vertx, TlsEngine engine, TlsIdentity identity) {
        return startServer(vertx, engine, identity, Promise.promise());
    }

    /** ACCEPT/REJECT line after the mesh check, then echo; handshake failures go to {@code handshakeError}. */
    private Future<Server> startServer(Vertx vertx, TlsEngine engine, TlsIdentity identity,
                                       Promise<Throwable> handshakeError) {
        NetServer server = vertx.createNetServer(MeshTlsOptions.serverOptions(new NetServerOptions(),
                MeshTlsOptions.server(identity), engine));
        server.exceptionHandler(handshakeError::tryComplete);
        server.connectHandler(socket -> {
            try {
                SpiffeId client = PeerIdentityVerifier.verifyClient(socket);
                socket.write("ACCEPT " + client.uri() + "\n");
                socket.handler(socket::write);
            } catch (PeerIdentityException e) {
                socket.write("REJECT " + e.reason() + "\n").onComplete(ar -> socket.close());
            }
        });
        return server.listen(0, "127.0.0.1").map(s -> new Server(s, s.actualPort()));
    }

    private Future<NetSocket> connect(Vertx vertx, TlsEngine engine, ClientSSLOptions ssl, int port) {
        NetClient client = vertx.createNetClient(MeshTlsOptions.clientOptions(new NetClientOptions(), engine));
        // Vert.x 5 closes an unreachable NetClient (and its sockets) when it is garbage collected: keep it
        CLIENTS.add(client);
        return client.connect(new ConnectOptions().setHost("127.0.0.1").setPort(port).setSsl(true)
                .setSslOptions(ssl));
    }

    /** The first line the server sends, or a failure if the socket closes first. */
    private static Future<String> firstLine(NetSocket socket) {
        Promise<String> line = Promise.promise();
        Buffer acc = Buffer.buffer();
        socket.handler(b -> {
            acc.appendBuffer(b);
            String s = acc.toString();
            int nl = s.indexOf('\n');
            if (nl >= 0) {
                line.tryComplete(s.substring(0, nl));
            }
        });
        socket.exceptionHandler(line::tryFail);
        socket.closeHandler(v -> line.tryFail("closed before a line, got '" + acc + "'"));
        return line.future();
    }

    private static Future<String> echo(NetSocket socket, String text) {
        Promise<String> back = Promise.promise();
        Buffer acc = Buffer.buffer();
        socket.handler(b -> {
            acc.appendBuffer(b);
            if (acc.length() >= text.length()) {
                back.tryComplete(acc.toString());
            }
        });
        socket.closeHandler(v -> back.tryFail("closed"));
        socket.write(text);
        return back.future();
    }

    private void expectHandshakeRejected(Vertx vertx, VertxTestContext ctx, TlsEngine engine, TlsIdentity server,
                                         ClientSSLOptions client) {
        expectHandshakeRejected(vertx, ctx, engine, server, client, "");
    }

    /** The server's handshake error (and its causes) must mention {@code expected}. */
    private void expectHandshakeRejected(Vertx vertx, VertxTestContext ctx, TlsEngine engine, TlsIdentity server,
                                         ClientSSLOptions client, String expected) {
        Promise<Throwable> serverError = Promise.promise();
        startServer(vertx, engine, server, serverError)
                .compose(s -> connect(vertx, engine, client, s.port).compose(socket -> firstLine(socket)))
                // the client must not get an ACCEPT line, and the server must have failed the handshake
                .onComplete(ctx.failing(clientSide -> serverError.future().onComplete(ctx.succeeding(e ->
                        ctx.verify(() -> {
                            assertNotNull(e);
                            assertTrue(causes(e).contains(expected), "expected '" + expected + "' in " + causes(e));
                            ctx.completeNow();
                        })))));
    }

    private void expectServerAnswer(Vertx vertx, VertxTestContext ctx, TlsEngine engine, TlsIdentity client,
                                    String answer) {
        startServer(vertx, engine, web)
                .compose(s -> connect(vertx, engine, MeshTlsOptions.client(client), s.port))
                .compose(socket -> firstLine(socket))
                .onComplete(ctx.succeeding(line -> ctx.verify(() -> {
                    assertEquals(answer, line);
                    ctx.completeNow();
                })));
    }

    /** A TlsIdentity-shaped client whose leaf has an arbitrary (or no) URI SAN, bypassing TlsIdentity.build. */
    private TlsIdentity identityWithUri(String uri) {
        TestCa.Leaf leaf = ca.leaf("api").uri(uri).issue();
        TlsIdentity template = ca.identity("api");
        return new TlsIdentity(List.of(leaf.certificate()), leaf.keyPair().getPrivate(), template.roots(),
                leaf.certPem(), leaf.keyPem(), template.rootPems(), template.spiffeId(), leaf.serial(),
                leaf.certificate().getNotAfter().toInstant(), ca.trustDomain(), template.rootIds(),
                template.rootSubjects());
    }

    private static String causes(Throwable e) {
        StringBuilder out = new StringBuilder();
        for (Throwable t = e; t != null; t = t.getCause()) {
            out.append(t).append(" <- ");
        }
        return out.toString();
    }

    private static String peerSerial(NetSocket socket) throws Exception {
        return CertificateIds.serial((X509Certificate) socket.peerCertificates().get(0));
    }

}
