package io.connectproxy.identity;

import java.net.URI;
import java.net.URISyntaxException;
import java.util.Map;
import java.util.Objects;
import java.util.concurrent.ConcurrentHashMap;

/**
 * A Consul service identity, {@code spiffe://<trustDomain>/ns/<namespace>/dc/<datacenter>/svc/<service>}.
 * Other SPIFFE ids Consul issues (agent ids, the bare trust domain on roots) are deliberately not accepted: only
 * services may talk through the mesh.
 */
public record SpiffeId(String trustDomain, String namespace, String datacenter, String service) {

    public static final String SCHEME = "spiffe";
    public static final String DEFAULT_NAMESPACE = "default";

    public SpiffeId {
        requireSegment(trustDomain, "trustDomain");
        requireSegment(namespace, "namespace");
        requireSegment(datacenter, "datacenter");
        requireSegment(service, "service");
    }

    /** Bound on {@link #PARSED}: a mesh has few peer services; a flood of distinct ids only empties it. */
    private static final int PARSED_MAX = 1024;
    /**
     * Ids already parsed, by their text. Every mesh connection parses its peer's id, and {@code java.net.URI}
     * throws (and fills the stack trace of) an internal exception for any trust domain that starts with a digit,
     * as Consul's UUID-based ones mostly do: JFR showed one URISyntaxException per connection in each sidecar.
     * Only successful parses are kept; the result is an immutable record of the text alone.
     */
    private static final Map<String, SpiffeId> PARSED = new ConcurrentHashMap<>();

    /** Parses a service id; throws {@link SpiffeIdException} naming the broken rule for anything else. */
    public static SpiffeId parseService(String uri) {
        SpiffeId known = uri == null ? null : PARSED.get(uri);
        if (known != null) {
            return known;
        }
        SpiffeId parsed = parseUncached(uri);
        if (PARSED.size() >= PARSED_MAX) {
            PARSED.clear();
        }
        PARSED.put(uri, parsed);
        return parsed;
    }

    private static SpiffeId parseUncached(String uri) {
        if (uri == null || uri.isBlank()) {
            throw new SpiffeIdException(SpiffeIdException.Reason.EMPTY, "SPIFFE id is empty");
        }
        URI parsed;
        try {
            parsed = new URI(uri);
        } catch (URISyntaxException e) {
            throw new SpiffeIdException(SpiffeIdException.Reason.MALFORMED, "not a URI: " + quote(uri));
        }
        if (!SCHEME.equalsIgnoreCase(parsed.getScheme())) {
            throw new SpiffeIdException(SpiffeIdException.Reason.WRONG_SCHEME,
                    "scheme must be spiffe, got " + quote(uri));
        }
        if (parsed.getRawQuery() != null || parsed.getRawFragment() != null || parsed.getPort() != -1
                || parsed.getRawUserInfo() != null) {
            throw new SpiffeIdException(SpiffeIdException.Reason.MALFORMED,
                    "query, fragment, port and user info are not allowed: " + quote(uri));
        }
        String host = parsed.getHost();
        if (host == null || host.isEmpty()) {
            throw new SpiffeIdException(SpiffeIdException.Reason.NO_TRUST_DOMAIN, "no trust domain in " + quote(uri));
        }
        String path = parsed.getRawPath() == null ? "" : parsed.getRawPath();
        // split with limit -1 keeps trailing empty segments so ".../svc/" is seen as an empty service name
        String[] parts = path.split("/", -1);
        if (parts.length != 7 || !parts[0].isEmpty() || !"ns".equals(parts[1]) || !"dc".equals(parts[3])
                || !"svc".equals(parts[5])) {
            throw new SpiffeIdException(SpiffeIdException.Reason.NOT_A_SERVICE_ID,
                    "expected spiffe://<trust-domain>/ns/<ns>/dc/<dc>/svc/<service>, got " + quote(uri));
        }
        if (parts[2].isEmpty() || parts[4].isEmpty() || parts[6].isEmpty()) {
            throw new SpiffeIdException(SpiffeIdException.Reason.EMPTY_SEGMENT,
                    "namespace, datacenter and service must not be empty: " + quote(uri));
        }
        return new SpiffeId(host.toLowerCase(java.util.Locale.ROOT), parts[2], parts[4], parts[6]);
    }

    /** The canonical URI string, as it appears in the certificate's URI SAN. */
    public String uri() {
        return SCHEME + "://" + trustDomain + "/ns/" + namespace + "/dc/" + datacenter + "/svc/" + service;
    }

    /**
     * Same namespace, datacenter and service. The trust-domain host is ignored on purpose: it changes when the
     * cluster's CA is migrated, while the chain check against the current roots already proves the CA.
     */
    public boolean sameServiceAs(SpiffeId other) {
        return other != null && namespace.equals(other.namespace) && datacenter.equals(other.datacenter)
                && service.equals(other.service);
    }

    @Override
    public String toString() {
        return uri();
    }

    private static void requireSegment(String value, String name) {
        Objects.requireNonNull(value, name);
        if (value.isEmpty() || value.indexOf('/') >= 0) {
            throw new SpiffeIdException(SpiffeIdException.Reason.EMPTY_SEGMENT,
                    name + " must be a non-empty path segment, got " + quote(value));
        }
    }

    private static String quote(String s) {
        // ids come from peers' certificates: bound what ends up in a log line
        String shown = s.length() > 200 ? s.substring(0, 200) + "…" : s;
        return "'" + shown + "'";
    }
}
