package io.connectproxy.bus;

/**
 * Every event-bus address the verticles use, in one place so a reader can see the whole message flow.
 */
public final class Addresses {
    /** Publishes {@code config.ProxyConfig} each time a new valid configuration is loaded. */
    public static final String CONFIG = "connect-proxy.config";
    /** Request/reply: answers with the latest {@code config.ProxyConfig}, or fails with 404 if none yet. */
    public static final String CONFIG_CURRENT = "connect-proxy.config.current";
    /** Publishes {@code identity.TlsIdentity} each time the leaf or the roots change. */
    public static final String IDENTITY = "connect-proxy.identity";
    /** Request/reply: answers with the latest {@code identity.TlsIdentity}, or fails with 404 if none yet. */
    public static final String IDENTITY_CURRENT = "connect-proxy.identity.current";
    /** Prefix: {@code ENDPOINTS_PREFIX + upstreamKey} publishes the endpoint set of one upstream. */
    public static final String ENDPOINTS_PREFIX = "connect-proxy.endpoints.";
    /** Publishes an invalidation when intentions or roots change, so authorization caches drop entries. */
    public static final String AUTHZ_INVALIDATE = "connect-proxy.authz.invalidate";

    private Addresses() {
    }

    public static String endpoints(String upstreamKey) {
        return ENDPOINTS_PREFIX + upstreamKey;
    }
}
