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
