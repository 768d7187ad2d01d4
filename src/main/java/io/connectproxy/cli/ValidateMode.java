package io.connectproxy.cli;

import io.connectproxy.config.AgentRegistrationMapper;
import io.connectproxy.config.ConfigException;
import io.connectproxy.config.LaunchConfig;
import io.connectproxy.config.LogLevel;
import io.connectproxy.config.ProxyConfig;
import io.connectproxy.config.DestinationType;
import io.connectproxy.consul.AgentClient;
import io.connectproxy.consul.AgentException;
import io.connectproxy.consul.AgentOutageLog;
import io.connectproxy.consul.AgentSettings;
import io.connectproxy.consul.QueryOptions;
import io.connectproxy.consul.wire.AgentService;
import io.connectproxy.logging.Logging;
import io.vertx.core.Vertx;

import java.io.PrintStream;
import java.time.Duration;
import java.util.List;
import java.util.Map;
import java.util.function.Supplier;
import java.util.logging.Level;
import java.util.logging.Logger;
import java.util.stream.Collectors;

/**
 * {@code validate [proxy-mode flags]}: resolves the config exactly as proxy mode would — a {@code -conf} file,
 * the {@code -service} flags, or the registration on the agent for {@code -sidecar-for}/{@code -proxy-id}/a managed
 * proxy (one read each, no watch) — and binds nothing. Exit 0 with one {@code OK} line on stdout; 2 with the error
 * (field and value named) on stderr; 1 when the agent cannot be asked.
 */
final class ValidateMode implements Mode {
    /** One answer from the agent is all validate needs; it does not wait for an agent that is down. */
    private static final Duration AGENT_TIMEOUT = Duration.ofSeconds(10);
    /**
     * The agent client's outage log speaks for a running proxy ("retrying with backoff, keeping the last good
     * config"); validate asks once and reports the failure itself. Held so JUL keeps the level.
     */
    private static final Logger OUTAGE_LOG = Logger.getLogger(AgentOutageLog.class.getName());

    static final String USAGE = """
            Usage: java -jar proxy-fat.jar validate [proxy-mode flags]

              Checks a proxy config without starting the proxy or binding any port, and exits 0 with a one-line
              summary, or 2 with the error (the field or flag and the value named).

              validate -conf web.json
              validate -sidecar-for web [-http-addr ADDR -token-file F ...]   reads the registration from the agent
              validate -proxy-id web-sidecar-proxy
              validate -service web -listen :21000 -service-addr 127.0.0.1:8080 -upstream db:9191

              Exit 1 when the agent cannot be reached or answers with an error (nothing was checked).
            """;

    @Override
    public int run(List<String> args, Map<String, String> env, PrintStream out, PrintStream err) {
        GoFlags.Parsed parsed;
        try {
            parsed = ProxyMode.FLAGS.parse(args);
        } catch (ConfigException e) {
            err.println(e.getMessage());
            return ConfigException.EXIT_CODE;
        }
        if (parsed.bool("h") || parsed.bool("help")) {
            out.print(USAGE);
            return 0;
        }
        // warnings met while parsing (a misspelt proxy-config key) come out in the product's log format
        Logging.configure(LogLevel.DEFAULT, parsed.bool("log-json"));
        OUTAGE_LOG.setLevel(Level.SEVERE);
        try {
            LaunchConfig launch = ProxyMode.resolve(parsed, env);
            ProxyMode.registration(parsed, launch);
            ProxyMode.waitTimeout(parsed, launch);
            ProxyConfig config = launch.source().fromAgent() ? fromAgent(launch) : launch.source().staticConfig();
            out.println("OK: " + summary(config));
            return 0;
        } catch (ConfigException e) {
            err.println(e.getMessage());
            return ConfigException.EXIT_CODE;
        } catch (AgentException e) {
            err.println("validate: cannot check the registration: " + e.getMessage());
            return 1;
        }
    }

    /** One read of what the proxy would watch; errors name the flag and the agent. */
    private static ProxyConfig fromAgent(LaunchConfig launch) {
        LaunchConfig.Source source = launch.source();
        AgentSettings settings = source.kind() == LaunchConfig.Kind.MANAGED_PROXY
                ? launch.agent().withToken(source.token()) : launch.agent();
        Vertx vertx = Vertx.vertx();
        try {
            AgentClient client = AgentClient.create(vertx, settings, AGENT_TIMEOUT);
            String agent = client.address().toString();
            switch (source.kind()) {
                case SIDECAR_FOR -> {
                    List<AgentService> sidecars = client.agentServices().await().sidecarsOf(source.id());
                    if (sidecars.isEmpty()) {
                        throw new ConfigException("-sidecar-for", "no connect-proxy with Proxy.DestinationServiceID "
                                + "\"" + source.id() + "\" is registered with the Consul agent at " + agent);
                    }
                    if (sidecars.size() > 1) {
                        throw new ConfigException("-sidecar-for", sidecars.size() + " sidecar proxies are registered "
                                + "for service " + source.id() + " (" + sidecars.stream().map(AgentService::id)
                                .collect(Collectors.joining(", ")) + "); choose one with -proxy-id");
                    }
                    return registration(client, sidecars.get(0).id(), "-sidecar-for", agent);
                }
                case PROXY_ID -> {
                    return registration(client, source.id(), "-proxy-id", agent);
                }
                case MANAGED_PROXY -> {
                    try {
                        return in("managed proxy config " + source.id(), () -> AgentRegistrationMapper
                                .fromManagedProxy(client.managedProxyConfig(source.id(), QueryOptions.NONE).await()
                                        .body()));
                    } catch (AgentException e) {
                        if (e.isNotFound()) {
                            throw new ConfigException("CONNECT_PROXY_ID", "no managed proxy \"" + source.id()
                                    + "\" on the Consul agent at " + agent);
                        }
                        throw e;
                    }
                }
                default -> throw new IllegalStateException("not an agent source: " + source.kind());
            }
        } finally {
            vertx.close().await();
        }
    }

    private static ProxyConfig registration(AgentClient client, String id, String flag, String agent) {
        AgentService svc;
        try {
            svc = client.agentService(id, QueryOptions.NONE).await().body();
        } catch (AgentException e) {
            if (e.isNotFound()) {
                throw new ConfigException(flag, "no service \"" + id + "\" is registered with the Consul agent at "
                        + agent);
            }
            throw e;
        }
        return in("proxy registration " + id, () -> AgentRegistrationMapper.fromAgentService(svc));
    }

    /** Says which registration a field path belongs to, as proxy mode does at start-up. */
    private static ProxyConfig in(String what, Supplier<ProxyConfig> mapping) {
        try {
            return mapping.get();
        } catch (ConfigException e) {
            throw new ConfigException(e.field(), e.problem() + " (in the " + what + ")");
        }
    }

    static String summary(ProxyConfig config) {
        String upstreams = config.upstreams().stream()
                .map(u -> u.destinationName() + (u.destinationType() == DestinationType.PREPARED_QUERY ? ".query" : "") + " on " + u.listenerKey())
                .collect(Collectors.joining(", "));
        return config.source() + ": service " + config.serviceName() + ", public listener "
                + config.publicListenerKey() + " -> " + config.localServiceKey() + ", " + config.upstreams().size()
                + " upstream(s)" + (upstreams.isEmpty() ? "" : " (" + upstreams + ")");
    }
}
