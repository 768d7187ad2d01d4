package io.connectproxy.cli;

import io.connectproxy.runtime.ProxyRuntime;
import io.connectproxy.devmesh.DevMesh;
import io.connectproxy.devmesh.DevMeshConfig;
import io.connectproxy.logging.Logging;

import io.connectproxy.config.ConfigException;
import io.connectproxy.config.LogLevel;
import io.connectproxy.devagent.DevAgentVerticle;
import io.vertx.core.DeploymentOptions;
import io.vertx.core.Vertx;
import io.vertx.core.json.DecodeException;
import io.vertx.core.json.JsonArray;
import io.vertx.core.json.JsonObject;

import java.io.IOException;
import java.io.PrintStream;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.List;
import java.util.Map;
import java.util.Set;
import java.util.concurrent.CountDownLatch;
import java.util.concurrent.TimeUnit;

/**
 * {@code dev [-http-addr 127.0.0.1:8500] [-services FILE] [-datacenter dc1] [-node NAME] [-leaf-ttl 72h]
 * [-sidecar-check-interval 10s] [-data-dir DIR]}: runs the
 * embedded dev agent until the process is stopped. {@code -services} takes Consul service definitions: a file with
 * {@code {"service": {...}}}, {@code {"services": [...]}} or a JSON array.
 * <p>
 * {@code dev -conf conf/dev-mesh.json} runs a whole local mesh instead ({@link DevMesh}): the agent, built-in echo
 * apps and sidecars, and prints what to try. The agent flags then override the file's "agent" block.
 */
public final class DevMode implements Mode {
    static final String USAGE = """
            Usage: java -jar proxy-fat.jar dev [flags]

            Runs an in-memory stand-in for `consul agent -dev` (agent HTTP API, Connect CA, intentions, health).
            With -conf, runs a whole local mesh in this process: the agent, built-in echo apps and sidecars
            (try: java -jar proxy-fat.jar dev -conf conf/dev-mesh.json; keys in conf/README.md).

              -conf FILE            a local mesh: {"agent":{…},"services":[…],"echo_apps":[…],"sidecars":[…]}
              -http-addr HOST:PORT  where the agent API listens (default 127.0.0.1:8500)
              -services FILE        service definitions to register at start ({"service":{…}}, {"services":[…]} or […])
              -datacenter NAME      datacenter name (default dc1)
              -node NAME            node name (default dev-agent)
              -leaf-ttl DURATION    lifetime of issued leaf certificates, Go syntax (default 72h)
              -sidecar-check-interval DURATION
                                    how often each sidecar's "Connect Sidecar Listening" TCP check runs
                                    (default 10s, as Consul; it also runs once at registration)
              -data-dir DIR         keep the state across restarts of the process (CA and its keys, intentions,
                                    services registered over HTTP) like a non-dev agent; default: in memory only
            """;
    private static final GoFlags FLAGS = new GoFlags(
            Set.of("conf", "http-addr", "services", "datacenter", "node", "leaf-ttl", "sidecar-check-interval",
                    "data-dir", "log-level"),
            Set.of("h", "help", "log-json"), Set.of());

    @Override
    public int run(List<String> args, Map<String, String> env, PrintStream out, PrintStream err) {
        JsonObject config;
        try {
            GoFlags.Parsed flags = FLAGS.parse(args);
            if (flags.bool("h") || flags.bool("help")) {
                out.print(USAGE);
                return 0;
            }
            // the agent alone logs like the rest of the product too (it used JUL's two-line default format)
            Logging.configure(logLevel(flags), flags.bool("log-json"));
            if (flags.has("conf")) {
                if (flags.has("services")) {
                    throw new ConfigException("-services", "cannot be combined with -conf (put the services in it)");
                }
                DevMeshConfig mesh = meshConfig(flags);
                return runMesh(mesh, out, err);
            }
            config = toConfig(flags);
        } catch (ConfigException e) {
            err.println(e.getMessage());
            return ConfigException.EXIT_CODE;
        }
        Vertx vertx = Vertx.vertx();
        try {
            vertx.deployVerticle(new DevAgentVerticle(), new DeploymentOptions().setConfig(config)).await();
        } catch (Exception e) {
            err.println("dev agent: " + e.getMessage());
            vertx.close().await();
            return 1;
        }
        awaitShutdown(vertx::close);
        return 0;
    }

    /** Blocks the CLI thread until SIGTERM/SIGINT, then runs {@code close} (bounded) on the shutdown hook. */
    private static void awaitShutdown(java.util.function.Supplier<io.vertx.core.Future<?>> close) {
        CountDownLatch stopped = new CountDownLatch(1);
        Runtime.getRuntime().addShutdownHook(new Thread(() -> {
            try {
                close.get().await(10, TimeUnit.SECONDS);
            } catch (Exception ignored) {
                // exiting anyway
            }
            stopped.countDown();
        }, "dev-shutdown"));
        try {
            stopped.await();
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
        }
    }

    private static LogLevel logLevel(GoFlags.Parsed flags) {
        return flags.has("log-level") ? LogLevel.parse(flags.get("log-level"), "-log-level") : LogLevel.DEFAULT;
    }

    /** Reads the -conf file; the agent flags, when given, replace the file's "agent" keys. */
    static DevMeshConfig meshConfig(GoFlags.Parsed flags) {
        String file = flags.get("conf");
        String text;
        try {
            text = Files.readString(Path.of(file), StandardCharsets.UTF_8);
        } catch (IOException e) {
            throw new ConfigException("-conf", "cannot read " + file + ": " + e.getClass().getSimpleName());
        }
        JsonObject json;
        try {
            json = new JsonObject(text);
        } catch (DecodeException e) {
            throw new ConfigException("-conf", file + ": not a JSON object: " + e.getMessage());
        }
        if (!(json.getValue("agent", new JsonObject()) instanceof JsonObject agent)) {
            throw new ConfigException(file + ": agent", "expected an object");
        }
        JsonObject merged = agent.copy();
        toConfig(flags).forEach(e -> merged.put(e.getKey(), e.getValue()));
        json.put("agent", merged);
        return DevMeshConfig.fromJson(json, file);
    }

    private static int runMesh(DevMeshConfig config, PrintStream out, PrintStream err) {
        List<String> busy = DevMesh.busyPorts(config);
        if (!busy.isEmpty()) {
            err.println("dev: cannot start the local mesh, already in use: " + String.join(", ", busy)
                    + ". Stop what listens there, or change the port in the -conf file (or -http-addr for the agent).");
            return 1;
        }
        DevMesh mesh;
        try {
            mesh = DevMesh.start(config).await(60, TimeUnit.SECONDS);
        } catch (Exception e) {
            err.println("dev: the local mesh did not start: " + e.getMessage());
            return 1;
        }
        out.print(banner(config, mesh));
        out.flush();
        awaitShutdown(mesh::close);
        return 0;
    }

    /** What runs where, and what to type to see bytes go through the mesh. */
    static String banner(DevMeshConfig config, DevMesh mesh) {
        StringBuilder b = new StringBuilder();
        b.append("Local mesh is up. Dev agent: http://").append(mesh.agentAddr()).append(" (export CONSUL_HTTP_ADDR=")
                .append(mesh.agentAddr()).append(")\n");
        for (DevMeshConfig.EchoAppSpec app : config.echoApps()) {
            b.append("  ").append(app.serviceId()).append(": built-in echo app on ").append(app.host()).append(':')
                    .append(app.port()).append('\n');
        }
        String tryAddr = null;
        String tryVia = null;
        for (DevMeshConfig.SidecarSpec s : config.sidecars()) {
            ProxyRuntime runtime = mesh.sidecars().get(s.serviceId());
            b.append("  ").append(s.serviceId()).append("'s sidecar: mTLS on ").append(s.bindAddress()).append(':')
                    .append(runtime.publicPort());
            if (runtime.adminPort() > 0) {
                b.append(", admin http://127.0.0.1:").append(runtime.adminPort()).append(" (/metrics /ready /config)");
            }
            for (Map.Entry<String, String> u : new java.util.TreeMap<>(s.upstreamPorts()).entrySet()) {
                b.append(", upstream ").append(u.getKey()).append(" -> ").append(u.getValue());
                if (tryAddr == null) {
                    tryAddr = u.getKey();
                    tryVia = s.serviceId() + "'s upstream listener -> mTLS -> " + u.getValue() + "'s sidecar -> "
                            + u.getValue() + " app";
                }
            }
            b.append('\n');
        }
        if (tryAddr != null) {
            int colon = tryAddr.lastIndexOf(':');
            String host = tryAddr.substring(0, colon);
            String port = tryAddr.substring(colon + 1);
            b.append("Try it (bytes go ").append(tryVia).append(" and back):\n")
                    .append("  nc ").append(host).append(' ').append(port).append('\n')
                    .append("  python3 -c 'import socket; s=socket.create_connection((\"").append(host)
                    .append("\", ").append(port).append(")); s.sendall(b\"hello mesh\\n\");")
                    .append(" print(s.recv(64).decode(), end=\"\")'\n");
        }
        b.append("Ctrl-C stops everything.\n");
        return b.toString();
    }

    static JsonObject toConfig(GoFlags.Parsed flags) {
        JsonObject config = new JsonObject();
        if (flags.has("http-addr")) {
            config.put("http_addr", flags.get("http-addr"));
        }
        if (flags.has("datacenter")) {
            config.put("datacenter", flags.get("datacenter"));
        }
        if (flags.has("node")) {
            config.put("node_name", flags.get("node"));
        }
        if (flags.has("leaf-ttl")) {
            config.put("leaf_ttl", flags.get("leaf-ttl"));
        }
        if (flags.has("sidecar-check-interval")) {
            config.put("sidecar_check_interval", flags.get("sidecar-check-interval"));
        }
        if (flags.has("data-dir")) {
            config.put("data_dir", flags.get("data-dir"));
        }
        if (flags.has("services")) {
            config.put("services", readServices(flags.get("services")));
        }
        try {
            io.connectproxy.devagent.DevAgentOptions.fromJson(config);
        } catch (ConfigException e) {
            String flag = switch (e.field()) {
                case "http_addr" -> "-http-addr";
                case "leaf_ttl" -> "-leaf-ttl";
                case "sidecar_check_interval" -> "-sidecar-check-interval";
                case "data_dir" -> "-data-dir";
                default -> "-" + e.field();
            };
            throw new ConfigException(flag, e.problem());
        }
        return config;
    }

    /** Reads Consul service definitions in any of the shapes Consul's config files use. */
    static JsonArray readServices(String file) {
        String text;
        try {
            text = Files.readString(Path.of(file), StandardCharsets.UTF_8);
        } catch (IOException e) {
            throw new ConfigException("-services", "cannot read " + file + ": " + e.getClass().getSimpleName());
        }
        try {
            String trimmed = text.trim();
            if (trimmed.startsWith("[")) {
                return new JsonArray(trimmed);
            }
            JsonObject obj = new JsonObject(trimmed);
            if (obj.containsKey("services")) {
                return obj.getJsonArray("services");
            }
            if (obj.containsKey("service")) {
                return new JsonArray().add(obj.getJsonObject("service"));
            }
            throw new ConfigException("-services", file + ": expected {\"service\":{…}}, {\"services\":[…]} or […]");
        } catch (DecodeException | ClassCastException e) {
            throw new ConfigException("-services", file + ": not valid JSON: " + e.getMessage());
        }
    }
}
