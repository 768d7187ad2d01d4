package io.connectproxy.config;

/**
 * A TCP address as users write it: {@code host:port}, {@code :port} (host defaulted) or {@code [v6]:port}. The one
 * parser of such addresses: {@link #parse} for the proxy's own flags and fields (a host is always filled in, port
 * 1-65535), {@link #splitGo} for the {@code envoy} mode, which must accept what Consul's Go {@code
 * net.SplitHostPort} accepts (an empty host, port 0).
 */
public record HostPort(String host, int port) {

    public HostPort {
        if (host == null) {
            throw new IllegalArgumentException("host must not be null");
        }
        if (port < 0 || port > 65535) {
            throw new IllegalArgumentException("port out of range: " + port);
        }
    }

    /**
     * @param value       what the user wrote
     * @param defaultHost used for {@code :port}
     * @param field       the flag or field path named in errors
     * @throws ConfigException when the value has no port or the port is not 1-65535
     */
    public static HostPort parse(String value, String defaultHost, String field) {
        if (value == null || value.isBlank()) {
            throw new ConfigException(field, "must be host:port, got " + JsonFields.show(value));
        }
        String v = value.trim();
        int colon = v.lastIndexOf(':');
        if (colon < 0) {
            throw new ConfigException(field, "must be host:port, got " + JsonFields.show(value));
        }
        String host = v.substring(0, colon);
        String portText = v.substring(colon + 1);
        if (host.startsWith("[") && host.endsWith("]")) {
            host = host.substring(1, host.length() - 1);
        } else if (host.contains(":")) {
            throw new ConfigException(field, "IPv6 addresses need brackets ([::1]:port), got " + JsonFields.show(value));
        }
        if (host.isEmpty()) {
            if (defaultHost == null) {
                throw new ConfigException(field, "must be host:port, got " + JsonFields.show(value));
            }
            host = defaultHost;
        }
        int port = parsePort(portText, field, value);
        return new HostPort(host, port);
    }

    /**
     * Go's {@code net.SplitHostPort}: {@code host:port} or {@code [v6]:port}, the host may be empty, the port is
     * 0-65535; a bare IPv6 address without brackets is an error, as in Go.
     *
     * @throws ConfigException naming {@code field} and the value
     */
    public static HostPort splitGo(String value, String field) {
        String host;
        String portText;
        if (value.startsWith("[")) {
            int close = value.indexOf(']');
            if (close < 0 || close + 1 >= value.length() || value.charAt(close + 1) != ':') {
                throw new ConfigException(field, "expected host:port, got \"" + value + "\"");
            }
            host = value.substring(1, close);
            portText = value.substring(close + 2);
        } else {
            int colon = value.lastIndexOf(':');
            if (colon < 0 || value.indexOf(':') != colon) {
                throw new ConfigException(field, "expected host:port, got \"" + value + "\"");
            }
            host = value.substring(0, colon);
            portText = value.substring(colon + 1);
        }
        return new HostPort(host, goPort(portText, field));
    }

    /** A port as Go's tools take it: 0-65535. */
    public static int goPort(String text, String field) {
        try {
            int p = Integer.parseInt(text);
            if (p >= 0 && p <= 65535) {
                return p;
            }
        } catch (NumberFormatException e) {
            // reported below with the value
        }
        throw new ConfigException(field, "port must be a number 0-65535, got \"" + text + "\"");
    }

    static int parsePort(String text, String field, String whole) {
        int port;
        try {
            port = Integer.parseInt(text);
        } catch (NumberFormatException e) {
            throw new ConfigException(field, "port must be a number 1-65535, got " + JsonFields.show(whole));
        }
        if (port < 1 || port > 65535) {
            throw new ConfigException(field, "port must be 1-65535, got " + port);
        }
        return port;
    }

    /** {@code host:port}, with brackets around IPv6 hosts: usable as a listener key and in logs. */
    @Override
    public String toString() {
        return format(host, port);
    }

    static String format(String host, int port) {
        return (host.contains(":") ? "[" + host + "]" : host) + ":" + port;
    }
}
