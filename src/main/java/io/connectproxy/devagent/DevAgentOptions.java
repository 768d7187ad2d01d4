package io.connectproxy.devagent;

import io.connectproxy.config.ConfigException;
import io.connectproxy.config.GoDuration;
import io.vertx.core.json.JsonArray;
import io.vertx.core.json.JsonObject;

import java.nio.file.Path;
import java.time.Duration;
import java.util.Objects;

/**
 * How to run a dev agent.
 *
 * @param host      address to bind the HTTP API to
 * @param port      port to bind, 0 for any free one
 * @param datacenter the agent's datacenter (dc1)
 * @param nodeName  the node's name
 * @param leafTtl   lifetime of leaf certificates (Consul's default is 72h)
 * @param services  service definitions to register at start (Consul's JSON, PascalCase or snake_case)
 * @param sidecarCheckInterval how often the "Connect Sidecar Listening" TCP check added to every sidecar runs
 *                  (Consul's 10 s; tests and local meshes may go faster)
 * @param dataDir   where the state survives a restart of the process (CA and its keys, intentions, services
 *                  registered over HTTP), like a non-dev agent's -data-dir; null keeps everything in memory
 */
public record DevAgentOptions(String host, int port, String datacenter, String nodeName, Duration leafTtl,
                              JsonArray services, Duration sidecarCheckInterval, Path dataDir) {

    public static final String DEFAULT_HOST = "127.0.0.1";
    public static final String DEFAULT_DATACENTER = "dc1";
    public static final String DEFAULT_NODE_NAME = "dev-agent";
    public static final Duration DEFAULT_LEAF_TTL = Duration.ofHours(72);
    /** The port `consul agent -dev` listens on, used by the `dev` mode when no http_addr is given. */
    public static final int CONSUL_HTTP_PORT = 8500;
    /** Consul's interval for the sidecar's TCP check. */
    public static final Duration DEFAULT_SIDECAR_CHECK_INTERVAL = Duration.ofSeconds(10);

    public DevAgentOptions {
        Objects.requireNonNull(host, "host");
        Objects.requireNonNull(datacenter, "datacenter");
        Objects.requireNonNull(nodeName, "nodeName");
        Objects.requireNonNull(leafTtl, "leafTtl");
        if (port < 0 || port > 65535) {
            throw new ConfigException("port", "must be 0..65535, got " + port);
        }
        if (leafTtl.isZero() || leafTtl.isNegative()) {
            throw new ConfigException("leaf_ttl", "must be positive, got " + leafTtl);
        }
        services = services == null ? new JsonArray() : services.copy();
        if (sidecarCheckInterval == null) {
            sidecarCheckInterval = DEFAULT_SIDECAR_CHECK_INTERVAL;
        }
        if (sidecarCheckInterval.isZero() || sidecarCheckInterval.isNegative()) {
            throw new ConfigException("sidecar_check_interval", "must be positive, got "
                + sidecarCheckInterval);
        }
    }

    /** The options without a sidecar check interval of their own (Consul's 10 s). */
    public DevAgentOptions(String host, int port, String datacenter, String nodeName, Duration leafTtl,
                           JsonArray services) {
        this(host, port, datacenter, nodeName, leafTtl, services, DEFAULT_SIDECAR_CHECK_INTERVAL, null);
    }

    /** 127.0.0.1, any port, dc1, 72h leaves, no services. */
    public static DevAgentOptions defaults() {
        return new DevAgentOptions(DEFAULT_HOST, 0, DEFAULT_DATACENTER, DEFAULT_NODE_NAME, DEFAULT_LEAF_TTL,
            new JsonArray());
    }

    public DevAgentOptions withHost(String newHost) {
        return new DevAgentOptions(newHost, port, datacenter, nodeName, leafTtl, services, sidecarCheckInterval, dataDir);
    }

    public DevAgentOptions withPort(int newPort) {
        return new DevAgentOptions(host, newPort, datacenter, nodeName, leafTtl, services, sidecarCheckInterval, dataDir);
    }

    public DevAgentOptions withDatacenter(String newDatacenter) {
        return new DevAgentOptions(host, port, newDatacenter, nodeName, leafTtl, services, sidecarCheckInterval, dataDir);
    }

    public DevAgentOptions withNodeName(String newNodeName) {
        return new DevAgentOptions(host, port, datacenter, newNodeName, leafTtl, services, sidecarCheckInterval, dataDir);
    }

    public DevAgentOptions withLeafTtl(Duration newLeafTtl) {
        return new DevAgentOptions(host, port, datacenter, nodeName, newLeafTtl, services, sidecarCheckInterval, dataDir);
    }

    public DevAgentOptions withServices(JsonArray newServices) {
        return new DevAgentOptions(host, port, datacenter, nodeName, leafTtl, newServices, sidecarCheckInterval, dataDir);
    }

    public DevAgentOptions withSidecarCheckInterval(Duration interval) {
        return new DevAgentOptions(host, port, datacenter, nodeName, leafTtl, services, interval, dataDir);
    }

    public DevAgentOptions withDataDir(Path newDataDir) {
        return new DevAgentOptions(host, port, datacenter, nodeName, leafTtl, services, sidecarCheckInterval,
            newDataDir);
    }

    @Override
    public JsonArray services() {
        return services.copy();
    }

    /**
     * Reads the `dev` mode's config: {"http_addr":"127.0.0.1:8500","datacenter":"dc1","node_name":"dev-agent",
     * "leaf_ttl":"72h","sidecar_check_interval":"10s","data_dir":"/var/lib/dev-agent","services":[...]}; every key is
     * optional. Errors name the bad field.
     *
     * @throws ConfigException naming the key
     */
    public static DevAgentOptions fromJson(JsonObject config) {
        DevAgentOptions options = defaults().withPort(CONSUL_HTTP_PORT);
        Object addr = config.getValue("http_addr");
        if (addr != null) {
            if (!(addr instanceof String text)) {
                throw new ConfigException("http_addr", "expected \"host:port\", got " + addr);
            }
            int colon = text.lastIndexOf(':');
            if (colon < 0) {
                throw new ConfigException("http_addr", "expected \"host:port\", got \"" + text + "\"");
            }
            String host = text.substring(0, colon);
            if (host.startsWith("[") && host.endsWith("]")) {
                host = host.substring(1, host.length() - 1);
            }
            int port;
            try {
                port = Integer.parseInt(text.substring(colon + 1));
            } catch (NumberFormatException e) {
                throw new ConfigException("http_addr", "bad port in \"" + text + "\"");
            }
            if (port < 0 || port > 65535) {
                throw new ConfigException("http_addr", "port must be 0..65535, got " + port);
            }
            options = options.withHost(host.isEmpty() ? DEFAULT_HOST : host).withPort(port);
        }
        options = options.withDatacenter(string(config, "datacenter", options.datacenter()))
            .withNodeName(string(config, "node_name", options.nodeName()));
        Duration ttl = positiveDuration(config, "leaf_ttl");
        if (ttl != null) {
            options = options.withLeafTtl(ttl);
        }
        Duration checkInterval = positiveDuration(config, "sidecar_check_interval");
        if (checkInterval != null) {
            options = options.withSidecarCheckInterval(checkInterval);
        }
        String dataDir = string(config, "data_dir", null);
        if (dataDir != null) {
            options = options.withDataDir(Path.of(dataDir));
        }
        Object services = config.getValue("services");
        if (services != null) {
            if (!(services instanceof JsonArray array)) {
                throw new ConfigException("services", "expected an array of service definitions");
            }
            options = options.withServices(array);
        }
        return options;
    }

    /** A Go duration above zero, or null when the key is absent. */
    private static Duration positiveDuration(JsonObject config, String key) {
        String text = string(config, key, null);
        if (text == null) {
            return null;
        }
        Duration parsed;
        try {
            parsed = GoDuration.parse(text);
        } catch (IllegalArgumentException e) {
            throw new ConfigException(key, e.getMessage());
        }
        if (parsed.isZero() || parsed.isNegative()) {
            throw new ConfigException(key, "must be positive, got \"" + text + "\"");
        }
        return parsed;
    }

    private static String string(JsonObject config, String key, String defaultValue) {
        Object value = config.getValue(key);
        if (value == null) {
            return defaultValue;
        }
        if (!(value instanceof String s) || s.isEmpty()) {
            throw new ConfigException(key, "expected a non-empty string, got " + value);
        }
        return s;
    }
}
