package io.connectproxy.cli;

import io.connectproxy.identity.TlsEngine;
import io.connectproxy.runtime.BuildInfo;
import io.netty.handler.ssl.OpenSsl;
import io.vertx.core.transport.Transport;

import java.io.PrintStream;
import java.util.List;
import java.util.Map;

/**
 * {@code version} (also {@code -version}): a few lines in the style of {@code consul version} — the build, the
 * JVM, and what this host gives the data plane (native transport, TLS engines), so a support request can quote
 * them. Takes no flags; exit 0.
 */
final class VersionMode implements Mode {

    @Override
    public int run(List<String> args, Map<String, String> env, PrintStream out, PrintStream err) {
        if (!args.isEmpty()) {
            err.println("version: takes no arguments, got " + args);
            return 2;
        }
        BuildInfo build = BuildInfo.current();
        out.println("connect-proxy v" + build.version());
        out.println("Revision " + build.revision());
        out.println("Java " + BuildInfo.java());
        out.println("Native transport: " + nativeTransport());
        out.println("TLS engine: " + tlsEngines());
        return 0;
    }

    /** What Vert.x picks with {@code preferNativeTransport}, as the proxy creates it. */
    static String nativeTransport() {
        Transport t = Transport.nativeTransport();
        if (t != null && t.available()) {
            return t.name().toLowerCase();
        }
        Throwable cause = t != null ? t.unavailabilityCause() : Transport.EPOLL.unavailabilityCause();
        return "unavailable, NIO is used" + (cause == null ? "" : " (" + cause + ")");
    }

    static String tlsEngines() {
        if (TlsEngine.OPENSSL.isAvailable()) {
            return TlsEngine.OPENSSL.description() + "; " + TlsEngine.JDK.description()
                    + " also available (tls_engine: jdk)";
        }
        Throwable cause = OpenSsl.unavailabilityCause();
        return TlsEngine.JDK.description() + "; BoringSSL unavailable" + (cause == null ? "" : " (" + cause + ")");
    }
}
