package io.connectproxy.consul;

import io.vertx.core.net.SocketAddress;

import java.net.URI;

/**
 * A parsed agent address: {@code host:port}, {@code http://host:port}, {@code https://host:port} or
 * {@code unix:///path/to.sock}, the forms {@code CONSUL_HTTP_ADDR} takes.
 */
public record AgentAddress(boolean https, String host, int port, String unixSocketPath) {

    /**
     * @param raw      the address as the user wrote it
     * @param sslFlag  {@code CONSUL_HTTP_SSL=true}: https when no scheme is given
     * @param source   the flag or variable the value came from, named in errors
     * @throws Invalid naming {@code source}
     */
    public static AgentAddress parse(String raw, boolean sslFlag, String source) {
        if (raw == null || raw.isBlank()) {
            throw new Invalid(source, "must not be empty");
        }
        String value = raw.trim();
        if (value.startsWith("unix://")) {
            String path = value.substring("unix://".length());
            if (path.isEmpty() || !path.startsWith("/")) {
                throw new Invalid(source, "unix socket address needs an absolute path "
                        + "(unix:///path/to.sock), got " + raw);
            }
            return new AgentAddress(false, "localhost", 0, path);
        }
        boolean https = sslFlag;
        String hostPort = value;
        if (value.startsWith("http://")) {
            https = false;
            hostPort = value.substring("http://".length());
        } else if (value.startsWith("https://")) {
            https = true;
            hostPort = value.substring("https://".length());
        } else if (value.contains("://")) {
            throw new Invalid(source, "unsupported scheme in " + raw
                    + " (use host:port, http://, https:// or unix://)");
        }
        if (hostPort.endsWith("/")) {
            hostPort = hostPort.substring(0, hostPort.length() - 1);
        }
        try {
            URI uri = new URI("http://" + hostPort);
            if (uri.getHost() == null || (uri.getPath() != null && !uri.getPath().isEmpty())) {
                throw new Invalid(source, "expected host:port, got " + raw);
            }
            int port = uri.getPort() == -1 ? (https ? 8501 : 8500) : uri.getPort();
            String host = uri.getHost();
            if (host.startsWith("[") && host.endsWith("]")) {
                host = host.substring(1, host.length() - 1);
            }
            return new AgentAddress(https, host, port, null);
        } catch (java.net.URISyntaxException e) {
            throw new Invalid(source, "expected host:port, got " + raw);
        }
    }

    /**
     * An address that cannot be used. The message is {@code source: problem}; {@link #problem()} is the problem
     * alone, so a caller that names the field its own way (the config's {@code ConfigException}) need not cut the
     * message apart.
     */
    public static final class Invalid extends IllegalArgumentException {
        private final String source;
        private final String problem;

        Invalid(String source, String problem) {
            super(source + ": " + problem);
            this.source = source;
            this.problem = problem;
        }

        public String source() {
            return source;
        }

        public String problem() {
            return problem;
        }
    }

    public boolean isUnixSocket() {
        return unixSocketPath != null;
    }

    public SocketAddress socketAddress() {
        return isUnixSocket() ? SocketAddress.domainSocketAddress(unixSocketPath)
                : SocketAddress.inetSocketAddress(port, host);
    }

    @Override
    public String toString() {
        if (isUnixSocket()) {
            return "unix://" + unixSocketPath;
        }
        String h = host.contains(":") ? "[" + host + "]" : host;
        return (https ? "https://" : "http://") + h + ":" + port;
    }
}
