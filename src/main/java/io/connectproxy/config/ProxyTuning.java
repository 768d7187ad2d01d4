package io.connectproxy.config;

import java.time.Duration;
import java.util.Objects;

/**
 * The proxy's own keys of the opaque proxy config map ({@code connect.proxy.config} in a file, {@code Proxy.Config}
 * in an agent registration or managed proxy config), parsed once when a config is loaded and validated with errors
 * that name the field. Everything that runs reads this record, never the map: a value that passed here cannot fail
 * later, at shutdown or on a reload.
 *
 * @param localConnectTimeoutMs  how long the public listener waits to connect to the local app
 * @param handshakeTimeoutMs     how long an inbound TLS handshake may take
 * @param idleTimeoutMs          close a proxied connection idle this long; 0 = never
 * @param authzRecheckIntervalMs how often open inbound connections are re-authorized; 0 = never
 * @param shutdown               how a SIGTERM is drained
 * @param tlsEngine              the public listener's TLS engine: {@code openssl} (the default) or {@code jdk}
 * @param acceptBacklog          the public listener's listen(2) backlog; 0: the system's somaxconn
 * @param maxHandshakesInFlight  TLS handshakes (and mesh dials) run at once per event loop; 0: no bound
 * @param maxInboundConnections  proxied connections the public listener holds open at once; 0: no bound
 * @param adminBind              the admin listener this service's proxy asks for, or null
 * @param keyExchangeGroups      TLS key exchange groups offered and accepted, public listener and dials alike
 */
public record ProxyTuning(int localConnectTimeoutMs, int handshakeTimeoutMs, long idleTimeoutMs,
                          long authzRecheckIntervalMs, ShutdownTiming shutdown, String tlsEngine, int acceptBacklog,
                          int maxHandshakesInFlight, int maxInboundConnections, HostPort adminBind,
                          KeyExchangeGroups keyExchangeGroups) {

    static final String LOCAL_CONNECT_TIMEOUT_MS = "local_connect_timeout_ms";
    static final String HANDSHAKE_TIMEOUT_MS = "handshake_timeout_ms";
    static final String IDLE_TIMEOUT_MS = "idle_timeout_ms";
    static final String AUTHZ_RECHECK_INTERVAL_MS = "authz_recheck_interval_ms";
    /** Which TLS engine the public listener uses: "openssl" (default when available) or "jdk" (TLS 1.3 half-close). */
    public static final String TLS_ENGINE = "tls_engine";
    public static final String TLS_ENGINE_OPENSSL = "openssl";
    public static final String TLS_ENGINE_JDK = "jdk";
    /** The public listener's kernel accept queue (listen(2) backlog); absent or 0: the system's somaxconn. */
    static final String ACCEPT_BACKLOG = "accept_backlog";
    /** TLS handshakes the public listener runs at once per event loop; the rest wait their turn. 0: no bound. */
    static final String MAX_HANDSHAKES_IN_FLIGHT = "max_handshakes_in_flight";
    /** Proxied connections the public listener holds open at once (all event loops); 0: no bound. */
    static final String MAX_INBOUND_CONNECTIONS = "max_inbound_connections";
    static final int DEFAULT_ACCEPT_BACKLOG = 0;
    static final int DEFAULT_MAX_HANDSHAKES_IN_FLIGHT = 16;
    /**
     * Above the 3,000-connection cold burst a sidecar must take whole; at the ~16 KB of RSS each proxied connection
     * adds past the first thousand (measured with the shipped -Xmx64m: 133 MB at 1,000, 181 MB at 4,000), about
     * 200 MB at the bound, rather than an out-of-memory kill without one.
     */
    public static final int DEFAULT_MAX_INBOUND_CONNECTIONS = 4_096;
    /** Linux caps the backlog at somaxconn anyway; a larger number is almost certainly a typo. */
    static final int MAX_ACCEPT_BACKLOG = 65_535;
    static final int MAX_HANDSHAKES_BOUND = 100_000;
    static final int MAX_CONNECTIONS_BOUND = 1_000_000;

    /** The admin listener's address for this service ("host:port"), used unless -admin-bind/admin.bind chose one. */
    public static final String ADMIN_BIND = "admin_bind";

    /** What an empty map means: the defaults, for a proxy configured by flags alone. */
    public static final ProxyTuning DEFAULT = new ProxyTuning(ProxyConfig.DEFAULT_LOCAL_CONNECT_TIMEOUT_MS,
            ProxyConfig.DEFAULT_HANDSHAKE_TIMEOUT_MS, ProxyConfig.DEFAULT_IDLE_TIMEOUT_MS,
            ProxyConfig.DEFAULT_AUTHZ_RECHECK_INTERVAL_MS, ShutdownTiming.DEFAULT, TLS_ENGINE_OPENSSL,
            DEFAULT_ACCEPT_BACKLOG, DEFAULT_MAX_HANDSHAKES_IN_FLIGHT, DEFAULT_MAX_INBOUND_CONNECTIONS, null,
            KeyExchangeGroups.DEFAULT);

    public ProxyTuning {
        if (localConnectTimeoutMs <= 0 || handshakeTimeoutMs <= 0 || idleTimeoutMs < 0 || authzRecheckIntervalMs < 0) {
            throw new IllegalArgumentException("timeouts must be positive (idle/recheck: 0 = off)");
        }
        Objects.requireNonNull(shutdown, "shutdown");
        Objects.requireNonNull(keyExchangeGroups, "keyExchangeGroups");
        if (!TLS_ENGINE_OPENSSL.equals(tlsEngine) && !TLS_ENGINE_JDK.equals(tlsEngine)) {
            throw new IllegalArgumentException("tlsEngine must be openssl or jdk: " + tlsEngine);
        }
        if (acceptBacklog < 0 || acceptBacklog > MAX_ACCEPT_BACKLOG) {
            throw new IllegalArgumentException("acceptBacklog out of range: " + acceptBacklog);
        }
        if (maxHandshakesInFlight < 0 || maxHandshakesInFlight > MAX_HANDSHAKES_BOUND) {
            throw new IllegalArgumentException("maxHandshakesInFlight out of range: " + maxHandshakesInFlight);
        }
        if (maxInboundConnections < 0 || maxInboundConnections > MAX_CONNECTIONS_BOUND) {
            throw new IllegalArgumentException("maxInboundConnections out of range: " + maxInboundConnections);
        }
    }

    /** The same tuning with other timeouts (tests and programmatic configs). */
    public ProxyTuning withTimeouts(int localConnectTimeoutMs, int handshakeTimeoutMs, long idleTimeoutMs,
                                    long authzRecheckIntervalMs) {
        return new ProxyTuning(localConnectTimeoutMs, handshakeTimeoutMs, idleTimeoutMs, authzRecheckIntervalMs,
                shutdown, tlsEngine, acceptBacklog, maxHandshakesInFlight, maxInboundConnections, adminBind,
                keyExchangeGroups);
    }

    /** @throws ConfigException naming the key (under the map's own path) of the first bad value */
    static ProxyTuning read(JsonFields opaque) {
        // every source's map passes here once per load: the one place to point out a misspelt key
        ProxyConfigKeySpelling.warnNearMisses(opaque.json(), opaque.path());
        String adminBindValue = opaque.string(ADMIN_BIND, null);
        HostPort adminBind = adminBindValue == null ? null
                : HostPort.parse(adminBindValue, LaunchConfig.DEFAULT_ADMIN_BIND.host(), opaque.path(ADMIN_BIND));
        String engine = opaque.string(TLS_ENGINE, TLS_ENGINE_OPENSSL);
        if (!engine.equals(TLS_ENGINE_OPENSSL) && !engine.equals(TLS_ENGINE_JDK)) {
            throw new ConfigException(opaque.path(TLS_ENGINE), "must be openssl or jdk, got \"" + engine + "\"");
        }
        return new ProxyTuning(
                opaque.millisInt(LOCAL_CONNECT_TIMEOUT_MS, ProxyConfig.DEFAULT_LOCAL_CONNECT_TIMEOUT_MS, 1),
                opaque.millisInt(HANDSHAKE_TIMEOUT_MS, ProxyConfig.DEFAULT_HANDSHAKE_TIMEOUT_MS, 1),
                opaque.millis(IDLE_TIMEOUT_MS, ProxyConfig.DEFAULT_IDLE_TIMEOUT_MS, 0),
                opaque.millis(AUTHZ_RECHECK_INTERVAL_MS, ProxyConfig.DEFAULT_AUTHZ_RECHECK_INTERVAL_MS, 0),
                new ShutdownTiming(
                        Duration.ofMillis(opaque.millis(ShutdownTiming.SHUTDOWN_GRACE_MS,
                                ShutdownTiming.DEFAULT_SHUTDOWN_GRACE_MS, 0)),
                        Duration.ofMillis(opaque.millis(ShutdownTiming.DRAIN_TIMEOUT_MS,
                                ShutdownTiming.DEFAULT_DRAIN_TIMEOUT_MS, 0))),
                engine,
                bounded(opaque, ACCEPT_BACKLOG, DEFAULT_ACCEPT_BACKLOG, MAX_ACCEPT_BACKLOG, "the system default"),
                bounded(opaque, MAX_HANDSHAKES_IN_FLIGHT, DEFAULT_MAX_HANDSHAKES_IN_FLIGHT, MAX_HANDSHAKES_BOUND,
                        "no bound"),
                bounded(opaque, MAX_INBOUND_CONNECTIONS, DEFAULT_MAX_INBOUND_CONNECTIONS, MAX_CONNECTIONS_BOUND,
                        "no bound"),
                adminBind,
                keyExchangeGroups(opaque));
    }

    private static KeyExchangeGroups keyExchangeGroups(JsonFields opaque) {
        Object value = opaque.json().getValue(KeyExchangeGroups.KEY);
        if (value == null) {
            return KeyExchangeGroups.DEFAULT;
        }
        try {
            return KeyExchangeGroups.parse(value);
        } catch (IllegalArgumentException e) {
            throw new ConfigException(opaque.path(KeyExchangeGroups.KEY), e.getMessage());
        }
    }

    private static int bounded(JsonFields opaque, String key, int fallback, int max, String zeroMeans) {
        Long v = opaque.integer(key);
        if (v == null) {
            return fallback;
        }
        if (v < 0 || v > max) {
            throw new ConfigException(opaque.path(key), "must be 0-" + max + " (0: " + zeroMeans + "), got " + v);
        }
        return v.intValue();
    }
}
