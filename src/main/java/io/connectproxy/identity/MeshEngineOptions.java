package io.connectproxy.identity;

import io.connectproxy.config.KeyExchangeGroups;
import io.netty.handler.ssl.SslProvider;
import io.vertx.core.net.JdkSSLEngineOptions;
import io.vertx.core.net.OpenSSLEngineOptions;
import io.vertx.core.net.SSLEngineOptions;
import io.vertx.core.spi.tls.SslContextFactory;

/**
 * Vert.x engine options whose TLS contexts come from {@link MeshSslContextFactory}: the mesh's key exchange groups,
 * and session tickets on the public listener. Vert.x copies engine options, so each copy keeps the settings.
 */
final class MeshEngineOptions {
    private MeshEngineOptions() {
    }

    static SSLEngineOptions of(TlsEngine engine, KeyExchangeGroups groups, ResumedHandshakes resumed) {
        return engine == TlsEngine.OPENSSL ? new OpenSsl(groups, resumed) : new Jdk(groups, resumed);
    }

    static final class OpenSsl extends OpenSSLEngineOptions {
        private final KeyExchangeGroups groups;
        private final ResumedHandshakes resumed;

        OpenSsl(KeyExchangeGroups groups, ResumedHandshakes resumed) {
            this.groups = groups;
            this.resumed = resumed;
        }

        @Override
        public OpenSSLEngineOptions copy() {
            OpenSsl copy = new OpenSsl(groups, resumed);
            copy.setSessionCacheEnabled(isSessionCacheEnabled());
            copy.setUseWorkerThread(getUseWorkerThread());
            return copy;
        }

        @Override
        public SslContextFactory sslContextFactory() {
            return new MeshSslContextFactory(SslProvider.OPENSSL, groups, resumed);
        }
    }

    static final class Jdk extends JdkSSLEngineOptions {
        private final KeyExchangeGroups groups;
        private final ResumedHandshakes resumed;

        Jdk(KeyExchangeGroups groups, ResumedHandshakes resumed) {
            this.groups = groups;
            this.resumed = resumed;
        }

        @Override
        public JdkSSLEngineOptions copy() {
            Jdk copy = new Jdk(groups, resumed);
            copy.setUseWorkerThread(getUseWorkerThread());
            return copy;
        }

        @Override
        public SslContextFactory sslContextFactory() {
            return new MeshSslContextFactory(SslProvider.JDK, groups, resumed);
        }
    }
}
