package io.connectproxy.devagent;

import io.connectproxy.config.ConfigException;
import io.vertx.core.Future;
import io.vertx.core.VerticleBase;

import java.util.logging.Logger;

/**
 * The `dev` mode: runs a {@link DevAgent} from the verticle config
 * {"http_addr":"127.0.0.1:8500","datacenter":"dc1","leaf_ttl":"72h","services":[...]} and logs what it serves.
 */
public final class DevAgentVerticle extends VerticleBase {

    private static final Logger LOG = Logger.getLogger(DevAgentVerticle.class.getName());

    private DevAgent agent;

    @Override
    public Future<?> start() {
        DevAgentOptions options;
        try {
            options = DevAgentOptions.fromJson(config());
        } catch (ConfigException e) {
            return Future.failedFuture(new ConfigException("dev agent config: " + e.field(), e.problem()));
        }
        return DevAgent.start(vertx, options).onSuccess(started -> {
            agent = started;
            LOG.info(() -> "dev agent serving the Consul agent API at http://" + started.httpAddr()
                + " — export CONSUL_HTTP_ADDR=" + started.httpAddr() + "; datacenter " + started.datacenter()
                + ", trust domain " + started.trustDomain() + ", services " + started.serviceIds());
        });
    }

    @Override
    public Future<?> stop() {
        return agent == null ? Future.succeededFuture() : agent.close();
    }

    /** The running agent (null before start completes). */
    public DevAgent agent() {
        return agent;
    }
}
