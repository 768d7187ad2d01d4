package io.connectproxy.identity;

import java.util.logging.Logger;

import io.connectproxy.config.KeyExchangeGroups;
import io.vertx.core.net.OpenSSLEngineOptions;
import io.vertx.core.net.SSLEngineOptions;

/**
 * Which TLS implementation the listeners and dialers use: BoringSSL through netty-tcnative when it loads on this
 * platform (faster handshakes, less garbage), otherwise the JDK's. Set the result with
 * {@code NetServerOptions/NetClientOptions.setSslEngineOptions(engine.options())} and log {@link #name()} at startup.
 */
public enum TlsEngine {
    OPENSSL("openssl (BoringSSL, netty-tcnative)"),
    JDK("jdk (SunJSSE)");

    private static final Logger LOG = Logger.getLogger(TlsEngine.class.getName());

    private final String description;

    TlsEngine(String description) {
        this.description = description;
    }

    /**
     * Runs the OpenSSL availability check — extracting and linking netty-tcnative's native library and OpenSSL's
     * self-test, 100–200 ms at start — on a daemon thread now, so that the first {@link #preferred()} call, made on
     * an event loop once the identity arrives, finds it done instead of blocking that loop. Start-up is otherwise
     * one sequential chain; this part overlaps with the admin listener and fetching the config from the agent.
     */
    public static void probeInBackground() {
        Thread t = new Thread(OpenSSLEngineOptions::isAvailable, "connect-proxy-openssl-probe");
        t.setDaemon(true);
        t.start();
    }

    /** OpenSSL if it is available, else the JDK engine. */
    public static TlsEngine preferred() {
        if (OpenSSLEngineOptions.isAvailable()) {
            return OPENSSL;
        }
        LOG.fine("OpenSSL engine not available, using the JDK TLS engine");
        return JDK;
    }

    /**
     * The proxy config key that picks the public listener's engine. Read when the listener is created: a change
     * takes effect at the next restart (a reload that changes it is logged at WARN with this key).
     */
    public static final String SETTING_KEY = "tls_engine";
    /** The {@code tls_engine} value that picks the JDK engine for the public listener. */
    public static final String SETTING_JDK = "jdk";
    /** The {@code tls_engine} value that picks OpenSSL (the default when available). */
    public static final String SETTING_OPENSSL = "openssl";

    /**
     * The engine for the public (inbound) listener, from the proxy config's {@code tls_engine} (null: default).
     * <p>
     * Default OpenSSL: every byte of every inbound connection is decrypted here, and on this machine the JDK engine
     * cut throughput through two sidecars from about 3.6 to 1.4 Gbit/s (bench/run.sh, 1 stream). Half-close between
     * two of these sidecars works with either engine: it crosses the mesh as a TCP FIN (see net.HalfClose). A
     * client that is not this proxy and half-closes with a TLS 1.3 close_notify is another matter: Netty's OpenSSL
     * engine shuts both directions when the peer's close_notify arrives (ReferenceCountedOpenSslEngine on
     * SSL_RECEIVED_SHUTDOWN), so it gets no answer; the JDK engine keeps sending after it (BoringSSL clients), at
     * about 1.5x the handshake CPU. Under TLS 1.2 no engine can half-close (the protocol answers close_notify with
     * close_notify).
     */
    public static TlsEngine forPublicListener(String setting) {
        if (SETTING_JDK.equals(setting)) {
            return JDK;
        }
        return preferred();
    }

    public boolean isAvailable() {
        return this == JDK || OpenSSLEngineOptions.isAvailable();
    }

    /** A fresh options object with the default key exchange groups and no resumption count (tests). */
    public SSLEngineOptions options() {
        return options(KeyExchangeGroups.DEFAULT, null);
    }

    /**
     * A fresh options object (Vert.x options are mutable, so none is shared) whose TLS contexts offer {@code groups}
     * and, on a server, issue session tickets whose resumptions {@code resumed} counts (null: not counted).
     */
    public SSLEngineOptions options(KeyExchangeGroups groups, ResumedHandshakes resumed) {
        if (!isAvailable()) {
            throw new IllegalStateException("TLS engine " + this + " is not available here");
        }
        return MeshEngineOptions.of(this, groups, resumed);
    }

    /** For the startup log line. */
    public String description() {
        return description;
    }
}
