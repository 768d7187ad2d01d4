package io.connectproxy.config;

import io.connectproxy.consul.AgentSettings;

import java.util.Objects;

/**
 * Everything proxy mode needs to start, resolved once from flags, the -conf file and the environment: where the
 * proxy config comes from, how to reach the agent, the admin listener and logging. toString never shows a token.
 *
 * @param adminBind  the admin HTTP listener, or null when disabled ({@code -admin-bind off})
 * @param configFile the -conf path (watched for changes when the source is {@link Kind#FILE}), or null
 * @param adminBindChosen whether the admin address was chosen ({@code -admin-bind}, {@code admin.bind}): a chosen
 *                   address that is taken is an error; the default one falls back to any free loopback port, and
 *                   the proxy config's {@code admin_bind} may replace it
 */
public record LaunchConfig(Source source, AgentSettings agent, HostPort adminBind, LogLevel logLevel,
                           boolean logJson, String configFile, boolean adminBindChosen) {

    /** Loopback, and clear of Envoy's admin port 19000 so both can run side by side. */
    public static final HostPort DEFAULT_ADMIN_BIND = new HostPort("127.0.0.1", 19100);
    /** The value of {@code -admin-bind} / {@code admin.bind} that turns the admin listener off. */
    public static final String ADMIN_OFF = "off";

    public LaunchConfig {
        Objects.requireNonNull(source, "source");
        Objects.requireNonNull(agent, "agent");
        logLevel = logLevel == null ? LogLevel.DEFAULT : logLevel;
    }

    /** Chosen unless it is the default address. */
    public LaunchConfig(Source source, AgentSettings agent, HostPort adminBind, LogLevel logLevel, boolean logJson,
                        String configFile) {
        this(source, agent, adminBind, logLevel, logJson, configFile,
                adminBind == null || !adminBind.equals(DEFAULT_ADMIN_BIND));
    }

    public boolean adminEnabled() {
        return adminBind != null;
    }

    /** Where the proxy config comes from. */
    public enum Kind {
        /** a -conf file with a {@code service} block: static, re-read when the file changes */
        FILE,
        /** {@code -service} with {@code -listen}/{@code -service-addr}/{@code -upstream}: static */
        FLAGS,
        /** {@code -sidecar-for <service-id>}: find the sidecar registration on the agent, then watch it */
        SIDECAR_FOR,
        /** {@code -proxy-id <id>}: watch {@code /v1/agent/service/<id>} */
        PROXY_ID,
        /** Consul 1.3-1.5 managed proxy ({@code CONNECT_PROXY_ID} + {@code CONNECT_PROXY_TOKEN}): watch
         *  {@code /v1/agent/connect/proxy/<id>} */
        MANAGED_PROXY
    }

    /**
     * @param id           the service id (SIDECAR_FOR) or proxy id (PROXY_ID, MANAGED_PROXY), else null
     * @param token        the managed proxy's token (MANAGED_PROXY), else null
     * @param staticConfig the config (FILE, FLAGS), else null
     */
    public record Source(Kind kind, String id, String token, ProxyConfig staticConfig) {

        public Source {
            Objects.requireNonNull(kind, "kind");
            boolean isStatic = kind == Kind.FILE || kind == Kind.FLAGS;
            if (isStatic != (staticConfig != null)) {
                throw new IllegalArgumentException(kind + ": static config " + (isStatic ? "required" : "not allowed"));
            }
            if (!isStatic && (id == null || id.isEmpty())) {
                throw new IllegalArgumentException(kind + ": id required");
            }
        }

        public static Source file(ProxyConfig config) {
            return new Source(Kind.FILE, null, null, config);
        }

        public static Source flags(ProxyConfig config) {
            return new Source(Kind.FLAGS, null, null, config);
        }

        public static Source sidecarFor(String serviceId) {
            return new Source(Kind.SIDECAR_FOR, serviceId, null, null);
        }

        public static Source proxyId(String proxyId) {
            return new Source(Kind.PROXY_ID, proxyId, null, null);
        }

        public static Source managedProxy(String proxyId, String token) {
            return new Source(Kind.MANAGED_PROXY, proxyId, token, null);
        }

        public boolean fromAgent() {
            return staticConfig == null;
        }

        @Override
        public String toString() {
            return "Source[kind=" + kind + (id == null ? "" : ", id=" + id)
                    + (token == null ? "" : ", token=<redacted>")
                    + (staticConfig == null ? "" : ", config=" + staticConfig.source()) + "]";
        }
    }
}
