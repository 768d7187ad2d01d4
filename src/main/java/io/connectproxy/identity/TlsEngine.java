package io.connectproxy.identity;

import java.util.logging.Logger;

import io.vertx.core.net.JdkSSLEngineOptions;
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

    /** OpenSSL if it is available, else the JDK engine. */
    public static TlsEngine preferred() {
        if (OpenSSLEngineOptions.isAvailable()) {
            return OPENSSL;
        }
        LOG.fine("OpenSSL engine not available, using the JDK TLS engine");
        return JDK;
    }

    /**
     * The engine for the public (inbound) listener: the JDK's, whatever is available. A mesh client that
     * half-closes (TLS 1.3: close_notify then FIN, and keeps reading for the answer) must still get the app's
     * answer, and Netty's OpenSSL engine cannot do that: on a peer's close_notify it closes its own sending side
     * too (ReferenceCountedOpenSslEngine shuts both directions on SSL_RECEIVED_SHUTDOWN) and answers with its own
     * close_notify, so everything the app says afterwards is dropped. The JDK engine keeps sending after a TLS 1.3
     * close_notify. The price, measured on the inbound path with P-256 leaves: roughly 1.5x the server CPU per
     * handshake and about 0.7 KiB more heap per connection still in its handshake. Under TLS 1.2 a half-close cannot
     * work with any engine (the protocol requires answering close_notify with close_notify).
     */
    public static TlsEngine forPublicListener() {
        return JDK;
    }

    public boolean isAvailable() {
        return this == JDK || OpenSSLEngineOptions.isAvailable();
    }

    /** A fresh options object (Vert.x options are mutable, so none is shared). */
    public SSLEngineOptions options() {
        if (!isAvailable()) {
            throw new IllegalStateException("TLS engine " + this + " is not available here");
        }
        return this == OPENSSL ? new OpenSSLEngineOptions() : new JdkSSLEngineOptions();
    }

    /** For the startup log line. */
    public String description() {
        return description;
    }
}
