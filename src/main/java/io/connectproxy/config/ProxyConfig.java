package io.connectproxy.config;

import io.vertx.core.json.JsonObject;

import java.util.List;
import java.util.Objects;

/**
 * Everything the data plane needs to proxy one service: the public mTLS listener, the local app behind it, the
 * upstream listeners and the timeouts. Immutable; published on the bus by {@link ConfigWatcherVerticle} each time
 * a new valid configuration is loaded.
 *
 * @param serviceName            the proxied service (leaf certificate and authorization target)
 * @param serviceId              its id on the agent (defaults to the name)
 * @param datacenter             null for the agent's own datacenter
 * @param bindAddress            public listener address
 * @param bindPort               public listener port; 0 = any free port (tests);
 *                               {@link #NO_PUBLIC_LISTENER} = none (an upstream-only proxy, {@code -service} without
 *                               {@code -listen})
 * @param localServiceAddress    host of the local app (null when it is a unix socket or there is no public listener)
 * @param localServicePort       port of the local app (0 when not TCP)
 * @param localServiceSocketPath unix socket of the local app, or null
 * @param upstreams              the upstream listeners
 * @param tuning                 the proxy's own keys of the opaque map, parsed and validated at load: timeouts,
 *                               drain timing, TLS engine, listener load bounds, admin bind
 * @param opaqueConfig           the opaque {@code connect.proxy.config} / {@code Proxy.Config} map as given,
 *                               including keys this proxy does not use (e.g. {@code envoy_*}), kept for
 *                               {@code /config}; nothing reads settings from it (they are in {@code tuning})
 * @param source                 where it came from: {@code file:/path}, {@code flags}, {@code agent:<proxy-id>}
 *                               or {@code managed:<proxy-id>}
 */
public record ProxyConfig(
        String serviceName,
        String serviceId,
        String datacenter,
        String bindAddress,
        int bindPort,
        String localServiceAddress,
        int localServicePort,
        String localServiceSocketPath,
        List<UpstreamConfig> upstreams,
        ProxyTuning tuning,
        JsonObject opaqueConfig,
        String source) {

    public static final String DEFAULT_BIND_ADDRESS = "0.0.0.0";
    /** The first port Consul assigns to sidecars; used when a -conf file gives no bind_port. */
    public static final int DEFAULT_BIND_PORT = 21000;
    public static final String DEFAULT_LOCAL_SERVICE_HOST = "127.0.0.1";
    public static final int DEFAULT_LOCAL_CONNECT_TIMEOUT_MS = 1_000;
    public static final int DEFAULT_HANDSHAKE_TIMEOUT_MS = 10_000;
    public static final long DEFAULT_IDLE_TIMEOUT_MS = 0;
    public static final long DEFAULT_AUTHZ_RECHECK_INTERVAL_MS = 60_000;
    public static final int NO_PUBLIC_LISTENER = -1;

    public ProxyConfig {
        Objects.requireNonNull(serviceName, "serviceName");
        serviceId = serviceId == null ? serviceName : serviceId;
        bindAddress = bindAddress == null ? DEFAULT_BIND_ADDRESS : bindAddress;
        if (bindPort < NO_PUBLIC_LISTENER || bindPort > 65535) {
            throw new IllegalArgumentException("bindPort out of range: " + bindPort);
        }
        if (bindPort != NO_PUBLIC_LISTENER && localServiceSocketPath == null) {
            Objects.requireNonNull(localServiceAddress, "localServiceAddress (the public listener needs a local app)");
            if (localServicePort < 1 || localServicePort > 65535) {
                throw new IllegalArgumentException("localServicePort out of range: " + localServicePort);
            }
        }
        upstreams = List.copyOf(upstreams == null ? List.of() : upstreams);
        tuning = tuning == null ? ProxyTuning.DEFAULT : tuning;
        opaqueConfig = opaqueConfig == null ? new JsonObject() : opaqueConfig.copy();
        Objects.requireNonNull(source, "source");
    }

    /** A copy: the record stays immutable. */
    @Override
    public JsonObject opaqueConfig() {
        return opaqueConfig.copy();
    }

    public int localConnectTimeoutMs() {
        return tuning.localConnectTimeoutMs();
    }

    public int handshakeTimeoutMs() {
        return tuning.handshakeTimeoutMs();
    }

    public long idleTimeoutMs() {
        return tuning.idleTimeoutMs();
    }

    public long authzRecheckIntervalMs() {
        return tuning.authzRecheckIntervalMs();
    }

    /**
     * The admin listener address the proxy config map asks for ({@code admin_bind}), or null; lets an operator
     * give each service's proxy its own admin port in Consul.
     */
    public HostPort adminBind() {
        return tuning.adminBind();
    }

    /**
     * {@code accept_backlog}: the public listener's listen(2) backlog, 0 for the system default (somaxconn). It
     * holds connections the kernel has accepted while the proxy is busy with handshakes.
     */
    public int acceptBacklog() {
        return tuning.acceptBacklog();
    }

    /**
     * {@code max_handshakes_in_flight}: TLS handshakes the public listener runs at once per event loop (0: no
     * bound). Under a burst, running them all at once makes each take as long as all together, past the
     * handshake timeout; bounded, each finishes in its own few milliseconds while the rest wait their turn.
     */
    public int maxHandshakesInFlight() {
        return tuning.maxHandshakesInFlight();
    }

    /**
     * {@code max_inbound_connections}: proxied connections the public listener holds open at once, over all event
     * loops (0: no bound). One more is closed at once, before its handshake when the bound is already reached.
     */
    public int maxInboundConnections() {
        return tuning.maxInboundConnections();
    }

    public boolean hasPublicListener() {
        return bindPort != NO_PUBLIC_LISTENER;
    }

    /** {@code addr:port} of the public listener, for logs and diffing. */
    public String publicListenerKey() {
        return hasPublicListener() ? HostPort.format(bindAddress, bindPort) : "none";
    }

    /** Where the public listener forwards: {@code unix:/path} or {@code host:port}. */
    public String localServiceKey() {
        if (localServiceSocketPath != null) {
            return "unix:" + localServiceSocketPath;
        }
        return localServiceAddress == null ? "none" : HostPort.format(localServiceAddress, localServicePort);
    }
}
