package io.connectproxy.envoy;

import java.util.regex.Pattern;

/** Recognises IPv4 and IPv6 literals without any DNS lookup. */
final class IpLiteral {
    private static final Pattern V4 = Pattern.compile(
            "^((25[0-5]|2[0-4]\\d|1\\d\\d|[1-9]?\\d)\\.){3}(25[0-5]|2[0-4]\\d|1\\d\\d|[1-9]?\\d)$");
    private static final Pattern V6 = Pattern.compile("^[0-9A-Fa-f:.]+$");

    private IpLiteral() {
    }

    static boolean isIp(String s) {
        if (s == null || s.isEmpty()) {
            return false;
        }
        if (V4.matcher(s).matches()) {
            return true;
        }
        return s.contains(":") && V6.matcher(s).matches();
    }
}
