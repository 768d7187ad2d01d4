package io.connectproxy.envoy;

import io.connectproxy.consul.AgentSettings;

import java.util.List;
import java.util.Map;

/**
 * Everything {@code envoy} mode was asked to do, resolved from flags and environment by the CLI (flag &gt; env &gt;
 * default, as {@code consul connect envoy} does). Empty strings mean "not given".
 *
 * @param gateway        null unless {@code -gateway} (or the deprecated {@code -mesh-gateway}) was given
 * @param service        the gateway's service name; empty means the gateway kind's name
 * @param lanAddress     {@code -address}, {@link ServiceAddress#UNSET} when not given
 * @param wanAddress     {@code -wan-address}, {@link ServiceAddress#UNSET} when not given
 * @param exposeServers  {@code -expose-servers}: a registered mesh gateway carries the WAN federation meta key
 * @param bindAddresses  {@code -bind-address name=addr:port} (repeatable): a registered gateway binds exactly these
 *                       instead of Consul's default binding rules
 * @param httpSslEnv     the raw {@code CONSUL_HTTP_SSL} value (empty when unset): it decides gRPC TLS the way
 *                       Consul 1.10 does, before the scheme of the HTTP address is looked at
 * @param envoyArgs      what followed {@code --}, passed to Envoy as is
 * @param env            the process environment, for {@code $VAR} expansion in stats sink URLs and PATH lookup
 */
public record EnvoyOptions(
        String proxyId,
        String sidecarFor,
        GatewayKind gateway,
        boolean register,
        String service,
        ServiceAddress lanAddress,
        ServiceAddress wanAddress,
        String deregisterAfterCritical,
        String adminBind,
        String adminAccessLogPath,
        boolean bootstrap,
        String envoyBinary,
        String grpcAddr,
        String envoyVersion,
        boolean noCentralConfig,
        String prometheusBackendPort,
        String prometheusScrapePath,
        boolean omitDeprecatedTags,
        boolean exposeServers,
        Map<String, ServiceAddress> bindAddresses,
        AgentSettings agent,
        String httpSslEnv,
        List<String> envoyArgs,
        Map<String, String> env) {

    public static final String DEFAULT_ADMIN_BIND = "localhost:19000";
    public static final String DEFAULT_ADMIN_ACCESS_LOG_PATH = "/dev/null";
    public static final String DEFAULT_PROMETHEUS_SCRAPE_PATH = "/metrics";
    public static final String DEFAULT_DEREGISTER_AFTER_CRITICAL = "6h";
    /** The first Envoy version Consul 1.10.1 supports, its default for {@code -envoy-version}. */
    public static final String DEFAULT_ENVOY_VERSION = "1.18.3";

    public EnvoyOptions {
        proxyId = nz(proxyId);
        sidecarFor = nz(sidecarFor);
        service = nz(service);
        lanAddress = lanAddress == null ? ServiceAddress.UNSET : lanAddress;
        wanAddress = wanAddress == null ? ServiceAddress.UNSET : wanAddress;
        deregisterAfterCritical = deregisterAfterCritical == null || deregisterAfterCritical.isEmpty()
                ? DEFAULT_DEREGISTER_AFTER_CRITICAL : deregisterAfterCritical;
        adminBind = adminBind == null || adminBind.isEmpty() ? DEFAULT_ADMIN_BIND : adminBind;
        adminAccessLogPath = adminAccessLogPath == null || adminAccessLogPath.isEmpty()
                ? DEFAULT_ADMIN_ACCESS_LOG_PATH : adminAccessLogPath;
        envoyBinary = nz(envoyBinary);
        grpcAddr = nz(grpcAddr);
        envoyVersion = envoyVersion == null || envoyVersion.isEmpty() ? DEFAULT_ENVOY_VERSION : envoyVersion;
        prometheusBackendPort = nz(prometheusBackendPort);
        prometheusScrapePath = prometheusScrapePath == null || prometheusScrapePath.isEmpty()
                ? DEFAULT_PROMETHEUS_SCRAPE_PATH : prometheusScrapePath;
        httpSslEnv = nz(httpSslEnv);
        bindAddresses = bindAddresses == null ? Map.of()
                : java.util.Collections.unmodifiableMap(new java.util.LinkedHashMap<>(bindAddresses));
        envoyArgs = List.copyOf(envoyArgs == null ? List.of() : envoyArgs);
        env = Map.copyOf(env == null ? Map.of() : env);
        if (agent == null) {
            throw new IllegalArgumentException("agent settings are required");
        }
    }

    /** The gateway's service name: {@code -service}, else the kind's name (empty when not a gateway). */
    public String gatewayServiceName() {
        if (!service.isEmpty()) {
            return service;
        }
        return gateway == null ? "" : gateway.serviceKind();
    }

    private static String nz(String s) {
        return s == null ? "" : s;
    }

    /** Leaves out the environment (it may hold CONSUL_HTTP_TOKEN); the agent settings redact the token. */
    @Override
    public String toString() {
        return "EnvoyOptions[proxyId=" + proxyId + ", sidecarFor=" + sidecarFor + ", gateway=" + gateway
                + ", register=" + register + ", service=" + service + ", adminBind=" + adminBind
                + ", bootstrap=" + bootstrap + ", grpcAddr=" + grpcAddr + ", envoyVersion=" + envoyVersion
                + ", noCentralConfig=" + noCentralConfig + ", agent=" + agent + ", envoyArgs=" + envoyArgs + "]";
    }
}
