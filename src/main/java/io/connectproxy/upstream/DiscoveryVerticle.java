package io.connectproxy.upstream;

import io.connectproxy.metrics.ProxyMetrics;
import io.connectproxy.bus.Addresses;
import io.connectproxy.bus.Codecs;
import io.connectproxy.config.DestinationType;
import io.connectproxy.config.ProxyConfig;
import io.connectproxy.config.UpstreamConfig;
import io.connectproxy.consul.AgentClient;
import io.connectproxy.consul.Backoff;
import io.connectproxy.consul.BlockingWatch;
import io.connectproxy.consul.wire.HealthServiceEntry;
import io.vertx.core.Future;
import io.vertx.core.VerticleBase;

import java.time.Duration;
import java.util.HashMap;
import java.util.HashSet;
import java.util.List;
import java.util.Map;
import java.util.Set;
import java.util.logging.Logger;

/**
 * Keeps the healthy endpoints of every upstream destination and publishes each change on
 * {@link Addresses#ENDPOINTS}: an index-blocking watch on {@code /v1/health/connect/<name>?passing=1} per service
 * destination, and a poll (on an interval and on a dial failure) per prepared query, which Consul cannot block on.
 * The connection path never calls the agent; it uses the last set published here, which stays valid while the
 * agent is down. One instance per proxy; destinations come and go with the config.
 */
public final class DiscoveryVerticle extends VerticleBase {
    private static final Logger LOG = Logger.getLogger(DiscoveryVerticle.class.getName());
    /** A refresh request from a failing dial re-reads a prepared query at most this often. */
    private static final long MIN_REFRESH_MS = 1_000;

    private final AgentClient agent;
    private final ProxyMetrics metrics;
    private final Duration wait;
    private final Backoff backoff;
    private final Duration queryInterval;
    private final Map<String, Source> sources = new HashMap<>();
    private final Map<String, EndpointSet> latest = new HashMap<>();
    private ProxyConfig initial;

    /** A running discovery of one destination. */
    private interface Source {
        void stop();

        default void refresh() {
        }
    }

    public DiscoveryVerticle(AgentClient agent, ProxyMetrics metrics, ProxyConfig initial, Duration wait,
                             Backoff backoff, Duration queryInterval) {
        this.agent = agent;
        this.metrics = metrics;
        this.initial = initial;
        this.wait = wait;
        this.backoff = backoff;
        this.queryInterval = queryInterval;
    }

    @Override
    public Future<?> start() {
        Codecs.register(vertx, EndpointSet.class);
        vertx.eventBus().<ProxyConfig>localConsumer(Addresses.CONFIG, m -> apply(m.body()));
        vertx.eventBus().<String>localConsumer(Addresses.ENDPOINTS_CURRENT, m ->
                m.reply(latest.getOrDefault(m.body(), EndpointSet.empty(m.body()))));
        vertx.eventBus().<String>localConsumer(Addresses.ENDPOINTS_REFRESH, m -> {
            Source s = sources.get(m.body());
            if (s != null) {
                s.refresh();
            }
        });
        apply(initial);
        initial = null;
        return Future.succeededFuture();
    }

    @Override
    public Future<?> stop() {
        sources.values().forEach(Source::stop);
        sources.clear();
        return Future.succeededFuture();
    }

    private void apply(ProxyConfig config) {
        Map<String, UpstreamConfig> wanted = new HashMap<>();
        for (UpstreamConfig u : config.upstreams()) {
            wanted.putIfAbsent(u.destinationKey(), u);
        }
        Set<String> gone = new HashSet<>(sources.keySet());
        gone.removeAll(wanted.keySet());
        for (String key : gone) {
            sources.remove(key).stop();
            latest.remove(key);
            LOG.info(() -> "discovery: stopped watching " + key);
        }
        for (Map.Entry<String, UpstreamConfig> e : wanted.entrySet()) {
            if (!sources.containsKey(e.getKey())) {
                sources.put(e.getKey(), startSource(e.getKey(), e.getValue()));
            }
        }
    }

    private Source startSource(String key, UpstreamConfig u) {
        LOG.info(() -> "discovery: watching " + key);
        if (u.destinationType() == DestinationType.PREPARED_QUERY) {
            return new QueryPoll(key, u);
        }
        BlockingWatch<List<HealthServiceEntry>> watch = new BlockingWatch<>(vertx, "health:" + key,
                BlockingWatch.Mode.INDEX, q -> agent.healthConnect(u.destinationName(), u.datacenter(), q), wait,
                backoff)
                .onChange(entries -> publish(EndpointSet.fromHealth(key, entries, dcOrEmpty(u))))
                .onError((e, n) -> metrics.watchError("health"))
                .start();
        return watch::stop;
    }

    /** Prepared queries cannot block: poll them, and re-read one early when a dial to it failed. */
    private final class QueryPoll implements Source {
        private final String key;
        private final UpstreamConfig upstream;
        private final long timer;
        private boolean stopped;
        private long lastRun;
        private boolean running;

        QueryPoll(String key, UpstreamConfig upstream) {
            this.key = key;
            this.upstream = upstream;
            this.timer = vertx.setPeriodic(0, queryInterval.toMillis(), t -> run());
        }

        @Override
        public void refresh() {
            if (System.currentTimeMillis() - lastRun >= MIN_REFRESH_MS) {
                run();
            }
        }

        private void run() {
            if (stopped || running) {
                return;
            }
            running = true;
            lastRun = System.currentTimeMillis();
            agent.executePreparedQuery(upstream.destinationName(), upstream.datacenter()).onComplete(ar -> {
                running = false;
                if (stopped) {
                    return;
                }
                if (ar.succeeded()) {
                    String dc = ar.result().datacenter().isEmpty() ? dcOrEmpty(upstream) : ar.result().datacenter();
                    publish(EndpointSet.fromHealth(key, ar.result().nodes(), dc));
                } else {
                    metrics.watchError("prepared_query");
                    LOG.fine(() -> "discovery: prepared query " + upstream.destinationName() + " failed, keeping "
                            + latest.getOrDefault(key, EndpointSet.empty(key)).endpoints().size()
                            + " endpoints: " + ar.cause().getMessage());
                }
            });
        }

        @Override
        public void stop() {
            stopped = true;
            vertx.cancelTimer(timer);
        }
    }

    private void publish(EndpointSet set) {
        EndpointSet previous = latest.put(set.destinationKey(), set);
        metrics.healthyEndpoints(set.destinationName(), set.endpoints().size());
        if (set.equals(previous)) {
            return;
        }
        LOG.info(() -> "discovery: " + set.destinationKey() + " has " + set.endpoints().size()
                + " healthy endpoint(s) " + set.endpoints().stream().map(Endpoint::address).toList());
        vertx.eventBus().publish(Addresses.ENDPOINTS, set);
    }

    private static String dcOrEmpty(UpstreamConfig u) {
        return u.datacenter() == null ? "" : u.datacenter();
    }
}
