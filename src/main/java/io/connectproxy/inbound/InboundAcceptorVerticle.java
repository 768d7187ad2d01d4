package io.connectproxy.inbound;

import io.connectproxy.admin.ProxyMetrics;
import io.connectproxy.bus.Addresses;
import io.connectproxy.config.ProxyConfig;
import io.connectproxy.consul.AgentClient;
import io.connectproxy.identity.MeshTlsOptions;
import io.connectproxy.identity.PeerIdentityException;
import io.connectproxy.identity.PeerIdentityVerifier;
import io.connectproxy.identity.SpiffeId;
import io.connectproxy.identity.TlsEngine;
import io.connectproxy.identity.TlsIdentity;
import io.connectproxy.logging.RateLimitedLog;
import io.connectproxy.net.Pipe;
import io.connectproxy.net.PipeOptions;
import io.vertx.core.Future;
import io.vertx.core.VerticleBase;
import io.vertx.core.net.NetClient;
import io.vertx.core.net.NetClientOptions;
import io.vertx.core.net.NetServer;
import io.vertx.core.net.NetServerOptions;
import io.vertx.core.net.NetSocket;
import io.vertx.core.net.SocketAddress;

import java.time.Duration;
import java.util.HashMap;
import java.util.List;
import java.util.Map;
import java.util.Objects;
import java.util.logging.Level;
import java.util.logging.Logger;

/**
 * The public mTLS listener. One instance per event loop, all sharing the port. Per connection, strictly in this
 * order: TLS handshake (bounded by {@code handshake_timeout_ms}) → client chain checked against the roots →
 * SPIFFE service id from the first URI SAN → authorization (cached) → only then a connection to the local app
 * (bounded by {@code local_connect_timeout_ms}) → bytes piped both ways. Nothing reaches the app from a peer that
 * failed any step. Open connections are re-authorized on an interval and when intentions change, and closed when
 * now denied.
 */
public final class InboundAcceptorVerticle extends VerticleBase {
    private static final Logger LOG = Logger.getLogger(InboundAcceptorVerticle.class.getName());
    private static final String LISTENER = "public";
    /** Bound on one authorize call to the agent: an unreachable agent must not stall a handshake. */
    static final Duration AUTHZ_TIMEOUT = Duration.ofSeconds(2);
    /** Cached answers are refreshed after this even without an intentions change (missed-event safety net). */
    static final Duration AUTHZ_MAX_AGE = Duration.ofMinutes(5);

    private final AgentClient agent;
    private final ProxyMetrics metrics;
    private final TlsEngine engine;
    private final RateLimitedLog rejections = new RateLimitedLog(LOG, Level.INFO, 20);
    private final RateLimitedLog appErrors = new RateLimitedLog(LOG, Level.WARNING, 5);
    private final Map<NetSocket, OpenConnection> open = new HashMap<>();

    private ProxyConfig config;
    private TlsIdentity identity;
    private Authorizer authorizer;
    private NetServer server;
    private NetClient appClient;
    private long recheckTimer = -1;

    private record OpenConnection(SpiffeId client, String serial, String peer, Pipe pipe) {
    }

    public InboundAcceptorVerticle(AgentClient agent, ProxyMetrics metrics, TlsEngine engine, ProxyConfig config,
                                   TlsIdentity identity) {
        this.agent = agent;
        this.metrics = metrics;
        this.engine = engine;
        this.config = Objects.requireNonNull(config);
        this.identity = Objects.requireNonNull(identity);
    }

    /** The port actually bound (differs from the config when it asked for 0). */
    public int actualPort() {
        return server == null ? -1 : server.actualPort();
    }

    @Override
    public Future<?> start() {
        authorizer = new Authorizer(agent, config.serviceName(), AUTHZ_TIMEOUT, AUTHZ_MAX_AGE);
        appClient = createAppClient(config);
        vertx.eventBus().<ProxyConfig>localConsumer(Addresses.CONFIG, m -> onConfig(m.body()));
        vertx.eventBus().<TlsIdentity>localConsumer(Addresses.IDENTITY, m -> onIdentity(m.body()));
        vertx.eventBus().<String>localConsumer(Addresses.AUTHZ_INVALIDATE, m -> {
            authorizer.invalidateAll();
            recheckOpenConnections();
        });
        scheduleRecheck();
        return listen();
    }

    @Override
    public Future<?> stop() {
        vertx.cancelTimer(recheckTimer);
        return Future.join(server == null ? Future.succeededFuture() : server.close(), appClient.close());
    }

    private Future<NetServer> listen() {
        NetServerOptions base = new NetServerOptions()
                .setHost(config.bindAddress())
                .setPort(config.bindPort())
                .setTcpNoDelay(true)
                .setReuseAddress(true);
        NetServerOptions options = MeshTlsOptions.serverOptions(base,
                MeshTlsOptions.server(identity, Duration.ofMillis(config.handshakeTimeoutMs())), engine);
        NetServer s = vertx.createNetServer(options)
                .connectHandler(this::accept)
                .exceptionHandler(e -> {
                    // failures before the connect handler: TLS handshake errors and handshake timeouts
                    String reason = handshakeReason(e);
                    metrics.handshakeFailed(LISTENER, reason);
                    metrics.rejected(LISTENER, "handshake");
                    rejections.log(() -> "inbound: TLS handshake failed (" + reason + "): " + e.getMessage());
                });
        return s.listen().onSuccess(bound -> server = bound);
    }

    private void accept(NetSocket socket) {
        socket.pause();
        String peer = String.valueOf(socket.remoteAddress());
        SpiffeId client;
        try {
            client = PeerIdentityVerifier.verifyClient(socket);
        } catch (PeerIdentityException e) {
            reject(socket, peer, e.reason().name().toLowerCase(), e.getMessage());
            return;
        }
        String serial = peerSerial(socket);
        authorizer.authorize(client.uri(), serial).onComplete(ar -> {
            AuthzDecision d = ar.succeeded() ? ar.result() : AuthzDecision.agentUnavailable(ar.cause().getMessage());
            metrics.authorization(d.error() ? "error" : d.allowed() ? "allow" : "deny");
            if (!d.allowed()) {
                reject(socket, peer, d.error() ? "authz_error" : "denied",
                        client.uri() + " denied: " + d.reason());
                return;
            }
            dialApp(socket, peer, client, serial);
        });
    }

    private void dialApp(NetSocket socket, String peer, SpiffeId client, String serial) {
        SocketAddress app = appAddress(config);
        appClient.connect(app).onComplete(ar -> {
            if (ar.failed()) {
                appErrors.log(() -> "inbound: local app at " + app + " unreachable, closing connection from "
                        + peer + " (" + client.service() + "): " + ar.cause().getMessage());
                metrics.rejected(LISTENER, "app_unreachable");
                socket.close();
                return;
            }
            NetSocket appSocket = ar.result();
            Pipe pipe = Pipe.start(vertx, socket, appSocket, PipeOptions.withIdleTimeoutMs(config.idleTimeoutMs()));
            open.put(socket, new OpenConnection(client, serial, peer, pipe));
            metrics.connectionOpened(LISTENER);
            pipe.result().onComplete(done -> {
                open.remove(socket);
                metrics.connectionClosed(LISTENER, pipe.bytesAToB(), pipe.bytesBToA());
            });
        });
    }

    private void reject(NetSocket socket, String peer, String reason, String detail) {
        metrics.rejected(LISTENER, reason);
        rejections.log(() -> "inbound: rejected " + peer + ": " + detail);
        socket.close();
    }

    private void onConfig(ProxyConfig next) {
        ProxyConfig previous = config;
        config = next;
        if (!previous.serviceName().equals(next.serviceName())) {
            authorizer = new Authorizer(agent, next.serviceName(), AUTHZ_TIMEOUT, AUTHZ_MAX_AGE);
        }
        if (previous.localConnectTimeoutMs() != next.localConnectTimeoutMs()) {
            NetClient old = appClient;
            appClient = createAppClient(next);
            old.close();
        }
        if (previous.authzRecheckIntervalMs() != next.authzRecheckIntervalMs()) {
            vertx.cancelTimer(recheckTimer);
            scheduleRecheck();
        }
        boolean rebind = !previous.bindAddress().equals(next.bindAddress())
                || (previous.bindPort() != next.bindPort() && next.bindPort() != 0);
        if (rebind) {
            NetServer old = server;
            LOG.info(() -> "inbound: public listener moves from " + previous.bindAddress() + ":" + actualPort()
                    + " to " + next.bindAddress() + ":" + next.bindPort());
            old.close().compose(v -> listen()).onFailure(e -> LOG.severe(() -> "inbound: cannot bind "
                    + next.bindAddress() + ":" + next.bindPort() + ": " + e.getMessage()));
        } else if (previous.handshakeTimeoutMs() != next.handshakeTimeoutMs()) {
            applyIdentity(identity);
        }
    }

    private void onIdentity(TlsIdentity next) {
        boolean rootsChanged = !identity.rootIds().equals(next.rootIds());
        identity = next;
        applyIdentity(next);
        if (rootsChanged) {
            authorizer.invalidateAll();
        }
    }

    private void applyIdentity(TlsIdentity id) {
        if (server == null) {
            return;
        }
        server.updateSSLOptions(MeshTlsOptions.server(id, Duration.ofMillis(config.handshakeTimeoutMs())))
                .onFailure(e -> LOG.warning(() -> "inbound: could not apply identity serial " + id.serial()
                        + ", keeping the previous one: " + e.getMessage()));
    }

    private void scheduleRecheck() {
        long every = config.authzRecheckIntervalMs();
        recheckTimer = every <= 0 ? -1 : vertx.setPeriodic(every, t -> recheckOpenConnections());
    }

    /** Consul's proxy never closes a connection after an intention turns to deny; this one does. */
    private void recheckOpenConnections() {
        for (Map.Entry<NetSocket, OpenConnection> e : List.copyOf(open.entrySet())) {
            OpenConnection c = e.getValue();
            authorizer.authorize(c.client().uri(), c.serial()).onSuccess(d -> {
                if (!d.allowed() && !d.error() && open.containsKey(e.getKey())) {
                    LOG.info(() -> "inbound: closing connection from " + c.peer() + " (" + c.client().uri()
                            + "): no longer authorized: " + d.reason());
                    metrics.rejected(LISTENER, "revoked");
                    c.pipe().close();
                }
            });
        }
    }

    private NetClient createAppClient(ProxyConfig c) {
        return vertx.createNetClient(new NetClientOptions()
                .setConnectTimeout(c.localConnectTimeoutMs())
                .setTcpNoDelay(true));
    }

    static SocketAddress appAddress(ProxyConfig c) {
        if (c.localServiceSocketPath() != null) {
            return SocketAddress.domainSocketAddress(c.localServiceSocketPath());
        }
        return SocketAddress.inetSocketAddress(c.localServicePort(), c.localServiceAddress());
    }

    private static String peerSerial(NetSocket socket) {
        try {
            var certs = socket.peerCertificates();
            if (!certs.isEmpty() && certs.get(0) instanceof java.security.cert.X509Certificate x) {
                return io.connectproxy.identity.CertificateIds.serial(x);
            }
        } catch (Exception ignored) {
            // verifyClient already proved there is a certificate; an empty serial only weakens the agent's log
        }
        return "";
    }

    private static String handshakeReason(Throwable e) {
        String m = String.valueOf(e.getMessage()).toLowerCase();
        if (m.contains("timed out") || m.contains("timeout")) {
            return "timeout";
        }
        if (m.contains("certificate") || m.contains("cert")) {
            return "bad_certificate";
        }
        if (m.contains("protocol") || m.contains("version")) {
            return "protocol";
        }
        return "other";
    }
}
