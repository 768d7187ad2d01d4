package io.connectproxy.config;

/**
 * The timeouts the proxy reads from the opaque proxy config map ({@code connect.proxy.config} in a file,
 * {@code Proxy.Config} in an agent registration), with their defaults. Shared so both sources read the same keys.
 */
record ProxyTuning(int localConnectTimeoutMs, int handshakeTimeoutMs, long idleTimeoutMs,
                   long authzRecheckIntervalMs) {

    static final String LOCAL_CONNECT_TIMEOUT_MS = "local_connect_timeout_ms";
    static final String HANDSHAKE_TIMEOUT_MS = "handshake_timeout_ms";
    static final String IDLE_TIMEOUT_MS = "idle_timeout_ms";
    static final String AUTHZ_RECHECK_INTERVAL_MS = "authz_recheck_interval_ms";
    /** Which TLS engine the public listener uses: "openssl" (default when available) or "jdk" (TLS 1.3 half-close). */
    public static final String TLS_ENGINE = "tls_engine";

    /** The admin listener's address for this service ("host:port"), used unless -admin-bind/admin.bind chose one. */
    public static final String ADMIN_BIND = "admin_bind";

    static ProxyTuning read(JsonFields opaque) {
        String adminBind = opaque.string(ADMIN_BIND, null);
        if (adminBind != null) {
            HostPort.parse(adminBind, LaunchConfig.DEFAULT_ADMIN_BIND.host(), opaque.path(ADMIN_BIND));
        }
        String engine = opaque.string(TLS_ENGINE, "openssl");
        if (!engine.equals("openssl") && !engine.equals("jdk")) {
            throw new ConfigException(opaque.path(TLS_ENGINE), "must be openssl or jdk, got \"" + engine + "\"");
        }
        return new ProxyTuning(
                opaque.millisInt(LOCAL_CONNECT_TIMEOUT_MS, ProxyConfig.DEFAULT_LOCAL_CONNECT_TIMEOUT_MS, 1),
                opaque.millisInt(HANDSHAKE_TIMEOUT_MS, ProxyConfig.DEFAULT_HANDSHAKE_TIMEOUT_MS, 1),
                opaque.millis(IDLE_TIMEOUT_MS, ProxyConfig.DEFAULT_IDLE_TIMEOUT_MS, 0),
                opaque.millis(AUTHZ_RECHECK_INTERVAL_MS, ProxyConfig.DEFAULT_AUTHZ_RECHECK_INTERVAL_MS, 0));
    }
}
