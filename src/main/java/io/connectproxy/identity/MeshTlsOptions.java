package io.connectproxy.identity;

import java.time.Duration;
import java.util.List;
import java.util.Set;
import java.util.concurrent.TimeUnit;

import io.connectproxy.config.KeyExchangeGroups;
import io.vertx.core.buffer.Buffer;
import io.vertx.core.http.ClientAuth;
import io.vertx.core.net.ClientSSLOptions;
import io.vertx.core.net.NetClientOptions;
import io.vertx.core.net.NetServerOptions;
import io.vertx.core.net.PemKeyCertOptions;
import io.vertx.core.net.PemTrustOptions;
import io.vertx.core.net.SSLOptions;
import io.vertx.core.net.ServerSSLOptions;

/**
 * The Vert.x TLS options of the mesh, from a {@link TlsIdentity}: what Consul's built-in proxy offers (TLS 1.2 and
 * 1.3, ECDHE with AES-GCM or ChaCha20-Poly1305, no ALPN), mutual authentication against the agent's roots.
 * Certificates and keys stay in memory; nothing is written to disk.
 */
public final class MeshTlsOptions {

    /** TLS 1.0/1.1 are refused; 1.2 stays for Envoy and older Consul proxies. */
    public static final Set<String> PROTOCOLS = Set.of("TLSv1.2", "TLSv1.3");

    /**
     * IANA/JDK names. Netty translates them to OpenSSL names for the OpenSSL engine (its CipherSuiteConverter),
     * so one list serves both engines; an OpenSSL-style name ("ECDHE-ECDSA-AES128-GCM-SHA256") would be rejected
     * by the JDK engine. BoringSSL does not let TLS 1.3 suites be chosen, but its fixed set is exactly the three
     * below.
     */
    public static final List<String> CIPHER_SUITES = List.of(
            // TLS 1.3
            "TLS_AES_128_GCM_SHA256",
            "TLS_AES_256_GCM_SHA384",
            "TLS_CHACHA20_POLY1305_SHA256",
            // TLS 1.2, ECDSA certificates (Consul's default) first
            "TLS_ECDHE_ECDSA_WITH_AES_128_GCM_SHA256",
            "TLS_ECDHE_ECDSA_WITH_AES_256_GCM_SHA384",
            "TLS_ECDHE_ECDSA_WITH_CHACHA20_POLY1305_SHA256",
            "TLS_ECDHE_RSA_WITH_AES_128_GCM_SHA256",
            "TLS_ECDHE_RSA_WITH_AES_256_GCM_SHA384",
            "TLS_ECDHE_RSA_WITH_CHACHA20_POLY1305_SHA256");

    public static final Duration DEFAULT_HANDSHAKE_TIMEOUT = Duration.ofSeconds(10);

    private MeshTlsOptions() {
    }

    /** Public listener: our leaf, client certificate required and chained to the roots. */
    public static ServerSSLOptions server(TlsIdentity identity) {
        return server(identity, DEFAULT_HANDSHAKE_TIMEOUT);
    }

    public static ServerSSLOptions server(TlsIdentity identity, Duration handshakeTimeout) {
        ServerSSLOptions options = new ServerSSLOptions()
                .setClientAuth(ClientAuth.REQUIRED)
                .setSni(false);
        apply(options, identity, handshakeTimeout);
        return options;
    }

    /**
     * Upstream dials: our leaf as client certificate, server chain checked against the roots. Host name
     * verification is off because mesh servers are named by SPIFFE id, not DNS: the caller checks the peer with
     * {@link PeerIdentityVerifier#verifyServer} before forwarding a byte.
     */
    public static ClientSSLOptions client(TlsIdentity identity) {
        return client(identity, DEFAULT_HANDSHAKE_TIMEOUT);
    }

    public static ClientSSLOptions client(TlsIdentity identity, Duration handshakeTimeout) {
        ClientSSLOptions options = new ClientSSLOptions()
                .setHostnameVerificationAlgorithm("")
                .setTrustAll(false);
        apply(options, identity, handshakeTimeout);
        return options;
    }

    /**
     * Server options carrying both the TLS settings and the engine. Vert.x 5.2 takes the engine only from
     * NetServerOptions ({@code createNetServer(TcpServerConfig, ServerSSLOptions)} has no engine and falls back
     * to the default), so {@code ssl}'s settings are copied onto {@code base}. Later rotations go through
     * {@code NetServer.updateSSLOptions(server(identity))}, which keeps the engine.
     */
    public static NetServerOptions serverOptions(NetServerOptions base, ServerSSLOptions ssl, TlsEngine engine) {
        NetServerOptions out = new NetServerOptions(base)
                .setSsl(true)
                .setSslEngineOptions(engine.options())
                .setClientAuth(ssl.getClientAuth())
                .setSni(ssl.isSni());
        out.setKeyCertOptions(ssl.getKeyCertOptions())
                .setTrustOptions(ssl.getTrustOptions())
                .setUseAlpn(ssl.isUseAlpn())
                .setEnabledSecureTransportProtocols(ssl.getEnabledSecureTransportProtocols())
                .setSslHandshakeTimeout(ssl.getSslHandshakeTimeout())
                .setSslHandshakeTimeoutUnit(ssl.getSslHandshakeTimeoutUnit());
        ssl.getEnabledCipherSuites().forEach(out::addEnabledCipherSuite);
        return out;
    }

    /** Client options with the engine; pass {@link #client} per dial with {@code ConnectOptions.setSslOptions}. */
    public static NetClientOptions clientOptions(NetClientOptions base, TlsEngine engine) {
        return clientOptions(base, engine, KeyExchangeGroups.DEFAULT);
    }

    /** Client options with the engine and the key exchange groups the dials offer. */
    public static NetClientOptions clientOptions(NetClientOptions base, TlsEngine engine, KeyExchangeGroups groups) {
        return new NetClientOptions(base).setSslEngineOptions(engine.options(groups, null));
    }

    private static void apply(SSLOptions options, TlsIdentity identity, Duration handshakeTimeout) {
        options.setKeyCertOptions(new PemKeyCertOptions()
                        .addKeyValue(Buffer.buffer(identity.privateKeyPem()))
                        .addCertValue(Buffer.buffer(identity.chainPem())))
                .setTrustOptions(trust(identity))
                .setUseAlpn(false)
                .setEnabledSecureTransportProtocols(PROTOCOLS)
                .setSslHandshakeTimeout(handshakeTimeout.toMillis())
                .setSslHandshakeTimeoutUnit(TimeUnit.MILLISECONDS);
        CIPHER_SUITES.forEach(options::addEnabledCipherSuite);
    }

    private static PemTrustOptions trust(TlsIdentity identity) {
        PemTrustOptions trust = new PemTrustOptions();
        identity.rootPems().forEach(pem -> trust.addCertValue(Buffer.buffer(pem)));
        return trust;
    }
}
