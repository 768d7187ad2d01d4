package io.connectproxy.identity;

import io.connectproxy.logging.LogFields;
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
import java.util.logging.Level;
import java.util.logging.Logger;

/**
 * Keeps the proxy's {@link TlsIdentity} current: index-blocking watches on the CA roots and on this service's leaf;
 * each change of either rebuilds the identity all-or-nothing and publishes it on {@link Addresses#IDENTITY}. An
 * answer that does not parse is logged and the previous identity kept. A leaf that does not chain to the roots
 * means one of the two answers is stale (an agent restarted with a new CA hands out the new leaf while the roots
 * watch may still hold the old roots, or the other way round): both are re-read at once, and again with backoff
 * while the mismatch lasts, instead of waiting for a blocking query to end minutes later.
 * While the agent is down the last good identity stays in use. {@link #problem()} says why the identity is not
 * fit to serve: expired, not chaining to the agent's current roots, or due for renewal with the agent not answering.
 */
public final class CertRotationVerticle extends VerticleBase {
    private static final Logger LOG = Logger.getLogger(CertRotationVerticle.class.getName());
    private static final long CHECK_INTERVAL_MS = 1_000;
    /** Consul's agent renews a leaf at a random point in 60–90% of its lifetime: past 90% a renewal is overdue. */
    private static final double RENEWAL_DUE_FRACTION = 0.9;

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
    /** Why the latest leaf and roots do not make an identity (null when they do or one is missing). */
    private volatile String mismatch;
    private volatile Throwable lastLeafError;
    private int mismatchRereads;
    private long nextRereadAt;
    private long checkTimer = -1;

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

    /**
     * Why the identity in use must not be served, or null while it is fine (or while there is none yet: the
     * caller reports that itself). In order: it has expired; the agent's current leaf and roots do not chain
     * (the identity in use is from a CA the agent no longer has, or the agent's answers disagree); or the
     * renewal is overdue (past 90% of the leaf's lifetime, when Consul's agent would have renewed it) and the
     * last attempt to read the leaf from the agent failed, so it cannot be renewed before it expires.
     */
    public String problem() {
        TlsIdentity id = current;
        if (id == null) {
            return null;
        }
        Instant now = Instant.now();
        if (id.isExpired(now)) {
            return "leaf certificate expired at " + id.notAfter() + " and no renewal received";
        }
        String m = mismatch;
        if (m != null) {
            return "identity (serial " + id.serial() + ", trust domain " + id.trustDomain()
                    + ") does not match the agent's current CA: " + m;
        }
        Throwable leafError = lastLeafError;
        if (leafError != null && renewalDue(id, now)) {
            return "leaf certificate (serial " + id.serial() + ") expires at " + id.notAfter() + ", in "
                    + Duration.between(now, id.notAfter()).toSeconds() + " s, and cannot be renewed: "
                    + leafWatch.consecutiveFailures() + " failed attempt(s) to read it from the agent at "
                    + agent.address() + ", last: " + leafError.getMessage();
        }
        return null;
    }

    private static boolean renewalDue(TlsIdentity id, Instant now) {
        Instant notBefore = id.leaf().getNotBefore().toInstant();
        long lifetimeMs = Duration.between(notBefore, id.notAfter()).toMillis();
        Instant due = notBefore.plusMillis((long) (lifetimeMs * RENEWAL_DUE_FRACTION));
        return !now.isBefore(due);
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
                .onChange(l -> {
                    lastLeafError = null;
                    rebuild();
                })
                .onError((e, n) -> {
                    lastLeafError = e;
                    metrics.watchError("leaf");
                });
        rootsWatch.start();
        leafWatch.start();
        checkTimer = vertx.setPeriodic(CHECK_INTERVAL_MS, t -> {
            checkExpiry();
            rereadWhileMismatched();
        });
        return currentConsumer.completion();
    }

    @Override
    public Future<?> stop() {
        rootsWatch.stop();
        leafWatch.stop();
        vertx.cancelTimer(checkTimer);
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
                    + e.reason() + ": " + e.getMessage()
                    + (e.reason() == IdentityException.Reason.UNTRUSTED_CHAIN ? "; re-reading leaf and roots" : ""));
            if (e.reason() == IdentityException.Reason.UNTRUSTED_CHAIN) {
                boolean firstTime = mismatch == null;
                mismatch = "leaf serial " + leaf.serialNumber() + " does not chain to the roots of trust domain "
                        + roots.trustDomain() + " (active root " + roots.activeRootId() + ")";
                if (firstTime) {
                    mismatchRereads = 0;
                    reread();
                }
            }
            return;
        }
        mismatch = null;
        lastLeafError = null;
        TlsIdentity previous = current;
        // a restarted agent reissues the same small serials from a new CA: compare certificates, not serials
        if (previous != null && previous.leaf().equals(next.leaf()) && previous.rootIds().equals(next.rootIds())) {
            return;
        }
        current = next;
        expired = false;
        metrics.leafExpiresAt(next.notAfter().getEpochSecond());
        if (previous == null) {
            LogFields.log(LOG, Level.INFO, "identity loaded: "
                    + next.spiffeId().uri() + " serial " + next.serial() + ", valid until " + next.notAfter()
                    + ", trusting roots " + next.rootSubjects(), "spiffe_id", next.spiffeId().uri(),
                    "serial", next.serial(), "not_after", String.valueOf(next.notAfter()));
        } else {
            LogFields.log(LOG, Level.INFO, "identity rotated: serial "
                    + previous.serial() + " -> " + next.serial() + (previous.rootIds().equals(next.rootIds()) ? ""
                    : ", roots now " + next.rootSubjects()), "spiffe_id", next.spiffeId().uri(),
                    "serial", next.serial(), "previous_serial", previous.serial(),
                    "not_after", String.valueOf(next.notAfter()));
        }
        vertx.eventBus().publish(Addresses.IDENTITY, next);
        first.tryComplete(next);
    }

    /** Both answers again, now: whichever is stale is replaced and the rebuild runs again. */
    private void reread() {
        mismatchRereads++;
        nextRereadAt = System.nanoTime() + backoff.delayMillis(mismatchRereads) * 1_000_000L;
        rootsWatch.refresh();
        leafWatch.refresh();
    }

    private void rereadWhileMismatched() {
        if (mismatch != null && System.nanoTime() - nextRereadAt >= 0) {
            reread();
        }
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
