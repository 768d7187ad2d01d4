package io.connectproxy.config;

import io.connectproxy.consul.wire.WireUpstream;

import java.util.ArrayList;
import java.util.List;

/**
 * Builds {@link UpstreamConfig}s from the snake_case upstream entries of a config file (or of a legacy managed
 * proxy's {@code Config.upstreams}) and from the agent's PascalCase {@code Upstreams[]}, and checks that no two
 * listeners collide. Unknown keys in an entry are left alone: they belong to Consul's schema, not ours.
 */
final class UpstreamParser {
    static final String BALANCER = "balancer";
    static final String CONNECT_TIMEOUT_MS = "connect_timeout_ms";
    /** Proxied connections this upstream's listener holds open at once (all event loops); 0: no bound. */
    static final String MAX_CONNECTIONS = "max_connections";

    private UpstreamParser() {
    }

    /** One snake_case entry ({@code destination_name}, {@code local_bind_port}, …). */
    /** The upstreams of a config map and, in the same order, the field path each listener came from. */
    record Parsed(List<UpstreamConfig> upstreams, List<String> fields) {
    }

    /** Every entry of {@code config.upstreams}; the lists are mutable so agent upstreams can be appended. */
    static Parsed fromFileList(JsonFields config) {
        List<UpstreamConfig> upstreams = new java.util.ArrayList<>();
        List<String> fields = new java.util.ArrayList<>();
        for (JsonFields u : config.objects("upstreams")) {
            UpstreamConfig up = fromFile(u);
            upstreams.add(up);
            fields.add(fileListenerField(up, u.path()));
        }
        return new Parsed(upstreams, fields);
    }

    static UpstreamConfig fromFile(JsonFields u) {
        String name = u.requiredString("destination_name");
        DestinationType type = destinationType(u.string("destination_type"), u.path("destination_type"));
        String socket = u.string("local_bind_socket_path");
        int port;
        String address;
        if (socket != null) {
            if (u.has("local_bind_port")) {
                throw new ConfigException(u.path("local_bind_port"),
                        "cannot be combined with local_bind_socket_path, got " + JsonFields.show(u.json()
                                .getValue("local_bind_port")));
            }
            port = 0;
            address = null;
        } else {
            if (!u.has("local_bind_port")) {
                throw new ConfigException(u.path("local_bind_port"), "required (or local_bind_socket_path)");
            }
            port = u.port("local_bind_port", 0);
            address = u.string("local_bind_address", UpstreamConfig.DEFAULT_LOCAL_BIND_ADDRESS);
        }
        JsonFields config = u.nested("config");
        int connectTimeout = u.has(CONNECT_TIMEOUT_MS)
                ? u.millisInt(CONNECT_TIMEOUT_MS, UpstreamConfig.DEFAULT_CONNECT_TIMEOUT_MS, 1)
                : config.millisInt(CONNECT_TIMEOUT_MS, UpstreamConfig.DEFAULT_CONNECT_TIMEOUT_MS, 1);
        return new UpstreamConfig(type, name,
                u.string("destination_namespace", UpstreamConfig.DEFAULT_DESTINATION_NAMESPACE),
                u.string("datacenter"), address, port, socket, connectTimeout, balancer(config),
                checkedMaxConnections(config));
    }

    /** One {@code Proxy.Upstreams[i]} entry of an agent registration. */
    static UpstreamConfig fromWire(WireUpstream w, String path) {
        DestinationType type = destinationType(emptyToNull(w.destinationType()), path + ".DestinationType");
        JsonFields config = JsonFields.weak(w.config(), path + ".Config");
        String socket = emptyToNull(w.localBindSocketPath());
        int port = 0;
        String address = null;
        if (socket == null) {
            port = w.localBindPort();
            if (port < 1 || port > 65535) {
                throw new ConfigException(path + ".LocalBindPort", "must be 1-65535, got " + port);
            }
            address = w.localBindAddress().isEmpty() ? UpstreamConfig.DEFAULT_LOCAL_BIND_ADDRESS
                    : w.localBindAddress();
        }
        return new UpstreamConfig(type, w.destinationName(),
                w.destinationNamespace().isEmpty() ? UpstreamConfig.DEFAULT_DESTINATION_NAMESPACE
                        : w.destinationNamespace(),
                emptyToNull(w.datacenter()), address, port, socket,
                config.millisInt(CONNECT_TIMEOUT_MS, UpstreamConfig.DEFAULT_CONNECT_TIMEOUT_MS, 1),
                balancer(config), checkedMaxConnections(config));
    }

    /**
     * Two listeners on one address cannot both bind; say which entries collide instead of failing at bind time.
     *
     * @param fields the field path of each upstream's bind port or socket, parallel to {@code upstreams}
     */
    static void checkListeners(List<UpstreamConfig> upstreams, List<String> fields, String publicAddress,
                               int publicPort, String publicPath) {
        List<String> seen = new ArrayList<>();
        for (int i = 0; i < upstreams.size(); i++) {
            UpstreamConfig u = upstreams.get(i);
            String field = fields.get(i);
            int previous = seen.indexOf(u.listenerKey());
            if (previous >= 0) {
                throw new ConfigException(field, u.listenerKey() + " is already used by " + fields.get(previous));
            }
            seen.add(u.listenerKey());
            if (!u.isUnixSocket() && publicPort > 0 && u.localBindPort() == publicPort
                    && (u.localBindAddress().equals(publicAddress) || isWildcard(publicAddress)
                    || isWildcard(u.localBindAddress()))) {
                throw new ConfigException(field, u.listenerKey() + " collides with the public listener "
                        + HostPort.format(publicAddress, publicPort) + " (" + publicPath + ")");
            }
        }
    }

    private static boolean isWildcard(String address) {
        return address.equals("0.0.0.0") || address.equals("::") || address.equals("[::]");
    }

    static DestinationType destinationType(String value, String field) {
        if (value == null) {
            return UpstreamConfig.DEFAULT_DESTINATION_TYPE;
        }
        DestinationType t = DestinationType.fromWireName(value);
        if (t == null) {
            throw new ConfigException(field, "must be service or prepared_query, got " + JsonFields.show(value));
        }
        return t;
    }

    private static Balancer balancer(JsonFields config) {
        String value = config.string(BALANCER);
        if (value == null) {
            return Balancer.DEFAULT;
        }
        Balancer b = Balancer.fromWireName(value);
        if (b == null) {
            throw new ConfigException(config.path(BALANCER), "must be round_robin or least_conn, got "
                    + JsonFields.show(value));
        }
        return b;
    }

    /** The entry's {@code config} map once its {@code max_connections} is known to be valid (errors name it). */
    private static io.vertx.core.json.JsonObject checkedMaxConnections(JsonFields config) {
        maxConnections(config);
        return config.json();
    }

    static int maxConnections(JsonFields config) {
        Long v = config.integer(MAX_CONNECTIONS);
        if (v == null) {
            return UpstreamConfig.DEFAULT_MAX_CONNECTIONS;
        }
        if (v < 0 || v > 1_000_000) {
            throw new ConfigException(config.path(MAX_CONNECTIONS), "must be 0-1000000 (0: no bound), got " + v);
        }
        return v.intValue();
    }

    static String emptyToNull(String s) {
        return s == null || s.isEmpty() ? null : s;
    }

    /** The field that names an upstream's listener in a snake_case entry at {@code path}. */
    static String fileListenerField(UpstreamConfig u, String path) {
        return path + (u.isUnixSocket() ? ".local_bind_socket_path" : ".local_bind_port");
    }
}
