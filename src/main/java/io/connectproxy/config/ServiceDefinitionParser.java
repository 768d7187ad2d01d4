package io.connectproxy.config;

import io.vertx.core.json.JsonObject;

import java.util.List;
import java.util.Set;

/**
 * Turns the {@code service} block of a -conf file (the service-definition shape Consul documents) into a
 * {@link ProxyConfig}. The known keys of {@code connect.proxy.config} are validated; the rest of that map is
 * kept untouched in {@link ProxyConfig#opaqueConfig()} because Consul passes other proxies' keys there.
 */
public final class ServiceDefinitionParser {
    static final String PATH = "service";

    private static final Set<String> SERVICE_KEYS = Set.of("name", "id", "address", "port", "connect",
            // accepted from copied Consul service definitions; they describe the registration, not the proxy
            "tags", "meta", "check", "checks", "enable_tag_override", "weights", "tagged_addresses");
    private static final Set<String> PROXY_KEYS = Set.of("config",
            // Consul 1.3-1.5 managed-proxy definitions: how the agent launched the proxy, meaningless here
            "command", "exec_mode");

    private ServiceDefinitionParser() {
    }

    /**
     * @param service    the {@code service} object
     * @param datacenter the datacenter the agent settings name, or null
     * @param source     recorded in {@link ProxyConfig#source()}, e.g. {@code file:/etc/web.json}
     */
    public static ProxyConfig parse(JsonObject service, String datacenter, String source) {
        JsonFields s = JsonFields.of(service, PATH).allowOnly(SERVICE_KEYS);
        String name = s.requiredString("name");
        String id = s.string("id", name);
        s.string("address");
        Integer servicePort = s.has("port") ? s.port("port", 0) : null;

        JsonFields connect = s.nested("connect");
        if (connect.has("sidecar_service")) {
            throw new ConfigException(connect.path("sidecar_service"), "not read from a -conf file: register the "
                    + "service with the agent and use -sidecar-for, or put the proxy settings in "
                    + connect.path("proxy.config"));
        }
        connect.allowOnly(Set.of("proxy"));
        JsonFields proxy = connect.nested("proxy").allowOnly(PROXY_KEYS);
        JsonObject raw = proxy.object("config");
        JsonFields config = JsonFields.weak(raw, proxy.path("config"));

        String bindAddress = config.string("bind_address", ProxyConfig.DEFAULT_BIND_ADDRESS);
        int bindPort = config.port("bind_port", ProxyConfig.DEFAULT_BIND_PORT);
        String socket = config.string("local_service_socket_path");
        String localAddress = config.string("local_service_address");
        String localHost = null;
        int localPort = 0;
        if (socket != null && localAddress != null) {
            throw new ConfigException(config.path("local_service_address"),
                    "cannot be combined with local_service_socket_path, got " + JsonFields.show(localAddress));
        }
        if (localAddress != null) {
            HostPort hp = HostPort.parse(localAddress, ProxyConfig.DEFAULT_LOCAL_SERVICE_HOST,
                    config.path("local_service_address"));
            localHost = hp.host();
            localPort = hp.port();
        } else if (socket == null) {
            if (servicePort == null) {
                throw new ConfigException(s.path("port"), "required: the port of the local app the public "
                        + "listener forwards to (or set " + config.path("local_service_address") + " or "
                        + config.path("local_service_socket_path") + ")");
            }
            localHost = ProxyConfig.DEFAULT_LOCAL_SERVICE_HOST;
            localPort = servicePort;
        }
        ProxyTuning tuning = ProxyTuning.read(config);

        UpstreamParser.Parsed parsed = UpstreamParser.fromFileList(config);
        List<UpstreamConfig> upstreams = parsed.upstreams();
        List<String> fields = parsed.fields();
        UpstreamParser.checkListeners(upstreams, fields, bindAddress, bindPort, config.path("bind_port"));

        return new ProxyConfig(name, id, datacenter, bindAddress, bindPort, localHost, localPort, socket, upstreams,
                tuning, raw, source);
    }
}
