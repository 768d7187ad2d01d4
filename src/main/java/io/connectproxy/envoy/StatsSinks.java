package io.connectproxy.envoy;

import io.vertx.core.json.JsonObject;

import java.net.URI;
import java.net.URISyntaxException;
import java.util.Map;
import java.util.Set;

/**
 * Turns {@code envoy_statsd_url} / {@code envoy_dogstatsd_url} into stats sinks. A URL is {@code udp://ip:port},
 * {@code unix:///path} (dogstatsd), or {@code $VAR} naming an environment variable that holds one; inside a URL
 * only {@code ${HOST_IP}} is expanded (Consul leaves other variables in place).
 */
final class StatsSinks {
    static final String STATSD = "envoy.stat_sinks.statsd";
    static final String DOGSTATSD = "envoy.stat_sinks.dog_statsd";
    private static final Set<String> EXPANDABLE = Set.of("HOST_IP");

    private StatsSinks() {
    }

    static JsonObject sink(String key, String sinkName, String typeUrl, String rawUrl, Map<String, String> env) {
        String url = expand(rawUrl, env);
        URI uri;
        try {
            uri = new URI(url);
        } catch (URISyntaxException e) {
            throw bad(key, "failed to parse " + sinkName + " sink address \"" + url + "\"");
        }
        String scheme = uri.getScheme() == null ? "" : uri.getScheme();
        JsonObject address;
        switch (scheme) {
            case "udp" -> {
                String host = uri.getHost();
                if (host == null || uri.getPort() < 0) {
                    throw bad(key, "expected udp://<ip>:<port>, got \"" + url + "\"");
                }
                if (host.startsWith("[") && host.endsWith("]")) {
                    host = host.substring(1, host.length() - 1);
                }
                address = new JsonObject().put("socket_address",
                        new JsonObject().put("address", host).put("port_value", uri.getPort()));
            }
            case "unix" -> {
                if (uri.getPath() == null || uri.getPath().isEmpty()) {
                    throw bad(key, "expected unix:///path/to.sock, got \"" + url + "\"");
                }
                address = new JsonObject().put("pipe", new JsonObject().put("path", uri.getPath()));
            }
            default -> throw bad(key, "unsupported address protocol \"" + scheme + "\" for " + sinkName
                    + " sink (use udp:// or unix://), got \"" + url + "\"");
        }
        return new JsonObject()
                .put("name", sinkName)
                .put("typedConfig", new JsonObject().put("@type", typeUrl).put("address", address));
    }

    /** Go's {@code os.Getenv} for a whole {@code $VAR} value, else {@code os.Expand} with only HOST_IP allowed. */
    static String expand(String value, Map<String, String> env) {
        if (value.length() > 2 && value.charAt(0) == '$') {
            return env.getOrDefault(value.substring(1), "");
        }
        StringBuilder out = new StringBuilder();
        int i = 0;
        while (i < value.length()) {
            char c = value.charAt(i);
            if (c != '$' || i + 1 >= value.length()) {
                out.append(c);
                i++;
                continue;
            }
            String name;
            int next;
            if (value.charAt(i + 1) == '{') {
                int close = value.indexOf('}', i + 2);
                if (close < 0) {
                    // Go eats a "${" that is never closed
                    i += 2;
                    continue;
                }
                name = value.substring(i + 2, close);
                next = close + 1;
                if (name.isEmpty()) {
                    i = next;
                    continue;
                }
            } else {
                int j = i + 1;
                while (j < value.length() && (Character.isLetterOrDigit(value.charAt(j)) || value.charAt(j) == '_')) {
                    j++;
                }
                if (j == i + 1) {
                    out.append(c);
                    i++;
                    continue;
                }
                name = value.substring(i + 1, j);
                next = j;
            }
            out.append(EXPANDABLE.contains(name) ? env.getOrDefault(name, "") : "${" + name + "}");
            i = next;
        }
        return out.toString();
    }

    private static EnvoyException bad(String key, String problem) {
        return new EnvoyException(EnvoyException.Reason.CONFIG, "Proxy.Config." + key + ": " + problem);
    }
}
