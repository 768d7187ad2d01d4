package io.connectproxy.inbound;

import io.connectproxy.metrics.ConnectionTracker;
import io.connectproxy.metrics.ProxyMetrics;
import io.connectproxy.bus.Addresses;
import io.connectproxy.config.ProxyConfig;
import io.connectproxy.consul.AgentClient;
import io.connectproxy.identity.MeshTlsOptions;
import io.connectproxy.identity.PeerIdentityException;
import io.connectproxy.identity.PeerIdentityVerifier;
import io.connectproxy.identity.ResumedHandshakes;
import io.connectproxy.identity.SpiffeId;
import io.connectproxy.identity.TlsEngine;
import io.connectproxy.identity.TlsIdentity;
import io.connectproxy.logging.LogFields;
import io.connectproxy.logging.RateLimitedLog;
import io.connectproxy.net.AdmissionGate;
import io.connectproxy.net.ConnectionLimit;
import io.connectproxy.net.FirstByteWatch;
import io.connectproxy.net.ListenerDrain;
import io.connectproxy.net.Pipe;
import io.connectproxy.net.PipeOptions;
import io.vertx.core.Future;
import io.vertx.core.VerticleBase;
import io.vertx.core.net.NetClient;
import io.vertx.core.net.NetClientOptions;
import io.vertx.core.net.NetServer;
import io.vertx.core.net.NetServerOptions;
import io.vertx.core.net.NetSocket;
import io.vertx.core.net.ServerSSLOptions;
import io.vertx.core.net.SocketAddress;

import java.time.Duration;
import java.util.HashMap;
import java.util.List;
import java.util.Locale;
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
 * now denied. Every rejection is counted in {@link ProxyMetrics} and logged (rate-limited) with its reason and
 * the peer's address. The TLS engine comes from {@link TlsEngine#forPublicListener(String)}.
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
    /** The bound port, published for readers on other threads (readiness) that must not read {@link #server}. */
    private volatile int boundPort = -1;
    /** What new connections are upgraded with: the current identity and handshake timeout. */
    private ServerSSLOptions sslOptions;
    private NetClient appClient;
    /** Bounds the handshakes this event loop runs at once ({@code max_handshakes_in_flight}). */
    private AdmissionGate handshakes;
    /** Open proxied connections of the public listener over all event loops ({@code max_inbound_connections}). */
    private ConnectionLimit connections;
    private long recheckTimer = -1;
    /** Open connections' bytes, added to the counters every second while they flow. */
    private ConnectionTracker tracker;
    private long flushTimer = -1;
    private final ListenerDrain drain = new ListenerDrain();

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
        return boundPort;
    }

    @Override
    public Future<?> start() {
        authorizer = newAuthorizer(config.serviceName());
        handshakes = new AdmissionGate(vertx, true, config.maxHandshakesInFlight(), config.handshakeTimeoutMs() / 2);
        connections = ConnectionLimit.shared(vertx, LISTENER);
        metrics.countResumedHandshakes(LISTENER, ResumedHandshakes.shared(vertx)::count);
        appClient = createAppClient(config);
        vertx.eventBus().<ProxyConfig>localConsumer(Addresses.CONFIG, m -> onConfig(m.body()));
        vertx.eventBus().<TlsIdentity>localConsumer(Addresses.IDENTITY, m -> onIdentity(m.body()));
        vertx.eventBus().<String>localConsumer(Addresses.AUTHZ_INVALIDATE, m -> {
            authorizer.invalidateAll();
            recheckOpenConnections();
        });
        scheduleRecheck();
        tracker = new ConnectionTracker(metrics);
        flushTimer = vertx.setPeriodic(ConnectionTracker.FLUSH_INTERVAL_MS, t -> tracker.flush());
        return listen();
    }

    @Override
    public Future<?> stop() {
        vertx.cancelTimer(recheckTimer);
        vertx.cancelTimer(flushTimer);
        return Future.join(server == null ? Future.succeededFuture() : server.close(), appClient.close());
    }

    /**
     * Graceful drain (SIGTERM): new connections are closed on arrival, open ones get up to {@code timeout} to
     * finish, then the listener closes (cutting what is left). Completes when it has closed.
     */
    public Future<Void> drain(Duration timeout) {
        return drain.drain(context, timeout, () -> server == null ? Future.succeededFuture() : server.close());
    }

    /**
     * The server accepts plain TCP and each connection is upgraded to TLS at once with the current
     * {@link #sslOptions}: unlike a TLS server, whose handshake failures reach only a server-wide exception handler
     * without the connection, this knows the peer of every failed handshake. Vert.x caches the SSL context per
     * options, so an upgrade costs no more than a TLS server's handshake.
     */
    private Future<NetServer> listen() {
        sslOptions = MeshTlsOptions.server(identity, Duration.ofMillis(config.handshakeTimeoutMs()));
        NetServerOptions options = new NetServerOptions()
                .setHost(config.bindAddress())
                .setPort(config.bindPort())
                .setTcpNoDelay(true)
                .setReuseAddress(true)
                // 0: the system's somaxconn (Netty's default); connections beyond it wait in SYN retries
                .setAcceptBacklog(config.acceptBacklog() > 0 ? config.acceptBacklog()
                        : NetServerOptions.DEFAULT_ACCEPT_BACKLOG)
                .setSslEngineOptions(engine.options(config.tuning().keyExchangeGroups(),
                        ResumedHandshakes.shared(vertx)));
        NetServer s = vertx.createNetServer(options).connectHandler(this::handshake);
        return s.listen().onSuccess(bound -> {
            server = bound;
            boundPort = bound.actualPort();
        });
    }

    private void handshake(NetSocket socket) {
        if (drain.draining()) {
            // shutting down: refuse before spending a handshake on it
            metrics.rejected(LISTENER, "draining");
            socket.close();
            return;
        }
        if (!connections.hasRoom(config.maxInboundConnections())) {
            // full already: refuse before spending a handshake on it (the dial re-checks, as this only looks)
            overLimit(socket, String.valueOf(socket.remoteAddress()), null);
            return;
        }
        // in the connect handler, before the channel's first read creates the handle the watch wraps
        FirstByteWatch firstByte = FirstByteWatch.start(socket);
        if (!handshakes.admit(socket, () -> upgrade(socket, firstByte))) {
            metrics.rejected(LISTENER, "overloaded");
            rejections.log("inbound: refused connection: too many connections already wait for a handshake on"
                    + " this event loop", "listener", LISTENER, "peer", String.valueOf(socket.remoteAddress()),
                    "destination", config.serviceName(), "reason", "overloaded", "waiting", handshakes.waiting());
            socket.close();
        }
    }

    /** The handshake, when the gate lets it start; the future ends with it (success or not). */
    private Future<Void> upgrade(NetSocket socket, FirstByteWatch firstByte) {
        String peer = String.valueOf(socket.remoteAddress());
        long started = System.nanoTime();
        return socket.upgradeToSsl(sslOptions).onComplete(ar -> {
            if (ar.succeeded()) {
                accept(socket, peer);
                metrics.handshakeSucceeded(System.nanoTime() - started);
            } else {
                handshakeFailed(socket, peer, firstByte, ar.cause());
            }
        });
    }

    private void handshakeFailed(NetSocket socket, String peer, FirstByteWatch firstByte, Throwable e) {
        String reason = HandshakeFailureClassifier.classify(e, firstByte.sawByte());
        if (reason.equals(HandshakeFailureClassifier.PROBE)) {
            // a TCP health check (Consul's "Connect Sidecar Listening" every 10 s): not a failure
            metrics.probed(LISTENER);
            LogFields.log(LOG, Level.FINE, "inbound: probe from a health check (connected and closed without sending)",
                    "listener", LISTENER, "peer", peer);
            socket.close();
            return;
        }
        metrics.handshakeFailed(LISTENER, reason);
        metrics.rejected(LISTENER, "handshake");
        rejections.log("inbound: rejected in the TLS handshake (" + reason + ")", "listener", LISTENER, "peer", peer,
                "destination", config.serviceName(), "reason", "handshake", "handshake_failure", reason,
                "error", e.getClass().getSimpleName() + ": " + e.getMessage());
        socket.close();
    }

    private void accept(NetSocket socket, String peer) {
        socket.pause();
        // before any asynchronous step: a client that writes its request and shuts its write side at once
        // would otherwise have its FIN close the whole connection before the app is dialled
        Pipe.enableHalfClose(socket);
        SpiffeId client;
        try {
            client = PeerIdentityVerifier.verifyClient(socket);
        } catch (PeerIdentityException e) {
            reject(socket, peer, null, e.reason().name().toLowerCase(Locale.ROOT), e.getMessage());
            return;
        }
        String serial = peerSerial(socket);
        long generation = authorizer.generation();
        authorizer.authorize(client.uri(), serial).onComplete(ar -> {
            AuthzDecision d = ar.succeeded() ? ar.result() : AuthzDecision.agentUnavailable(ar.cause().getMessage());
            metrics.authorization(d.error() ? "error" : d.allowed() ? "allow" : "deny");
            if (!d.allowed()) {
                reject(socket, peer, client.uri(), d.error() ? "authz_error" : "denied",
                        client.uri() + " denied: " + d.reason());
                return;
            }
            dialApp(socket, peer, client, serial, generation);
        });
    }

    private void dialApp(NetSocket socket, String peer, SpiffeId client, String serial, long generation) {
        if (!connections.tryAcquire(config.maxInboundConnections())) {
            overLimit(socket, peer, client.uri());
            return;
        }
        SocketAddress app = appAddress(config);
        appClient.connect(app).onComplete(ar -> {
            if (ar.failed()) {
                connections.release();
                appErrors.log("inbound: local app unreachable, closing connection", "listener", LISTENER,
                        "peer", peer, "spiffe_id", client.uri(), "destination", config.serviceName(),
                        "endpoint", String.valueOf(app), "reason", "app_unreachable",
                        "error", ar.cause().getMessage());
                metrics.rejected(LISTENER, "app_unreachable");
                socket.close();
                return;
            }
            NetSocket appSocket = ar.result();
            Pipe pipe = Pipe.start(vertx, socket, appSocket, PipeOptions.withIdleTimeoutMs(config.idleTimeoutMs()));
            OpenConnection c = new OpenConnection(client, serial, peer, pipe);
            open.put(socket, c);
            drain.opened();
            String service = config.serviceName();
            ConnectionTracker.Connection tracked = tracker.opened(LISTENER, service, pipe::bytesAToB,
                    pipe::bytesBToA);
            pipe.result().onComplete(done -> {
                connections.release();
                open.remove(socket);
                drain.closed();
                Duration lived = tracked.closed();
                metrics.accessLog().connectionEnded(LISTENER, peer, client.uri(), service, app.toString(),
                        pipe.bytesAToB(), pipe.bytesBToA(), lived, ConnectionTracker.endReason(done.result()));
            });
            if (authorizer.generation() != generation) {
                // intentions changed while we were dialling: the re-check at that moment did not see this one
                recheck(socket, c);
            }
        });
    }

    private void reject(NetSocket socket, String peer, String spiffeId, String reason, String detail) {
        metrics.rejected(LISTENER, reason);
        rejections.log("inbound: rejected (" + reason + "): " + detail, "listener", LISTENER, "peer", peer,
                "spiffe_id", spiffeId, "destination", config.serviceName(), "reason", reason);
        socket.close();
    }

    /** {@code max_inbound_connections} reached: closed at once, whatever stage the connection is at. */
    private void overLimit(NetSocket socket, String peer, String spiffeId) {
        metrics.rejected(LISTENER, "over_limit");
        rejections.log("inbound: refused connection: max_inbound_connections reached", "listener", LISTENER,
                "peer", peer, "spiffe_id", spiffeId, "destination", config.serviceName(), "reason", "over_limit",
                "limit", config.maxInboundConnections());
        socket.close();
    }

    private void onConfig(ProxyConfig next) {
        ProxyConfig previous = config;
        config = next;
        if (!previous.serviceName().equals(next.serviceName())) {
            authorizer = newAuthorizer(next.serviceName());
        }
        if (previous.localConnectTimeoutMs() != next.localConnectTimeoutMs()) {
            NetClient old = appClient;
            appClient = createAppClient(next);
            old.close();
        }
        handshakes.limit(next.maxHandshakesInFlight(), next.handshakeTimeoutMs() / 2);
        if (previous.acceptBacklog() != next.acceptBacklog()) {
            LOG.warning(() -> "inbound: accept_backlog " + next.acceptBacklog() + " applies when the public listener"
                    + " is bound again (restart or a new bind address/port); it stays " + previous.acceptBacklog());
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
        applyIdentity(next);
        if (rootsChanged) {
            authorizer.invalidateAll();
        }
    }

    /**
     * New connections use {@code id}; open ones keep the session they have. The key material is loaded once
     * here first: options the TLS stack would refuse must not replace working ones, or every handshake fails.
     */
    private void applyIdentity(TlsIdentity id) {
        ServerSSLOptions next = MeshTlsOptions.server(id, Duration.ofMillis(config.handshakeTimeoutMs()));
        try {
            next.getKeyCertOptions().getKeyManagerFactory(vertx);
            next.getTrustOptions().getTrustManagerFactory(vertx);
        } catch (Exception e) {
            LogFields.log(LOG, Level.WARNING, "inbound: cannot use the new identity, keeping the current one",
                    "listener", LISTENER, "serial", id.serial(), "current_serial", identity.serial(),
                    "error", String.valueOf(e));
            return;
        }
        sslOptions = next;
        identity = id;
    }

    private void scheduleRecheck() {
        long every = config.authzRecheckIntervalMs();
        recheckTimer = every <= 0 ? -1 : vertx.setPeriodic(every, t -> recheckOpenConnections());
    }

    /** Consul's proxy never closes a connection after an intention turns to deny; this one does. */
    private void recheckOpenConnections() {
        for (Map.Entry<NetSocket, OpenConnection> e : List.copyOf(open.entrySet())) {
            recheck(e.getKey(), e.getValue());
        }
    }

    /** One agent call per client id and round however many connections it has (the authorizer shares them). */
    private void recheck(NetSocket socket, OpenConnection c) {
        authorizer.recheck(c.client().uri(), c.serial()).onSuccess(d -> {
            if (!d.allowed() && !d.error() && open.remove(socket) != null) {
                rejections.log("inbound: closing connection: no longer authorized: " + d.reason(),
                        "listener", LISTENER, "peer", c.peer(), "spiffe_id", c.client().uri(),
                        "destination", config.serviceName(), "reason", "revoked");
                metrics.rejected(LISTENER, "revoked");
                c.pipe().close();
            }
        });
    }

    private Authorizer newAuthorizer(String target) {
        return new Authorizer(agent, target, AUTHZ_TIMEOUT, AUTHZ_MAX_AGE, AuthzCache.shared(vertx, target));
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
}
