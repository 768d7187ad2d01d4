package io.connectproxy.inbound;

import io.connectproxy.metrics.ProxyMetrics;
import io.connectproxy.bus.Addresses;
import io.connectproxy.consul.AgentClient;
import io.connectproxy.consul.Backoff;
import io.connectproxy.consul.BlockingWatch;
import io.connectproxy.consul.wire.IntentionMatch;
import io.vertx.core.Future;
import io.vertx.core.VerticleBase;

import java.time.Duration;
import java.util.logging.Logger;

/**
 * Watches the intentions that apply to the proxied service and, when they change, tells every inbound acceptor
 * to drop its cached authorization answers (and re-check open connections). One instance per proxy.
 */
public final class IntentionsWatchVerticle extends VerticleBase {
    private static final Logger LOG = Logger.getLogger(IntentionsWatchVerticle.class.getName());

    private final AgentClient agent;
    private final String target;
    private final Duration wait;
    private final Backoff backoff;
    private final ProxyMetrics metrics;
    private BlockingWatch<IntentionMatch> watch;
    private boolean seenFirst;

    public IntentionsWatchVerticle(AgentClient agent, String target, Duration wait, Backoff backoff,
                                   ProxyMetrics metrics) {
        this.agent = agent;
        this.target = target;
        this.wait = wait;
        this.backoff = backoff;
        this.metrics = metrics;
    }

    @Override
    public Future<?> start() {
        watch = new BlockingWatch<>(vertx, "intentions:" + target, BlockingWatch.Mode.INDEX,
                q -> agent.intentionsMatchingDestination(target, q), wait, backoff)
                .onChange(m -> {
                    if (seenFirst) {
                        LOG.info(() -> "intentions for " + target + " changed ("
                                + m.forName(target).size() + " now): re-authorizing clients");
                        vertx.eventBus().publish(Addresses.AUTHZ_INVALIDATE, target);
                    }
                    seenFirst = true;
                })
                .onError((e, n) -> metrics.watchError("intentions"))
                .start();
        return Future.succeededFuture();
    }

    @Override
    public Future<?> stop() {
        watch.stop();
        return Future.succeededFuture();
    }
}
