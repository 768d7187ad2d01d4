package io.connectproxy.registration;

import io.connectproxy.config.ProxyConfig;
import io.connectproxy.config.UpstreamConfig;
import io.vertx.core.json.JsonArray;
import io.vertx.core.json.JsonObject;

import java.time.Duration;
import java.util.Objects;

/**
 * What {@code -register} puts on the agent: this proxy as a {@code connect-proxy} service for its destination,
 * with a TTL check that {@link RegistrationVerticle} passes only while {@code /ready} is true.
 *
 * @param serviceId the registration id ({@code <service>-proxy}, plus {@code -<suffix>} with {@code -register-id})
 * @param ttl       the check's TTL; heartbeats go out at a third of it
 */
public record ProxyRegistration(String serviceId, ProxyConfig config, Duration ttl) {
    public static final Duration DEFAULT_TTL = Duration.ofSeconds(30);

    public ProxyRegistration {
        Objects.requireNonNull(serviceId, "serviceId");
        Objects.requireNonNull(config, "config");
        Objects.requireNonNull(ttl, "ttl");
        if (!config.hasPublicListener()) {
            throw new IllegalArgumentException("a registered proxy needs a public listener");
        }
    }

    /** The id Consul's own {@code consul connect proxy -register} uses when none is given. */
    public static String defaultId(String service) {
        return service + "-proxy";
    }

    /**
     * The id as Consul's {@code consul connect proxy -register -register-id SUFFIX} builds it: the flag is a suffix
     * that tells several proxies of one service apart ({@code web-proxy-a1}), so command lines written for
     * Consul register the same ids here. An empty suffix means none, as in Consul.
     */
    public static String serviceId(String service, String suffix) {
        return suffix == null || suffix.isEmpty() ? defaultId(service) : defaultId(service) + "-" + suffix;
    }

    public String checkId() {
        return serviceId + "-ttl";
    }

    /** The body of {@code PUT /v1/agent/service/register}. */
    public JsonObject definition() {
        JsonArray upstreams = new JsonArray();
        for (UpstreamConfig u : config.upstreams()) {
            JsonObject j = new JsonObject()
                    .put("DestinationType", u.destinationType().wireName())
                    .put("DestinationName", u.destinationName());
            if (u.isUnixSocket()) {
                j.put("LocalBindSocketPath", u.localBindSocketPath());
            } else {
                j.put("LocalBindAddress", u.localBindAddress()).put("LocalBindPort", u.localBindPort());
            }
            if (u.datacenter() != null) {
                j.put("Datacenter", u.datacenter());
            }
            upstreams.add(j);
        }
        JsonObject proxy = new JsonObject()
                .put("DestinationServiceName", config.serviceName())
                .put("DestinationServiceID", config.serviceId())
                .put("Upstreams", upstreams);
        if (config.localServiceSocketPath() != null) {
            proxy.put("LocalServiceSocketPath", config.localServiceSocketPath());
        } else {
            proxy.put("LocalServiceAddress", config.localServiceAddress())
                    .put("LocalServicePort", config.localServicePort());
        }
        JsonObject def = new JsonObject()
                .put("Kind", "connect-proxy")
                .put("ID", serviceId)
                .put("Name", config.serviceName() + "-proxy")
                .put("Port", config.bindPort())
                .put("Proxy", proxy)
                .put("Check", new JsonObject()
                        .put("CheckID", checkId())
                        .put("Name", "connect-proxy ready")
                        .put("Notes", "passing only while the proxy's /ready is true")
                        .put("TTL", ttl.toMillis() + "ms"));
        // a wildcard bind means "every address": let the agent advertise its own node address
        if (!isWildcard(config.bindAddress())) {
            def.put("Address", config.bindAddress());
        }
        return def;
    }

    private static boolean isWildcard(String address) {
        return address.equals("0.0.0.0") || address.equals("::") || address.equals("[::]") || address.isEmpty();
    }
}
