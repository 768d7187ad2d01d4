package io.connectproxy.identity;

import io.connectproxy.metrics.ProxyMetrics;
import io.connectproxy.bus.Addresses;
import io.connectproxy.bus.Codecs;
import io.connectproxy.consul.AgentClient;
import io.connectproxy.consul.Backoff;
import io.connectproxy.consul.BlockingWatch;
import io.connectproxy.consul.wire.CaRoot;
import io.connectproxy.consul.wire.CaRoots;
import io.connectproxy.consul.wire.LeafCert;
import io.vertx.core.Future;
import io.vertx.core.Promise;
import io.vertx.core.VerticleBase;
import io.vertx.core.eventbus.MessageConsumer;

import java.time.Duration;
import java.time.Instant;
import java.util.ArrayList;
import java.util.List;
import java.util.logging.Logger;

/**
 * Keeps the proxy's {@link TlsIdentity} current: index-blocking watches on the CA roots and on this service's leaf;
 * each change of either rebuilds the identity all-or-nothing and publishes it on {@link Addresses#IDENTITY}. An
 * answer that does not parse or a leaf that does not chain to the roots is logged and the previous identity kept
 * (a new leaf from a new root typically arrives just before the new roots; the rebuild succeeds once both are in).
 * While the agent is down the last good identity stays in use; an identity past its expiry is logged loudly and
 * reported through {@link #expired()}.
 */
public final class CertRotationVerticle extends VerticleBase {
    private static final Logger LOG = Logger.getLogger(CertRotationVerticle.class.getName());
    private static final long EXPIRY_CHECK_MS = 5_000;

    private final AgentClient agent;
    private final String serviceName;
    private final Duration wait;
    private final Backoff backoff;
    private final ProxyMetrics metrics;
    private final Promise<TlsIdentity> first = Promise.promise();

    private BlockingWatch<CaRoots> rootsWatch;
    private BlockingWatch<LeafCert> leafWatch;
    private MessageConsumer<Object> currentConsumer;
    private volatile TlsIdentity current;
    private volatile boolean expired;
    private long expiryTimer = -1;

    /**
     * @param serviceName the service whose leaf the proxy presents (the proxied service, not the sidecar's id)
     * @param wait        how long each blocking query may be held by the agent
     */
    public CertRotationVerticle(AgentClient agent, String serviceName, Duration wait, Backoff backoff,
                                ProxyMetrics metrics) {
        this.agent = agent;
        this.serviceName = serviceName;
        this.wait = wait;
        this.backoff = backoff;
        this.metrics = metrics;
    }

    /** Completes with the first identity that could be built. */
    public Future<TlsIdentity> firstIdentity() {
        return first.future();
    }

    public TlsIdentity current() {
        return current;
    }

    /** True while the identity in use is past its expiry (the proxy must not report ready). */
    public boolean expired() {
        return expired;
    }

    @Override
    public Future<?> start() {
        Codecs.register(vertx, TlsIdentity.class);
        currentConsumer = vertx.eventBus().consumer(Addresses.IDENTITY_CURRENT, msg -> {
            TlsIdentity id = current;
            if (id == null) {
                msg.fail(404, "no identity yet");
            } else {
                msg.reply(id);
            }
        });
        rootsWatch = new BlockingWatch<>(vertx, "ca-roots", BlockingWatch.Mode.INDEX, agent::caRoots, wait, backoff)
                .onChange(r -> rebuild())
                .onError((e, n) -> metrics.watchError("ca-roots"));
        leafWatch = new BlockingWatch<>(vertx, "leaf:" + serviceName, BlockingWatch.Mode.INDEX,
                q -> agent.leafCert(serviceName, q), wait, backoff)
                .onChange(l -> rebuild())
                .onError((e, n) -> metrics.watchError("leaf"));
        rootsWatch.start();
        leafWatch.start();
        expiryTimer = vertx.setPeriodic(EXPIRY_CHECK_MS, t -> checkExpiry());
        return currentConsumer.completion();
    }

    @Override
    public Future<?> stop() {
        rootsWatch.stop();
        leafWatch.stop();
        vertx.cancelTimer(expiryTimer);
        return currentConsumer.unregister();
    }

    private void rebuild() {
        CaRoots roots = rootsWatch.last();
        LeafCert leaf = leafWatch.last();
        if (roots == null || leaf == null) {
            return;
        }
        List<String> rootPems = new ArrayList<>();
        List<String> intermediates = new ArrayList<>();
        for (CaRoot r : roots.roots()) {
            rootPems.add(r.rootCertPem());
            intermediates.addAll(r.intermediateCertPems());
        }
        TlsIdentity next;
        try {
            next = TlsIdentity.build(leaf.certPem(), leaf.privateKeyPem(), rootPems, intermediates,
                    roots.trustDomain(), Instant.now());
        } catch (IdentityException e) {
            LOG.warning(() -> "identity update rejected, keeping the "
                    + (current == null ? "(none yet)" : "current one (serial " + current.serial() + ")") + ": "
                    + e.reason() + ": " + e.getMessage());
            return;
        }
        TlsIdentity previous = current;
        if (previous != null && previous.serial().equals(next.serial()) && previous.rootIds().equals(next.rootIds())) {
            return;
        }
        current = next;
        expired = false;
        metrics.leafExpiresAt(next.notAfter().getEpochSecond());
        if (previous == null) {
            LOG.info(() -> "identity loaded: " + next.spiffeId().uri() + " serial " + next.serial()
                    + ", valid until " + next.notAfter() + ", trusting roots " + next.rootSubjects());
        } else {
            LOG.info(() -> "identity rotated: serial " + previous.serial() + " -> " + next.serial()
                    + (previous.rootIds().equals(next.rootIds()) ? "" : ", roots now " + next.rootSubjects()));
        }
        vertx.eventBus().publish(Addresses.IDENTITY, next);
        first.tryComplete(next);
    }

    private void checkExpiry() {
        TlsIdentity id = current;
        if (id != null && id.isExpired(Instant.now()) && !expired) {
            expired = true;
            LOG.severe(() -> "LEAF CERTIFICATE EXPIRED at " + id.notAfter() + " (serial " + id.serial()
                    + "): peers will refuse this proxy until the agent issues a new one; not ready");
        }
    }
}
