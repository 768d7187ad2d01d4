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

    static ProxyTuning read(JsonFields opaque) {
        // every source's map passes here once per load: the one place to point out a misspelt key
        ProxyConfigKeySpelling.warnNearMisses(opaque.json(), opaque.path());
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
