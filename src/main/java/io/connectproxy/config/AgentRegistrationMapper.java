package io.connectproxy.config;

import io.connectproxy.consul.wire.AgentService;
import io.connectproxy.consul.wire.ManagedProxyConfig;
import io.connectproxy.consul.wire.ProxyBlock;
import io.connectproxy.consul.wire.WireUpstream;
import io.vertx.core.json.JsonObject;

import java.util.ArrayList;
import java.util.List;
import java.util.logging.Logger;

/**
 * Maps what the agent says about a proxy into a {@link ProxyConfig}, the way Consul's own proxy reads it (see
 * shared/design/consul-agent-api.md): the registration's {@code Address}/{@code Port} are the public listener,
 * overridden by {@code Proxy.Config.bind_address}/{@code bind_port}; the local app is
 * {@code Proxy.LocalServiceSocketPath} or {@code LocalServiceAddress:LocalServicePort} (or
 * {@code Proxy.Config.local_service_address}); timeouts come from {@code Proxy.Config}. Errors name the wire
 * field ({@code Proxy.Upstreams[1].LocalBindPort: ...}).
 */
public final class AgentRegistrationMapper {
    private static final Logger LOG = Logger.getLogger(AgentRegistrationMapper.class.getName());

    private AgentRegistrationMapper() {
    }

    /** A connect-proxy registration from {@code GET /v1/agent/service/<id>}. */
    public static ProxyConfig fromAgentService(AgentService svc) {
        if (!svc.isConnectProxy()) {
            throw new ConfigException("Kind", "service " + svc.id() + " is not a connect proxy: Kind must be "
                    + AgentService.KIND_CONNECT_PROXY + ", got " + JsonFields.show(svc.kind())
                    + " (use -sidecar-for " + svc.id() + " to run as its sidecar)");
        }
        ProxyBlock proxy = svc.proxy();
        if (proxy == null) {
            throw new ConfigException("Proxy", "missing in the registration of " + svc.id());
        }
        String name = UpstreamParser.emptyToNull(proxy.destinationServiceName());
        if (name == null) {
            throw new ConfigException("Proxy.DestinationServiceName", "required, missing in the registration of "
                    + svc.id());
        }
        String id = UpstreamParser.emptyToNull(proxy.destinationServiceId());
        JsonFields config = JsonFields.weak(proxy.config(), "Proxy.Config");

        String bindAddress = config.string("bind_address",
                svc.address().isEmpty() ? ProxyConfig.DEFAULT_BIND_ADDRESS : svc.address());
        int bindPort;
        if (config.has("bind_port")) {
            bindPort = config.port("bind_port", 0);
        } else if (svc.port() >= 1 && svc.port() <= 65535) {
            bindPort = svc.port();
        } else {
            throw new ConfigException("Port", "must be 1-65535, got " + svc.port());
        }

        String socket = UpstreamParser.emptyToNull(proxy.localServiceSocketPath());
        String localHost = null;
        int localPort = 0;
        if (socket == null) {
            String override = config.string("local_service_address");
            if (override != null) {
                HostPort hp = HostPort.parse(override, ProxyConfig.DEFAULT_LOCAL_SERVICE_HOST,
                        config.path("local_service_address"));
                localHost = hp.host();
                localPort = hp.port();
            } else {
                localHost = proxy.localServiceAddress().isEmpty() ? ProxyConfig.DEFAULT_LOCAL_SERVICE_HOST
                        : proxy.localServiceAddress();
                localPort = proxy.localServicePort();
                if (localPort < 1 || localPort > 65535) {
                    throw new ConfigException("Proxy.LocalServicePort", "must be 1-65535, got " + localPort);
                }
            }
        }
        ProxyTuning tuning = ProxyTuning.read(config);
        List<UpstreamConfig> upstreams = new ArrayList<>();
        List<String> fields = new ArrayList<>();
        addWireUpstreams(proxy.upstreams(), "Proxy.Upstreams", upstreams, fields);
        UpstreamParser.checkListeners(upstreams, fields, bindAddress, bindPort, "Port");

        return new ProxyConfig(name, id == null ? name : id, UpstreamParser.emptyToNull(svc.datacenter()),
                bindAddress, bindPort, localHost, localPort, socket, upstreams, tuning, proxy.config(),
                "agent:" + svc.id());
    }

    /**
     * A Consul 1.3-1.5 managed proxy config from {@code GET /v1/agent/connect/proxy/<id>}: everything is in
     * {@code Config}; upstreams may be in {@code Config.upstreams} (snake_case, the 1.2 form) and in
     * {@code Upstreams[]}, and both are used, as Consul's own proxy did.
     */
    public static ProxyConfig fromManagedProxy(ManagedProxyConfig managed) {
        JsonObject raw = managed.config();
        JsonFields config = JsonFields.weak(raw, "Config");
        String bindAddress = config.string("bind_address", ProxyConfig.DEFAULT_BIND_ADDRESS);
        if (!config.has("bind_port")) {
            throw new ConfigException(config.path("bind_port"), "required, missing in the managed proxy config of "
                    + managed.proxyServiceId());
        }
        int bindPort = config.port("bind_port", 0);
        HostPort local = HostPort.parse(config.requiredString("local_service_address"),
                ProxyConfig.DEFAULT_LOCAL_SERVICE_HOST, config.path("local_service_address"));
        ProxyTuning tuning = ProxyTuning.read(config);

        UpstreamParser.Parsed parsed = UpstreamParser.fromFileList(config);
        List<UpstreamConfig> upstreams = parsed.upstreams();
        List<String> fields = parsed.fields();
        addWireUpstreams(managed.upstreams(), "Upstreams", upstreams, fields);
        UpstreamParser.checkListeners(upstreams, fields, bindAddress, bindPort, config.path("bind_port"));

        return new ProxyConfig(managed.targetServiceName(), managed.targetServiceId(), null, bindAddress, bindPort,
                local.host(), local.port(), null, upstreams, tuning, raw, "managed:" + managed.proxyServiceId());
    }

    private static void addWireUpstreams(List<WireUpstream> wire, String path, List<UpstreamConfig> out,
                                         List<String> fields) {
        for (int i = 0; i < wire.size(); i++) {
            WireUpstream w = wire.get(i);
            String p = path + "[" + i + "]";
            if (w.localBindSocketPath().isEmpty() && w.localBindPort() == 0) {
                // transparent-proxy upstreams have no local listener; this proxy has nothing to bind for them
                LOG.warning(() -> p + " (" + w.destinationName() + ") has no LocalBindPort or LocalBindSocketPath; "
                        + "skipped");
                continue;
            }
            UpstreamConfig up = UpstreamParser.fromWire(w, p);
            out.add(up);
            fields.add(p + (up.isUnixSocket() ? ".LocalBindSocketPath" : ".LocalBindPort"));
        }
    }
}
