package io.connectproxy.envoy;

import io.connectproxy.config.HostPort;
import java.util.Locale;

/**
 * Where Envoy reaches the agent's gRPC (xDS) server, parsed the way Consul 1.10 parses {@code -grpc-addr}:
 * {@code host:port}, {@code http(s)://host:port} or {@code unix:///path}. TLS is used when the gRPC address is
 * {@code https://}, else when {@code CONSUL_HTTP_SSL} says so, else when the HTTP API address is
 * {@code https://}. The host is resolved to an IP separately, because Envoy's STATIC cluster needs one.
 */
record GrpcTarget(String host, int port, String socketPath, boolean tls) {

    static GrpcTarget parse(String addr, String source, String httpSslEnv, String httpAddr) {
        boolean tls = useTls(addr, httpSslEnv, httpAddr);
        if (addr.startsWith("unix://")) {
            String path = addr.substring("unix://".length());
            if (path.isEmpty()) {
                throw new EnvoyException(EnvoyException.Reason.USAGE, source + ": unix socket address needs a path "
                        + "(unix:///path/to.sock), got \"" + addr + "\"");
            }
            return new GrpcTarget("", 0, path, tls);
        }
        String hostPort = stripPrefix(stripPrefix(addr, "http://"), "https://");
        HostPort hp = GoAddress.split(hostPort, source);
        return new GrpcTarget(hp.host(), hp.port(), "", tls);
    }

    static boolean useTls(String addr, String httpSslEnv, String httpAddr) {
        if (addr.toLowerCase(Locale.ROOT).startsWith("https://")) {
            return true;
        }
        if (!httpSslEnv.isEmpty()) {
            // Go's strconv.ParseBool; an unparseable value means plain, and the HTTP address is not looked at
            return switch (httpSslEnv) {
                case "1", "t", "T", "true", "TRUE", "True" -> true;
                default -> false;
            };
        }
        return httpAddr != null && httpAddr.toLowerCase(Locale.ROOT).startsWith("https://");
    }

    boolean isUnixSocket() {
        return !socketPath.isEmpty();
    }

    private static String stripPrefix(String s, String prefix) {
        return s.startsWith(prefix) ? s.substring(prefix.length()) : s;
    }
}
