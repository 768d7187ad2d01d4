package io.connectproxy.config;

import io.vertx.core.json.JsonObject;

import java.util.Objects;

/**
 * One upstream: a local plaintext listener (TCP {@code localBindAddress:localBindPort} or a unix socket at
 * {@code localBindSocketPath}) whose connections go over mTLS to healthy instances of the destination.
 *
 * @param destinationNamespace never null ({@value #DEFAULT_DESTINATION_NAMESPACE} by default)
 * @param datacenter           null for the agent's own datacenter
 * @param localBindAddress     null when the listener is a unix socket
 * @param localBindPort        0 when the listener is a unix socket
 * @param localBindSocketPath  null for a TCP listener
 * @param config               the upstream's opaque {@code config} map, kept as given (a copy)
 */
public record UpstreamConfig(
        DestinationType destinationType,
        String destinationName,
        String destinationNamespace,
        String datacenter,
        String localBindAddress,
        int localBindPort,
        String localBindSocketPath,
        int connectTimeoutMs,
        Balancer balancer,
        JsonObject config) {

    public static final DestinationType DEFAULT_DESTINATION_TYPE = DestinationType.SERVICE;
    public static final String DEFAULT_DESTINATION_NAMESPACE = "default";
    public static final String DEFAULT_LOCAL_BIND_ADDRESS = "127.0.0.1";
    public static final int DEFAULT_CONNECT_TIMEOUT_MS = 10_000;
    /** Per upstream, for the reasons of the public listener's {@code max_inbound_connections} default. */
    public static final int DEFAULT_MAX_CONNECTIONS = ProxyTuning.DEFAULT_MAX_INBOUND_CONNECTIONS;

    public UpstreamConfig {
        Objects.requireNonNull(destinationType, "destinationType");
        Objects.requireNonNull(destinationName, "destinationName");
        destinationNamespace = destinationNamespace == null ? DEFAULT_DESTINATION_NAMESPACE : destinationNamespace;
        balancer = balancer == null ? Balancer.DEFAULT : balancer;
        if (localBindSocketPath == null) {
            Objects.requireNonNull(localBindAddress, "localBindAddress");
            if (localBindPort < 0 || localBindPort > 65535) {
                throw new IllegalArgumentException("localBindPort out of range: " + localBindPort);
            }
        }
        if (connectTimeoutMs <= 0) {
            throw new IllegalArgumentException("connectTimeoutMs must be positive: " + connectTimeoutMs);
        }
        config = config == null ? new JsonObject() : config.copy();
    }

    /** A copy: the record stays immutable. */
    @Override
    public JsonObject config() {
        return config.copy();
    }

    /**
     * {@code config.max_connections}: proxied connections this upstream's listener holds open at once, over all
     * event loops (0: no bound). Validated when the config was parsed.
     */
    public int maxConnections() {
        return UpstreamParser.maxConnections(JsonFields.weak(config, "config"));
    }

    public boolean isUnixSocket() {
        return localBindSocketPath != null;
    }

    /**
     * Identifies the local listener when diffing configs: an upstream whose key and destination are unchanged
     * keeps its listener and its connections.
     */
    public String listenerKey() {
        return isUnixSocket() ? "unix:" + localBindSocketPath : HostPort.format(localBindAddress, localBindPort);
    }

    /**
     * Identifies the destination ({@code type/namespace/name[@dc]}); used as the suffix of the bus address of its
     * endpoint set, so two listeners for the same destination share one discovery watch.
     */
    public String destinationKey() {
        return destinationType.wireName() + "/" + destinationNamespace + "/" + destinationName
                + (datacenter == null ? "" : "@" + datacenter);
    }
}
