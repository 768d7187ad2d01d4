package io.connectproxy.upstream;

import io.connectproxy.metrics.ConnectionTracker;
import io.connectproxy.metrics.ProxyMetrics;
import io.connectproxy.bus.Addresses;
import io.connectproxy.config.ProxyConfig;
import io.connectproxy.config.UpstreamConfig;
import io.connectproxy.identity.MeshTlsOptions;
import io.connectproxy.identity.PeerIdentityException;
import io.connectproxy.identity.PeerIdentityVerifier;
import io.connectproxy.identity.TlsEngine;
import io.connectproxy.identity.TlsIdentity;
import io.connectproxy.logging.LogFields;
import io.connectproxy.logging.RateLimitedLog;
import io.connectproxy.net.AdmissionGate;
import io.connectproxy.net.ConnectionLimit;
import io.connectproxy.net.FirstRead;
import io.connectproxy.net.ListenerDrain;
import io.connectproxy.net.Pipe;
import io.connectproxy.net.PipeOptions;
import io.connectproxy.net.PipeResult;
import io.vertx.core.Future;
import io.vertx.core.Promise;
import io.vertx.core.VerticleBase;
import io.vertx.core.net.ConnectOptions;
import io.vertx.core.net.NetClient;
import io.vertx.core.net.NetClientOptions;
import io.vertx.core.net.NetServer;
import io.vertx.core.net.NetServerOptions;
import io.vertx.core.net.NetSocket;
import io.vertx.core.net.SocketAddress;

import java.time.Duration;
import java.util.ArrayList;
import java.util.HashMap;
import java.util.HashSet;
import java.util.List;
import java.util.Map;
import java.util.Set;
import java.util.logging.Level;
import java.util.logging.Logger;

/**
 * The plaintext upstream listeners of one event loop: one server per upstream (TCP or unix socket, shared with the
 * other instances), and one mTLS client whose connections stay on this event loop. Per connection: pick endpoints
 * in balancer order from the last published set, dial over mTLS as this service, check the server's SPIFFE id is
 * the expected destination, and on a refused dial, failed handshake or wrong identity go on to the next endpoint
 * while {@code connect_timeout_ms} lasts. Config changes are diffed: a new upstream gets a listener, a removed one
 * is closed, a changed destination applies to new connections while open ones keep flowing.
 */
public final class UpstreamListenerVerticle extends VerticleBase {
    private static final Logger LOG = Logger.getLogger(UpstreamListenerVerticle.class.getName());
    /** Dial failure reason: the server ended the mesh session before sending a byte. */
    static final String CLOSED_BEFORE_ANSWER = "closed_before_answer";
    /** A TCP connect plus a TLS handshake on a loaded host: an attempt is never given less than this. */
    static final long MIN_ATTEMPT_MS = 500;

    private final ProxyMetrics metrics;
    private final TlsEngine engine;
    private final RateLimitedLog failures = new RateLimitedLog(LOG, Level.WARNING, 10);
    private final Map<String, Listener> listeners = new HashMap<>();
    /**
     * The bound listeners (listener key → port) as an immutable snapshot, rebuilt on this event loop whenever one
     * is bound or closed: readiness asks from the admin event loop and must not read {@link #listeners}.
     */
    private volatile Map<String, Integer> boundPorts = Map.of();
    /** Written on this verticle's event loop; concurrent only so readiness checks can read it from elsewhere. */
    private final Map<String, EndpointSet> endpoints = new java.util.concurrent.ConcurrentHashMap<>();
    private ProxyConfig config;
    private TlsIdentity identity;
    /** Built once per identity: Vert.x caches the TLS context per options, so reuse the same object. */
    private io.vertx.core.net.ClientSSLOptions clientSsl;
    private NetClient meshClient;
    /** Open connections' bytes, added to the counters every second while they flow. */
    private ConnectionTracker tracker;
    private long flushTimer = -1;
    private final ListenerDrain drain = new ListenerDrain();

    /** One local listener and the upstream it serves now (replaced in place when only the destination changes). */
    private static final class Listener {
        UpstreamConfig upstream;
        LoadBalancer balancer;
        NetServer server;
        final String name;
        /** Mesh dials (TLS handshakes) this listener runs at once on this event loop. */
        final AdmissionGate dials;
        /** Its open proxied connections over all event loops ({@code max_connections}). */
        final ConnectionLimit connections;

        Listener(UpstreamConfig upstream, AdmissionGate dials, ConnectionLimit connections) {
            this.upstream = upstream;
            this.balancer = LoadBalancer.create(upstream.balancer().wireName());
            this.name = ProxyMetrics.UPSTREAM; // the metrics and log vocabulary: the destination is its own field
            this.dials = dials;
            this.connections = connections;
        }
    }

    public UpstreamListenerVerticle(ProxyMetrics metrics, TlsEngine engine, ProxyConfig config, TlsIdentity identity) {
        this.metrics = metrics;
        this.engine = engine;
        this.config = config;
        this.identity = identity;
    }

    /** Actual port of the listener for an upstream's listener key (tests use port 0), or -1. */
    public int actualPort(String listenerKey) {
        return boundPorts.getOrDefault(listenerKey, -1);
    }

    private void publishBoundPorts() {
        Map<String, Integer> ports = new HashMap<>();
        listeners.forEach((key, l) -> {
            if (l.server != null) {
                ports.put(key, l.server.actualPort());
            }
        });
        boundPorts = Map.copyOf(ports);
    }

    /** How many endpoints of a destination this instance would use for a new connection now. */
    public int knownEndpoints(String destinationKey) {
        EndpointSet set = endpoints.get(destinationKey);
        return set == null ? 0 : set.endpoints().size();
    }

    @Override
    public Future<?> start() {
        meshClient = vertx.createNetClient(MeshTlsOptions.clientOptions(new NetClientOptions()
                .setTcpNoDelay(true), engine, config.tuning().keyExchangeGroups()));
        vertx.eventBus().<EndpointSet>localConsumer(Addresses.ENDPOINTS, m -> {
            if (config.upstreams().stream().anyMatch(u -> u.destinationKey().equals(m.body().destinationKey()))) {
                endpoints.put(m.body().destinationKey(), m.body());
            }
        });
        clientSsl = MeshTlsOptions.client(identity);
        vertx.eventBus().<TlsIdentity>localConsumer(Addresses.IDENTITY, m -> {
            identity = m.body();
            clientSsl = MeshTlsOptions.client(identity);
        });
        vertx.eventBus().<ProxyConfig>localConsumer(Addresses.CONFIG, m -> apply(m.body()));
        tracker = new ConnectionTracker(metrics);
        flushTimer = vertx.setPeriodic(ConnectionTracker.FLUSH_INTERVAL_MS, t -> tracker.flush());
        return apply(config);
    }

    @Override
    public Future<?> stop() {
        vertx.cancelTimer(flushTimer);
        List<Future<?>> closing = new ArrayList<>();
        listeners.values().forEach(l -> closing.add(l.server == null ? Future.succeededFuture() : l.server.close()));
        closing.add(meshClient.close());
        return Future.join(closing);
    }

    /**
     * Graceful drain (SIGTERM, after the grace period): new connections are closed on arrival, open ones get up to
     * {@code timeout} to finish, then the listeners close.
     */
    public Future<Void> drain(Duration timeout) {
        return drain.drain(context, timeout, () -> {
            List<Future<?>> closing = new ArrayList<>();
            listeners.values().forEach(l -> closing.add(l.server == null ? Future.succeededFuture()
                    : l.server.close()));
            return Future.join(closing);
        });
    }

    private Future<?> apply(ProxyConfig next) {
        config = next;
        Map<String, UpstreamConfig> wanted = new HashMap<>();
        next.upstreams().forEach(u -> wanted.put(u.listenerKey(), u));
        List<Future<?>> work = new ArrayList<>();
        for (String key : List.copyOf(listeners.keySet())) {
            if (!wanted.containsKey(key)) {
                Listener gone = listeners.remove(key);
                LogFields.log(LOG, Level.INFO, "upstream: closing listener", "listener", key,
                        "destination", gone.upstream.destinationName());
                work.add(gone.server == null ? Future.succeededFuture() : gone.server.close());
            }
        }
        publishBoundPorts();
        // a destination dropped and later added again must not start from the set it had back then
        Set<String> destinations = new HashSet<>();
        next.upstreams().forEach(u -> destinations.add(u.destinationKey()));
        endpoints.keySet().retainAll(destinations);
        for (Map.Entry<String, UpstreamConfig> e : wanted.entrySet()) {
            Listener existing = listeners.get(e.getKey());
            if (existing != null) {
                existing.dials.limit(next.maxHandshakesInFlight(), e.getValue().connectTimeoutMs() / 2);
            }
            if (existing == null) {
                work.add(open(e.getValue()));
            } else if (!existing.upstream.equals(e.getValue())) {
                UpstreamConfig changed = e.getValue();
                LogFields.log(LOG, Level.INFO, "upstream: listener now serves " + changed.destinationKey(),
                        "listener", e.getKey(), "destination", changed.destinationName());
                if (existing.upstream.balancer() != changed.balancer()) {
                    existing.balancer = LoadBalancer.create(changed.balancer().wireName());
                }
                existing.upstream = changed;
                metrics.upstreamListening(changed.destinationName());
                work.add(fetchEndpoints(changed));
            }
        }
        return Future.join(work);
    }

    private Future<?> open(UpstreamConfig upstream) {
        Listener listener = new Listener(upstream, new AdmissionGate(vertx, false, config.maxHandshakesInFlight(),
                upstream.connectTimeoutMs() / 2), ConnectionLimit.shared(vertx, "upstream:" + upstream.listenerKey()));
        listeners.put(upstream.listenerKey(), listener);
        metrics.upstreamListening(upstream.destinationName());
        NetServerOptions options = new NetServerOptions().setTcpNoDelay(true).setReuseAddress(true);
        SocketAddress bind = upstream.isUnixSocket()
                ? SocketAddress.domainSocketAddress(upstream.localBindSocketPath())
                : SocketAddress.inetSocketAddress(upstream.localBindPort(), upstream.localBindAddress());
        NetServer server = vertx.createNetServer(options).connectHandler(s -> accept(listener, s));
        return fetchEndpoints(upstream).compose(v -> server.listen(bind)).onSuccess(s -> {
            listener.server = s;
            publishBoundPorts();
            LOG.fine(() -> "upstream: " + upstream.destinationKey() + " listening on " + upstream.listenerKey());
        }).onFailure(e -> {
            listeners.remove(upstream.listenerKey());
            publishBoundPorts();
            LogFields.log(LOG, Level.SEVERE, "upstream: cannot listen", "listener", upstream.listenerKey(),
                    "destination", upstream.destinationName(), "error", e.getMessage());
        });
    }

    private Future<?> fetchEndpoints(UpstreamConfig upstream) {
        return vertx.eventBus().<EndpointSet>request(Addresses.ENDPOINTS_CURRENT, upstream.destinationKey())
                .onSuccess(m -> endpoints.putIfAbsent(upstream.destinationKey(), m.body()))
                .otherwiseEmpty();
    }

    private void accept(Listener listener, NetSocket client) {
        if (drain.draining()) {
            // the listener stopped taking connections; one that still arrived is refused and said so
            metrics.rejected(ProxyMetrics.UPSTREAM, "draining");
            failures.log(() -> "upstream " + listener.upstream.destinationName() + ": draining, closing new "
                    + "connection from " + client.remoteAddress());
            client.close();
            return;
        }
        client.pause();
        // before the dial: an app that writes and shuts its write side at once must still get the answer
        Pipe.enableHalfClose(client);
        // after half-close, so its end-of-stream counts; from the start, so bytes read during the dial count
        Future<FirstRead.Kind> clientSpoke = FirstRead.watch(client);
        UpstreamConfig upstream = listener.upstream;
        EndpointSet set = endpoints.getOrDefault(upstream.destinationKey(), EndpointSet.empty(upstream.destinationKey()));
        if (!listener.connections.hasRoom(upstream.maxConnections())) {
            // full already: refuse before it waits for a dial (the dial re-checks, as this only looks)
            overLimit(listener, client);
            return;
        }
        if (set.isEmpty()) {
            failures.log("upstream: no healthy endpoint, closing connection", "listener", listener.name,
                    "peer", String.valueOf(client.remoteAddress()), "destination", upstream.destinationName(),
                    "reason", "no_endpoint");
            metrics.upstreamDialFailed(upstream.destinationName(), "no_endpoint");
            // a prepared query is polled, not watched: ask for an early re-read (discovery rate-limits it)
            vertx.eventBus().send(Addresses.ENDPOINTS_REFRESH, upstream.destinationKey());
            client.close();
            return;
        }
        if (!listener.dials.admit(client, () -> connect(listener, client, clientSpoke))) {
            metrics.upstreamDialFailed(upstream.destinationName(), "overloaded");
            failures.log("upstream: too many connections already wait for a dial on this event loop, closing"
                    + " connection", "listener", listener.name, "peer", String.valueOf(client.remoteAddress()),
                    "destination", upstream.destinationName(), "reason", "overloaded",
                    "waiting", listener.dials.waiting());
            client.close();
        }
    }

    /** The upstream's {@code max_connections} reached: closed at once, counted and logged (rate-limited). */
    private void overLimit(Listener listener, NetSocket client) {
        UpstreamConfig upstream = listener.upstream;
        metrics.rejected(listener.name, "over_limit");
        failures.log("upstream: refused connection: max_connections reached", "listener", listener.name,
                "peer", String.valueOf(client.remoteAddress()), "destination", upstream.destinationName(),
                "reason", "over_limit", "limit", upstream.maxConnections());
        client.close();
    }

    /**
     * Dials (in balancer order, from the endpoints known now) and pipes; the future ends with the dial.
     * {@code connect_timeout_ms} runs from here, not from the accept: a connection that waited for its turn in a
     * burst (the gate serves those waiting half of it first) still gets its whole time to reach an instance,
     * rather than being closed unanswered for the wait.
     */
    private Future<Dialled> connect(Listener listener, NetSocket client, Future<FirstRead.Kind> clientSpoke) {
        UpstreamConfig upstream = listener.upstream;
        long deadline = System.nanoTime() + upstream.connectTimeoutMs() * 1_000_000L;
        EndpointSet set = endpoints.getOrDefault(upstream.destinationKey(), EndpointSet.empty(upstream.destinationKey()));
        List<Endpoint> order = listener.balancer.order(set.endpoints());
        ConnectionLimit limit = listener.connections;
        if (!limit.tryAcquire(upstream.maxConnections())) {
            overLimit(listener, client);
            return Future.failedFuture("max_connections reached");
        }
        drain.opened();
        long dialStart = System.nanoTime();
        return dial(upstream, order, 0, deadline, clientSpoke).onComplete(ar -> {
            metrics.upstreamDialed(upstream.destinationName(), ar.succeeded(), System.nanoTime() - dialStart);
            if (ar.failed()) {
                drain.closed();
                limit.release();
                failures.log("upstream: all dials failed, closing connection", "listener", ProxyMetrics.UPSTREAM,
                        "peer", String.valueOf(client.remoteAddress()), "destination", upstream.destinationName(),
                        "reason", "dial_failed", "error", ar.cause().getMessage());
                vertx.eventBus().send(Addresses.ENDPOINTS_REFRESH, upstream.destinationKey());
                client.close();
                return;
            }
            Dialled d = ar.result();
            LoadBalancer balancer = listener.balancer;
            balancer.opened(d.endpoint);
            Pipe pipe = Pipe.start(vertx, client, d.socket, PipeOptions.withIdleTimeoutMs(config.idleTimeoutMs()));
            String peer = String.valueOf(client.remoteAddress());
            ConnectionTracker.Connection tracked = tracker.opened(ProxyMetrics.UPSTREAM, upstream.destinationName(),
                    pipe::bytesAToB, pipe::bytesBToA);
            pipe.result().onComplete(done -> {
                drain.closed();
                limit.release();
                balancer.closed(d.endpoint);
                Duration lived = tracked.closed();
                metrics.accessLog().connectionEnded(ProxyMetrics.UPSTREAM, peer, null, upstream.destinationName(),
                        d.endpoint.address(), pipe.bytesAToB(), pipe.bytesBToA(), lived,
                        ConnectionTracker.endReason(done.result()));
                PipeResult r = done.result();
                if (r.bytesBToA() == 0 && r.bytesAToB() > 0
                        && (r.reason() == PipeResult.Reason.B_CLOSED || r.reason() == PipeResult.Reason.B_ERROR)) {
                    // too late to try another instance: the server may have passed the app's bytes on
                    metrics.upstreamDialFailed(upstream.destinationName(), CLOSED_BEFORE_ANSWER);
                    failures.log("upstream: the endpoint ended the session without answering after "
                            + r.bytesAToB() + " bytes from the app", "listener", listener.name,
                            "peer", String.valueOf(client.remoteAddress()), "destination", upstream.destinationName(),
                            "endpoint", d.endpoint.address(), "reason", CLOSED_BEFORE_ANSWER,
                            "error", r.reason() + (r.cause() == null ? "" : ": " + r.cause().getMessage()));
                }
            });
        });
    }

    private record Dialled(Endpoint endpoint, NetSocket socket) {
    }

    /**
     * Holds a fresh mesh session until the app has sent something (or ended its side) or the server has: with TLS
     * 1.3 the dial completes before the server has checked our certificate, authorized us or reached its app, so a
     * refusal shows up only as a session the server ends. Ended before anyone spoke, it is a failed dial, and as no
     * byte of the app's was written into it, {@code next} tries the next endpoint. Once the app has spoken, its
     * bytes go to this session and are never replayed elsewhere (the pipe's end tells what happened then).
     */
    private void awaitFirstWord(UpstreamConfig upstream, Dialled d, Future<FirstRead.Kind> clientSpoke,
                                Runnable next, Promise<Dialled> result) {
        boolean[] decided = {false};
        Throwable[] failure = {null};
        d.socket.exceptionHandler(t -> failure[0] = t);
        FirstRead.watch(d.socket).onSuccess(kind -> {
            if (decided[0]) {
                return;
            }
            decided[0] = true;
            if (kind == FirstRead.Kind.DATA || kind == FirstRead.Kind.UNKNOWN) {
                result.complete(d); // the server spoke first (or we cannot tell): the pipe delivers what it sent
                return;
            }
            d.socket.close();
            metrics.upstreamDialFailed(upstream.destinationName(), CLOSED_BEFORE_ANSWER);
            failures.log("upstream: the endpoint ended the session before answering; trying the next endpoint",
                    "listener", ProxyMetrics.UPSTREAM, "destination", upstream.destinationName(),
                    "endpoint", d.endpoint.address(), "reason", CLOSED_BEFORE_ANSWER,
                    "error", failure[0] == null ? null : failure[0].getMessage());
            next.run();
        });
        clientSpoke.onComplete(ar -> {
            if (!decided[0]) {
                decided[0] = true;
                result.complete(d);
            }
        });
    }

    /**
     * The share of the connect timeout one attempt may take: what is left, split among the endpoints still to
     * try, but never less than {@link #MIN_ATTEMPT_MS} (or what is left, if less). A blackholed instance (its link
     * down, its SYNs dropped) would otherwise take the whole {@code connect_timeout_ms} and the healthy ones would
     * never be tried; the last endpoint gets all the time that remains.
     */
    static long attemptBudgetMs(long remainingMs, int endpointsLeft) {
        if (endpointsLeft <= 1) {
            return remainingMs;
        }
        return Math.min(remainingMs, Math.max(MIN_ATTEMPT_MS, remainingMs / endpointsLeft));
    }

    /**
     * Tries {@code order[i]}, then the next ones, until one answers as the expected service and keeps the session
     * until the app or the server has spoken ({@link #awaitFirstWord}), or time is up.
     */
    private Future<Dialled> dial(UpstreamConfig upstream, List<Endpoint> order, int i, long deadline,
                                 Future<FirstRead.Kind> clientSpoke) {
        long remainingMs = (deadline - System.nanoTime()) / 1_000_000L;
        if (i >= order.size() || remainingMs <= 0) {
            return Future.failedFuture(i >= order.size() ? "tried " + order.size() + " endpoint(s)"
                    : "connect_timeout_ms " + upstream.connectTimeoutMs() + " spent after " + i + " endpoint(s)");
        }
        Endpoint e = order.get(i);
        if (i > 0) {
            metrics.upstreamDialRetried(upstream.destinationName());
        }
        long attemptMs = attemptBudgetMs(remainingMs, order.size() - i);
        ConnectOptions options = new ConnectOptions()
                .setRemoteAddress(SocketAddress.inetSocketAddress(e.port(), e.host()))
                .setSsl(true)
                .setSslOptions(clientSsl)
                .setTimeout((int) Math.min(Integer.MAX_VALUE, attemptMs));
        Promise<Dialled> result = Promise.promise();
        long dialStartMs = System.currentTimeMillis();
        // The connect future ends after the TLS handshake, whose own timeout is the client's (10 s), not ours:
        // an instance that accepts and then never answers (a frozen process) would hold the attempt that long.
        // So the attempt has its own deadline; a connection that completes after it is closed unused.
        boolean[] abandoned = {false};
        long attemptTimer = vertx.setTimer(Math.max(1, attemptMs), t -> {
            abandoned[0] = true;
            metrics.upstreamDialFailed(upstream.destinationName(), "timeout");
            failures.log(() -> "upstream " + upstream.destinationName() + ": " + e.address() + " did not complete "
                    + "the TLS handshake within " + attemptMs + " ms; trying the next endpoint");
            dial(upstream, order, i + 1, deadline, clientSpoke).onComplete(result);
        });
        meshClient.connect(options).onComplete(ar -> {
            vertx.cancelTimer(attemptTimer);
            if (abandoned[0]) {
                if (ar.succeeded()) {
                    ar.result().close();
                }
                return;
            }
            if (ar.failed()) {
                metrics.upstreamDialFailed(upstream.destinationName(), "connect");
                LogFields.log(LOG, Level.FINE, "upstream: dial failed, trying the next endpoint",
                        "listener", ProxyMetrics.UPSTREAM,
                        "destination", upstream.destinationName(), "endpoint", e.address(), "reason", "connect",
                        "error", ar.cause().getMessage());
                dial(upstream, order, i + 1, deadline, clientSpoke).onComplete(result);
                return;
            }
            NetSocket socket = ar.result();
            // nothing may be read from the session before the pipe takes it (or it is given up)
            socket.pause();
            try {
                // also on a resumed session: its peer chain is the one verified when the session was made, and
                // the destination check is per connection, not per session
                PeerIdentityVerifier.verifyServer(socket, e.expectedService(), e.expectedDatacenter());
                if (TlsResumption.resumedThenMark(socket.sslSession(), dialStartMs)) {
                    metrics.tlsResumed(upstream.destinationName());
                }
                awaitFirstWord(upstream, new Dialled(e, socket), clientSpoke, () ->
                        dial(upstream, order, i + 1, deadline, clientSpoke).onComplete(result), result);
            } catch (PeerIdentityException mismatch) {
                socket.close();
                metrics.upstreamDialFailed(upstream.destinationName(), "identity");
                failures.log("upstream: the endpoint is not who it should be, skipping it",
                        "listener", ProxyMetrics.UPSTREAM,
                        "destination", upstream.destinationName(), "endpoint", e.address(), "reason", "identity",
                        "error", mismatch.getMessage());
                dial(upstream, order, i + 1, deadline, clientSpoke).onComplete(result);
            }
        });
        return result.future();
    }
}
