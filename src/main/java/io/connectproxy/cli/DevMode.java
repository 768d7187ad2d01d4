package io.connectproxy.cli;

import io.connectproxy.config.ConfigException;
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
 * {@code dev [-http-addr 127.0.0.1:8500] [-services FILE] [-datacenter dc1] [-node NAME] [-leaf-ttl 72h]}: runs the
 * embedded dev agent until the process is stopped. {@code -services} takes Consul service definitions: a file with
 * {@code {"service": {...}}}, {@code {"services": [...]}} or a JSON array.
 */
public final class DevMode implements Mode {
    static final String USAGE = """
            Usage: java -jar proxy-fat.jar dev [flags]

            Runs an in-memory stand-in for `consul agent -dev` (agent HTTP API, Connect CA, intentions, health).

              -http-addr HOST:PORT  where the agent API listens (default 127.0.0.1:8500)
              -services FILE        service definitions to register at start ({"service":{…}}, {"services":[…]} or […])
              -datacenter NAME      datacenter name (default dc1)
              -node NAME            node name (default dev-agent)
              -leaf-ttl DURATION    lifetime of issued leaf certificates, Go syntax (default 72h)
            """;
    private static final GoFlags FLAGS = new GoFlags(
            Set.of("http-addr", "services", "datacenter", "node", "leaf-ttl", "log-level"),
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
        CountDownLatch stopped = new CountDownLatch(1);
        Runtime.getRuntime().addShutdownHook(new Thread(() -> {
            try {
                vertx.close().await(5, TimeUnit.SECONDS);
            } catch (Exception ignored) {
                // exiting anyway
            }
            stopped.countDown();
        }, "dev-agent-shutdown"));
        try {
            stopped.await();
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
        }
        return 0;
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
        if (flags.has("services")) {
            config.put("services", readServices(flags.get("services")));
        }
        try {
            io.connectproxy.devagent.DevAgentOptions.fromJson(config);
        } catch (IllegalArgumentException e) {
            String field = e.getMessage().substring(0, Math.max(0, e.getMessage().indexOf(':')));
            String flag = switch (field) {
                case "http_addr" -> "-http-addr";
                case "leaf_ttl" -> "-leaf-ttl";
                default -> "-" + field;
            };
            throw new ConfigException(flag, e.getMessage().substring(e.getMessage().indexOf(':') + 2));
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
