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
    /** Publishes {@code upstream.EndpointSet} (it carries its destination key) each time a set changes. */
    public static final String ENDPOINTS = "connect-proxy.endpoints";
    /** Request/reply: body = destination key; answers with the latest {@code upstream.EndpointSet} (maybe empty). */
    public static final String ENDPOINTS_CURRENT = "connect-proxy.endpoints.current";
    /** Send: body = destination key; a dial failed, re-read that destination now (prepared queries poll). */
    public static final String ENDPOINTS_REFRESH = "connect-proxy.endpoints.refresh";
    /** Publishes an invalidation when intentions or roots change, so authorization caches drop entries. */
    public static final String AUTHZ_INVALIDATE = "connect-proxy.authz.invalidate";

    private Addresses() {
    }
}
