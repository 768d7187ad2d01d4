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
    /** The public listener's kernel accept queue (listen(2) backlog); absent or 0: the system's somaxconn. */
    static final String ACCEPT_BACKLOG = "accept_backlog";
    /** TLS handshakes the public listener runs at once per event loop; the rest wait their turn. 0: no bound. */
    static final String MAX_HANDSHAKES_IN_FLIGHT = "max_handshakes_in_flight";
    /** Proxied connections the public listener holds open at once (all event loops); 0: no bound. */
    static final String MAX_INBOUND_CONNECTIONS = "max_inbound_connections";
    static final int DEFAULT_ACCEPT_BACKLOG = 0;
    static final int DEFAULT_MAX_HANDSHAKES_IN_FLIGHT = 16;
    /**
     * Above the 3,000-connection cold burst a sidecar must take whole; at the ~60-80 KB of RSS a proxied connection
     * costs (bench/RESULTS.md), about 300 MB at the bound rather than an out-of-memory kill without one.
     */
    public static final int DEFAULT_MAX_INBOUND_CONNECTIONS = 4_096;
    /** Linux caps the backlog at somaxconn anyway; a larger number is almost certainly a typo. */
    static final int MAX_ACCEPT_BACKLOG = 65_535;

    /** The admin listener's address for this service ("host:port"), used unless -admin-bind/admin.bind chose one. */
    public static final String ADMIN_BIND = "admin_bind";

    static ProxyTuning read(JsonFields opaque) {
        // every source's map passes here once per load: the one place to point out a misspelt key
        ProxyConfigKeySpelling.warnNearMisses(opaque.json(), opaque.path());
        String adminBind = opaque.string(ADMIN_BIND, null);
        if (adminBind != null) {
            HostPort.parse(adminBind, LaunchConfig.DEFAULT_ADMIN_BIND.host(), opaque.path(ADMIN_BIND));
        }
        checkListenerLoad(opaque);
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

    /**
     * The public-listener load keys, validated (errors name the field); read again by the accessors of
     * {@link ProxyConfig} from its stored map, so the record and its many constructors stay as they are.
     */
    static void checkListenerLoad(JsonFields opaque) {
        acceptBacklog(opaque);
        maxHandshakesInFlight(opaque);
        maxInboundConnections(opaque);
    }

    static int acceptBacklog(JsonFields opaque) {
        return bounded(opaque, ACCEPT_BACKLOG, DEFAULT_ACCEPT_BACKLOG, MAX_ACCEPT_BACKLOG);
    }

    static int maxHandshakesInFlight(JsonFields opaque) {
        return bounded(opaque, MAX_HANDSHAKES_IN_FLIGHT, DEFAULT_MAX_HANDSHAKES_IN_FLIGHT, 100_000);
    }

    static int maxInboundConnections(JsonFields opaque) {
        return bounded(opaque, MAX_INBOUND_CONNECTIONS, DEFAULT_MAX_INBOUND_CONNECTIONS, 1_000_000);
    }

    private static int bounded(JsonFields opaque, String key, int fallback, int max) {
        Long v = opaque.integer(key);
        if (v == null) {
            return fallback;
        }
        if (v < 0 || v > max) {
            throw new ConfigException(opaque.path(key), "must be 0-" + max + " (0: " + (key.equals(ACCEPT_BACKLOG)
                    ? "the system default" : "no bound") + "), got " + v);
        }
        return v.intValue();
    }
}
