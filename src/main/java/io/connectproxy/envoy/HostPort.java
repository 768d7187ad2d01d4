package io.connectproxy.envoy;

/** Go's {@code net.SplitHostPort} for {@code host:port} and {@code [v6]:port}, with errors naming the source. */
record HostPort(String host, int port) {

    static HostPort split(String value, String source) {
        String host;
        String portText;
        if (value.startsWith("[")) {
            int close = value.indexOf(']');
            if (close < 0 || close + 1 >= value.length() || value.charAt(close + 1) != ':') {
                throw bad(source, value);
            }
            host = value.substring(1, close);
            portText = value.substring(close + 2);
        } else {
            int colon = value.lastIndexOf(':');
            if (colon < 0 || value.indexOf(':') != colon) {
                throw bad(source, value);
            }
            host = value.substring(0, colon);
            portText = value.substring(colon + 1);
        }
        return new HostPort(host, port(portText, source));
    }

    static int port(String text, String source) {
        try {
            int p = Integer.parseInt(text);
            if (p < 0 || p > 65535) {
                throw new NumberFormatException();
            }
            return p;
        } catch (NumberFormatException e) {
            throw new EnvoyException(EnvoyException.Reason.USAGE, source + ": port must be a number 0-65535, got \""
                    + text + "\"");
        }
    }

    private static EnvoyException bad(String source, String value) {
        return new EnvoyException(EnvoyException.Reason.USAGE, source + ": expected host:port, got \"" + value + "\"");
    }
}
