package io.connectproxy.devagent;

import java.net.URI;
import java.net.URISyntaxException;
import java.util.regex.Matcher;
import java.util.regex.Pattern;

/** spiffe://&lt;host&gt;/ns/&lt;ns&gt;/dc/&lt;dc&gt;/svc/&lt;service&gt;, the only identity authorize accepts. */
record SpiffeServiceId(String host, String namespace, String datacenter, String service) {

    private static final Pattern SERVICE_PATH = Pattern.compile("^/ns/([^/]+)/dc/([^/]+)/svc/([^/]+)$");
    private static final Pattern AGENT_PATH = Pattern.compile("^/agent/client/dc/([^/]+)/id/([^/]+)$");

    /** Parses like Consul's connect.ParseCertURI; 400 with Consul's texts for non-SPIFFE or non-service ids. */
    static SpiffeServiceId parse(String uriText) {
        URI uri;
        try {
            uri = new URI(uriText);
        } catch (URISyntaxException e) {
            throw ApiException.badRequest("ClientCertURI not a valid Connect identifier");
        }
        if (!"spiffe".equals(uri.getScheme()) || uri.getHost() == null) {
            throw ApiException.badRequest("ClientCertURI not a valid Connect identifier");
        }
        String path = uri.getRawPath() == null ? "" : uri.getRawPath();
        Matcher m = SERVICE_PATH.matcher(path);
        if (m.matches()) {
            return new SpiffeServiceId(uri.getHost(), decode(m.group(1)), decode(m.group(2)), decode(m.group(3)));
        }
        if (AGENT_PATH.matcher(path).matches() || path.isEmpty()) {
            throw ApiException.badRequest("ClientCertURI not a valid Service identifier");
        }
        throw ApiException.badRequest("ClientCertURI not a valid Connect identifier");
    }

    private static String decode(String part) {
        return java.net.URLDecoder.decode(part, java.nio.charset.StandardCharsets.UTF_8);
    }
}
