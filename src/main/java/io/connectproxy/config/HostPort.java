package io.connectproxy.config;

/**
 * A TCP address as users write it: {@code host:port}, {@code :port} (host defaulted) or {@code [v6]:port}.
 */
public record HostPort(String host, int port) {

    public HostPort {
        if (host == null || host.isEmpty()) {
            throw new IllegalArgumentException("host must not be empty");
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
