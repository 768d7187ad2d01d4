package io.connectproxy.cli;

import io.connectproxy.config.ConfigWatcherVerticle;
import io.connectproxy.config.LaunchConfig;
import io.connectproxy.config.ProxyConfig;
import io.vertx.core.Future;
import io.vertx.core.Vertx;

import java.util.logging.Logger;

/**
 * Wires proxy mode together in start-up order: config → (identity → listeners → admin, added as they land).
 * Kept apart from {@link ProxyMode} so tests can start the whole proxy inside their own Vert.x.
 */
public final class ProxyRuntime {
    private static final Logger LOG = Logger.getLogger(ProxyRuntime.class.getName());

    private final ConfigWatcherVerticle.Timing timing;
    private volatile ConfigWatcherVerticle watcher;

    public ProxyRuntime() {
        this(ConfigWatcherVerticle.Timing.DEFAULT);
    }

    public ProxyRuntime(ConfigWatcherVerticle.Timing timing) {
        this.timing = timing;
    }

    /**
     * Deploys the config watcher and waits for the first config, then the data plane. Fails with a
     * {@link io.connectproxy.config.ConfigException} when the configuration can never work.
     */
    public Future<Void> start(Vertx vertx, LaunchConfig launch) {
        ConfigWatcherVerticle w = new ConfigWatcherVerticle(launch, timing);
        watcher = w;
        return vertx.deployVerticle(w)
                .compose(id -> w.firstConfig())
                .compose(config -> startDataPlane(vertx, launch, config));
    }

    /** The deployed config watcher (null before {@link #start}). */
    public ConfigWatcherVerticle watcher() {
        return watcher;
    }

    /**
     * Identity (CertRotationVerticle), then InboundAcceptor / UpstreamListener / Discovery, then Admin: they read
     * the config from {@code Addresses.CONFIG_CURRENT} and follow {@code Addresses.CONFIG}.
     */
    private Future<Void> startDataPlane(Vertx vertx, LaunchConfig launch, ProxyConfig config) {
        LOG.fine(() -> "first config ready: " + config.source());
        return Future.succeededFuture();
    }
}
