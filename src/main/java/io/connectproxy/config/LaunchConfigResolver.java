package io.connectproxy.config;

import io.connectproxy.consul.AgentSettings;

import java.util.ArrayList;
import java.util.HashMap;
import java.util.List;
import java.util.Map;
import java.util.Set;
import java.util.stream.Collectors;
import java.util.stream.Stream;

/**
 * Builds the {@link LaunchConfig} of proxy mode from the parsed flags, the -conf file and the environment, with
 * the precedence flag &gt; file &gt; env &gt; default. Two proxy-config sources at the same level (e.g.
 * {@code -sidecar-for} and {@code -proxy-id}) are an error; across levels the higher one wins.
 */
public final class LaunchConfigResolver {
    public static final String ENV_PROXY_ID = "CONNECT_PROXY_ID";
    public static final String ENV_SIDECAR_FOR = "CONNECT_SIDECAR_FOR";
    public static final String ENV_PROXY_TOKEN = "CONNECT_PROXY_TOKEN";

    /** Value flags of proxy mode (names without the dash), including the agent HTTP flags. */
    public static final Set<String> VALUE_FLAGS = Stream.concat(
            Stream.of("conf", "sidecar-for", "proxy-id", "service", "upstream", "listen", "service-addr",
                    "log-level", "admin-bind"),
            AgentSettingsResolver.VALUE_FLAGS.stream()).collect(Collectors.toUnmodifiableSet());
    public static final Set<String> BOOLEAN_FLAGS = Set.of("log-json", "h", "help");
    public static final Set<String> REPEATABLE_FLAGS = Set.of("upstream");

    private LaunchConfigResolver() {
    }

    /**
     * @param flags     flag name (no dash) → last value, only flags that were given
     * @param upstreams every {@code -upstream} value, in order
     * @param env       the process environment
     * @throws ConfigException naming the flag, field or variable at fault
     */
    public static LaunchConfig resolve(Map<String, String> flags, List<String> upstreams, Map<String, String> env) {
        ConfigFile file = flags.containsKey("conf") ? ConfigFile.load(flags.get("conf")) : null;
        return resolve(flags, upstreams, env, file);
    }

    /** As {@link #resolve(Map, List, Map)} with the -conf file already loaded (or null). */
    public static LaunchConfig resolve(Map<String, String> flags, List<String> upstreams, Map<String, String> env,
                                       ConfigFile file) {
        Map<String, String> agentFlags = new HashMap<>();
        AgentSettingsResolver.VALUE_FLAGS.forEach(f -> {
            if (flags.containsKey(f)) {
                agentFlags.put(f, flags.get(f));
            }
        });
        AgentSettings agent = AgentSettingsResolver.resolve(agentFlags, file == null ? null : file.consul(), env);
        String proxyToken = nonEmpty(env.get(ENV_PROXY_TOKEN));
        if (!agent.hasToken() && proxyToken != null) {
            // what `consul connect proxy` does: a managed proxy talks to the agent with the token it was given
            agent = agent.withToken(proxyToken);
        }

        LaunchConfig.Source source = source(flags, upstreams, env, file, agent, proxyToken);

        String adminValue = nonEmpty(flags.get("admin-bind"));
        String adminField = "-admin-bind";
        if (adminValue == null && file != null && file.adminBind() != null) {
            adminValue = file.adminBind();
            adminField = "admin.bind";
        }
        HostPort admin = LaunchConfig.DEFAULT_ADMIN_BIND;
        if (adminValue != null) {
            admin = adminValue.equals(LaunchConfig.ADMIN_OFF) ? null
                    : HostPort.parse(adminValue, LaunchConfig.DEFAULT_ADMIN_BIND.host(), adminField);
        }

        LogLevel level = LogLevel.DEFAULT;
        if (nonEmpty(flags.get("log-level")) != null) {
            level = LogLevel.parse(flags.get("log-level"), "-log-level");
        } else if (file != null && file.logLevel() != null) {
            level = file.logLevel();
        }
        boolean json = flags.containsKey("log-json") ? "true".equals(flags.get("log-json"))
                : file != null && Boolean.TRUE.equals(file.logJson());

        return new LaunchConfig(source, agent, admin, level, json, file == null ? null : file.path(),
                adminValue != null);
    }

    private static LaunchConfig.Source source(Map<String, String> flags, List<String> upstreams,
                                              Map<String, String> env, ConfigFile file, AgentSettings agent,
                                              String proxyToken) {
        List<String> given = new ArrayList<>();
        for (String f : List.of("sidecar-for", "proxy-id", "service")) {
            if (flags.containsKey(f)) {
                if (nonEmpty(flags.get(f)) == null) {
                    throw new ConfigException("-" + f, "must not be empty");
                }
                given.add(f);
            }
        }
        if (given.size() > 1) {
            throw new ConfigException("-" + given.get(0), "cannot be combined with -" + given.get(1)
                    + " (each names where the proxy config comes from; give one)");
        }
        boolean serviceFlags = flags.containsKey("service");
        for (String f : List.of("listen", "service-addr")) {
            if (flags.containsKey(f) && !serviceFlags) {
                throw new ConfigException("-" + f, "only used with -service (with -sidecar-for, -proxy-id or "
                        + "-conf the listeners come from the registration or the file)");
            }
        }
        if (!upstreams.isEmpty() && !serviceFlags) {
            throw new ConfigException(UpstreamFlag.FLAG, "only used with -service (with -sidecar-for, -proxy-id or "
                    + "-conf the upstreams come from the registration or the file)");
        }

        if (given.contains("service")) {
            return LaunchConfig.Source.flags(fromServiceFlags(flags, upstreams, agent.datacenter()));
        }
        if (given.contains("sidecar-for")) {
            return LaunchConfig.Source.sidecarFor(flags.get("sidecar-for"));
        }
        if (given.contains("proxy-id")) {
            return LaunchConfig.Source.proxyId(flags.get("proxy-id"));
        }
        if (file != null) {
            if (file.service() != null) {
                return LaunchConfig.Source.file(file.proxyConfig(agent.datacenter()));
            }
            if (file.sidecarFor() != null) {
                return LaunchConfig.Source.sidecarFor(file.sidecarFor());
            }
            if (file.proxyId() != null) {
                return LaunchConfig.Source.proxyId(file.proxyId());
            }
        }
        String envSidecar = nonEmpty(env.get(ENV_SIDECAR_FOR));
        String envProxy = nonEmpty(env.get(ENV_PROXY_ID));
        if (envSidecar != null && envProxy != null) {
            throw new ConfigException(ENV_SIDECAR_FOR, "cannot be combined with " + ENV_PROXY_ID + " (set one)");
        }
        if (envSidecar != null) {
            return LaunchConfig.Source.sidecarFor(envSidecar);
        }
        if (envProxy != null) {
            return proxyToken != null ? LaunchConfig.Source.managedProxy(envProxy, proxyToken)
                    : LaunchConfig.Source.proxyId(envProxy);
        }
        throw new ConfigException("arguments", "nothing to proxy: give -conf FILE, -sidecar-for SERVICE-ID, "
                + "-proxy-id PROXY-ID or -service NAME (see -h)");
    }

    /** {@code -service web -listen :21000 -service-addr 127.0.0.1:8080 -upstream redis:1234}. */
    private static ProxyConfig fromServiceFlags(Map<String, String> flags, List<String> upstreamFlags,
                                                String datacenter) {
        String name = flags.get("service");
        boolean listen = flags.containsKey("listen");
        boolean serviceAddr = flags.containsKey("service-addr");
        if (listen && !serviceAddr) {
            throw new ConfigException("-listen", "needs -service-addr (the local app the public listener forwards to)");
        }
        if (serviceAddr && !listen) {
            throw new ConfigException("-service-addr", "needs -listen (the public listener that forwards to it)");
        }
        String bindAddress = ProxyConfig.DEFAULT_BIND_ADDRESS;
        int bindPort = ProxyConfig.NO_PUBLIC_LISTENER;
        String localHost = null;
        int localPort = 0;
        if (listen) {
            HostPort bind = HostPort.parse(flags.get("listen"), ProxyConfig.DEFAULT_BIND_ADDRESS, "-listen");
            HostPort local = HostPort.parse(flags.get("service-addr"), ProxyConfig.DEFAULT_LOCAL_SERVICE_HOST,
                    "-service-addr");
            bindAddress = bind.host();
            bindPort = bind.port();
            localHost = local.host();
            localPort = local.port();
        }
        if (!listen && upstreamFlags.isEmpty()) {
            throw new ConfigException("-service", "needs -listen and -service-addr, or at least one -upstream "
                    + "(otherwise there is nothing to proxy)");
        }
        List<UpstreamConfig> upstreams = new ArrayList<>();
        List<String> fields = new ArrayList<>();
        for (String u : upstreamFlags) {
            upstreams.add(UpstreamFlag.parse(u));
            fields.add(UpstreamFlag.FLAG + " " + JsonFields.show(u));
        }
        UpstreamParser.checkListeners(upstreams, fields, bindAddress, bindPort, "-listen");
        return new ProxyConfig(name, name, datacenter, bindAddress, bindPort, localHost, localPort, null,
                upstreams, ProxyTuning.DEFAULT, null, "flags");
    }

    private static String nonEmpty(String s) {
        return s == null || s.isEmpty() ? null : s;
    }
}
