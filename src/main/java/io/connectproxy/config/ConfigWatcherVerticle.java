package io.connectproxy.config;

import io.connectproxy.logging.LogFields;
import io.connectproxy.bus.Addresses;
import io.connectproxy.bus.Codecs;
import io.connectproxy.consul.AgentClient;
import io.connectproxy.consul.AgentResponse;
import io.connectproxy.consul.AgentSettings;
import io.connectproxy.consul.Backoff;
import io.connectproxy.consul.BlockingWatch;
import io.connectproxy.consul.QueryOptions;
import io.vertx.core.Future;
import io.vertx.core.Promise;
import io.vertx.core.VerticleBase;
import io.vertx.core.eventbus.MessageConsumer;

import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.Objects;
import java.util.function.Function;
import java.util.logging.Level;
import java.util.logging.Logger;

/**
 * Turns the configured source (a -conf file, the flags, an agent registration, a legacy managed-proxy config)
 * into {@link ProxyConfig}s: publishes each new valid one on {@link Addresses#CONFIG} and answers
 * {@link Addresses#CONFIG_CURRENT} with the latest (failing 404 {@code no config yet} before the first).
 * An invalid update is logged and the previous config kept; an unreachable agent is waited for, never fatal.
 * <p>
 * {@link #start()} completes once the source is being watched, not when a config exists: the agent may come up
 * later. {@link #firstConfig()} completes with the first config, or fails when the setup can never work (e.g.
 * two sidecars for one service, or the registration named by -proxy-id is not a proxy). Deploy one instance.
 */
public final class ConfigWatcherVerticle extends VerticleBase {
    private static final Logger LOG = Logger.getLogger(ConfigWatcherVerticle.class.getName());

    /** The failure code of {@link Addresses#CONFIG_CURRENT} before the first config. */
    public static final int NO_CONFIG_YET = 404;

    /**
     * @param blockingWait       how long the agent may hold a blocking query
     * @param backoff            retry delays while the agent fails
     * @param scanPeriodMs       how often a -conf file is re-read
     * @param waitingLogInterval how often "still waiting for the agent" is repeated
     */
    /**
     * @param agentRequestTimeout the overall deadline of one non-blocking agent call (blocking queries get their
     *                            wait on top), see {@link AgentClient#create(io.vertx.core.Vertx, AgentSettings,
     *                            Duration)}
     */
    public record Timing(Duration blockingWait, Backoff backoff, long scanPeriodMs, Duration waitingLogInterval,
                         Duration agentRequestTimeout) {
        public static final Timing DEFAULT = new Timing(Duration.ofMinutes(5), Backoff.DEFAULT, 1_000,
                Duration.ofSeconds(30));

        public Timing(Duration blockingWait, Backoff backoff, long scanPeriodMs, Duration waitingLogInterval) {
            this(blockingWait, backoff, scanPeriodMs, waitingLogInterval, AgentClient.DEFAULT_TIMEOUT);
        }

        public Timing withAgentRequestTimeout(Duration timeout) {
            return new Timing(blockingWait, backoff, scanPeriodMs, waitingLogInterval, timeout);
        }
    }

    private final LaunchConfig launch;
    private final Timing timing;
    private final Promise<ProxyConfig> first = Promise.promise();
    private final List<Runnable> stoppers = new ArrayList<>();

    private volatile ProxyConfig current;
    private FileConfigWatch fileWatch;
    private AgentClient client;

    public ConfigWatcherVerticle(LaunchConfig launch) {
        this(launch, Timing.DEFAULT);
    }

    public ConfigWatcherVerticle(LaunchConfig launch, Timing timing) {
        this.launch = Objects.requireNonNull(launch);
        this.timing = Objects.requireNonNull(timing);
    }

    /** Completes with the first published config; fails if the source can never produce one. */
    public Future<ProxyConfig> firstConfig() {
        return first.future();
    }

    /** The latest published config, or null before the first. */
    public ProxyConfig current() {
        return current;
    }

    @Override
    public Future<?> start() {
        Codecs.register(vertx, ProxyConfig.class);
        MessageConsumer<Object> currentConsumer = vertx.eventBus().consumer(Addresses.CONFIG_CURRENT, msg -> {
            ProxyConfig c = current;
            if (c == null) {
                msg.fail(NO_CONFIG_YET, "no config yet");
            } else {
                msg.reply(c);
            }
        });
        stoppers.add(currentConsumer::unregister);
        return currentConsumer.completion().compose(v -> startSource());
    }

    @Override
    public Future<?> stop() {
        stoppers.forEach(Runnable::run);
        Future<Void> file = fileWatch == null ? Future.succeededFuture() : fileWatch.stop();
        if (client != null) {
            client.close();
        }
        first.tryFail("config watcher stopped");
        return file;
    }

    private Future<Void> startSource() {
        LaunchConfig.Source source = launch.source();
        switch (source.kind()) {
            case FLAGS -> {
                accept(source.staticConfig());
                return Future.succeededFuture();
            }
            case FILE -> {
                accept(source.staticConfig());
                if (launch.configFile() == null) {
                    return Future.succeededFuture();
                }
                fileWatch = new FileConfigWatch(vertx, launch.configFile(), launch.agent().datacenter(),
                        timing.scanPeriodMs(), this::accept);
                return fileWatch.start();
            }
            case SIDECAR_FOR -> {
                client = AgentClient.create(vertx, launch.agent(), timing.agentRequestTimeout());
                AgentWaitLog waitLog = waitLog("services list");
                SidecarLocator locator = new SidecarLocator(vertx, client, source.id(), timing.backoff(), waitLog);
                stoppers.add(locator::stop);
                locator.locate().onSuccess(this::watchRegistration).onFailure(first::tryFail);
                return Future.succeededFuture();
            }
            case PROXY_ID -> {
                client = AgentClient.create(vertx, launch.agent(), timing.agentRequestTimeout());
                watchRegistration(source.id());
                return Future.succeededFuture();
            }
            case MANAGED_PROXY -> {
                AgentSettings settings = launch.agent().withToken(source.token());
                client = AgentClient.create(vertx, settings, timing.agentRequestTimeout());
                String id = source.id();
                AgentWaitLog waitLog = waitLog("managed proxy config " + id);
                watch("managed proxy config " + id, q -> client.managedProxyConfig(id, q), waitLog,
                        AgentRegistrationMapper::fromManagedProxy);
                return Future.succeededFuture();
            }
            default -> throw new IllegalStateException("unhandled source " + source.kind());
        }
    }

    private void watchRegistration(String proxyId) {
        AgentWaitLog waitLog = waitLog("proxy registration " + proxyId);
        watch("proxy registration " + proxyId, q -> client.agentService(proxyId, q), waitLog,
                AgentRegistrationMapper::fromAgentService);
    }

    private <T> void watch(String name, Function<QueryOptions, Future<AgentResponse<T>>> fetch, AgentWaitLog waitLog,
                           Function<T, ProxyConfig> mapper) {
        BlockingWatch<T> watch = new BlockingWatch<>(vertx, name, BlockingWatch.Mode.HASH,
                q -> fetch.apply(q).onSuccess(r -> waitLog.answered()), timing.blockingWait(), timing.backoff());
        watch.onError((e, n) -> waitLog.failed(e));
        watch.onChange(value -> {
            ProxyConfig mapped;
            try {
                mapped = mapper.apply(value);
            } catch (ConfigException e) {
                if (current == null) {
                    // nothing is running yet: a registration that cannot be used is a setup error, say so and stop
                    first.tryFail(new ConfigException(e.field(), e.problem()
                            + " (in the " + name + ")"));
                } else {
                    LOG.warning(() -> name + " changed to something invalid, keeping the previous config: "
                            + e.getMessage());
                }
                return;
            }
            accept(mapped);
        });
        stoppers.add(watch::stop);
        watch.start();
    }

    private AgentWaitLog waitLog(String what) {
        return new AgentWaitLog(client.address().toString(), what, timing.waitingLogInterval().toMillis());
    }

    private void accept(ProxyConfig config) {
        if (config.equals(current)) {
            return;
        }
        boolean isFirst = current == null;
        current = config;
        if (LOG.isLoggable(Level.INFO)) {
            LogFields.log(LOG, Level.INFO, (isFirst ? "config loaded"
                    : "config changed") + " from " + config.source() + ": service " + config.serviceName()
                    + ", public listener " + config.publicListenerKey() + " -> " + config.localServiceKey() + ", "
                    + config.upstreams().size() + " upstream(s)", "source", config.source(),
                    "service", config.serviceName(), "public_listener", config.publicListenerKey(),
                    "upstreams", config.upstreams().size());
        }
        vertx.eventBus().publish(Addresses.CONFIG, config);
        first.tryComplete(config);
    }
}
