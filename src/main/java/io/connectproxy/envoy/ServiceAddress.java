package io.connectproxy.envoy;

/**
 * A gateway address from {@code -address} or {@code -wan-address}: an IP with an optional port, the port
 * defaulting to 8443 as in Consul. {@link #UNSET} stands for a flag that was not given.
 */
public record ServiceAddress(String address, int port) {

    public static final int DEFAULT_GATEWAY_PORT = 8443;
    public static final ServiceAddress UNSET = new ServiceAddress("", 0);

    /**
     * @param flag the flag name, used in errors
     */
    public static ServiceAddress parse(String raw, String flag) {
        String value = raw.trim();
        String host;
        String portText = null;
        if (value.startsWith("[")) {
            int close = value.indexOf(']');
            if (close < 0) {
                throw new EnvoyException(EnvoyException.Reason.USAGE, flag + ": cannot parse address \"" + raw + "\"");
            }
            host = value.substring(1, close);
            String rest = value.substring(close + 1);
            if (rest.startsWith(":")) {
                portText = rest.substring(1);
            } else if (!rest.isEmpty()) {
                throw new EnvoyException(EnvoyException.Reason.USAGE, flag + ": cannot parse address \"" + raw + "\"");
            }
        } else if (value.indexOf(':') >= 0 && value.indexOf(':') == value.lastIndexOf(':')) {
            host = value.substring(0, value.indexOf(':'));
            portText = value.substring(value.indexOf(':') + 1);
        } else {
            host = value;
        }
        if (portText == null && !IpLiteral.isIp(host)) {
            throw new EnvoyException(EnvoyException.Reason.USAGE, flag + ": \"" + raw + "\" is not an IP address");
        }
        int port = DEFAULT_GATEWAY_PORT;
        if (portText != null) {
            try {
                port = Integer.parseInt(portText);
            } catch (NumberFormatException e) {
                throw new EnvoyException(EnvoyException.Reason.USAGE, flag + ": bad port \"" + portText + "\" in \"" + raw + "\"");
            }
            if (port < 0 || port > 65535) {
                throw new EnvoyException(EnvoyException.Reason.USAGE, flag + ": port must be 0-65535, got " + port);
            }
        }
        return new ServiceAddress(host, port);
    }

    public boolean isSet() {
        return !(address.isEmpty() && port == 0);
    }

    /** The address to register: an unset flag means {@code :8443}, as Consul's flag value does. */
    public ServiceAddress orDefault() {
        return isSet() ? this : new ServiceAddress("", DEFAULT_GATEWAY_PORT);
    }

    /** {@code host:port} the way Consul prints it ({@code :8443} when unset); used for the ready listener. */
    public String hostPort() {
        ServiceAddress a = orDefault();
        return a.address + ":" + a.port;
    }
}
