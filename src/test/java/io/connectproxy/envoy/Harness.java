package io.connectproxy.envoy;

import io.connectproxy.cli.EnvoyMode;
import io.connectproxy.testsupport.Fixtures;
import io.connectproxy.testsupport.ScriptedAgent;
import io.vertx.core.Future;
import io.vertx.core.Vertx;
import io.vertx.core.json.JsonArray;
import io.vertx.core.json.JsonObject;
import io.vertx.core.net.PemKeyCertOptions;

import java.io.IOException;
import java.io.InputStream;
import java.io.UncheckedIOException;
import java.nio.charset.StandardCharsets;
import java.util.ArrayList;
import java.util.HashMap;
import java.util.List;
import java.util.Map;

/** Runs the verticle in-process the way EnvoyMode does, and loads the expected documents. */
final class Harness {
    private Harness() {
    }

    /** Deploys one run, undeploys it when done, and completes with its outcome (or its EnvoyException). */
    static Future<EnvoyOutcome> run(Vertx vertx, List<String> args, Map<String, String> env) {
        EnvoyOptions options;
        try {
            options = EnvoyMode.parseOptions(args, env);
        } catch (RuntimeException e) {
            return Future.failedFuture(e);
        }
        EnvoyBootstrapVerticle verticle = new EnvoyBootstrapVerticle(options);
        return vertx.deployVerticle(verticle).compose(id -> verticle.outcome()
                .eventually(() -> vertx.undeploy(id)));
    }

    /** {@code -proxy-id test-proxy -bootstrap -http-addr 127.0.0.1:<agent>} plus {@code extra}. */
    static List<String> args(ScriptedAgent agent, String... extra) {
        List<String> a = new ArrayList<>(List.of("-bootstrap", "-http-addr", "127.0.0.1:" + agent.port()));
        a.addAll(List.of(extra));
        return a;
    }

    /**
     * The agent envoy mode reads: {@code /v1/agent/self} (the recorded answer) and these services; it also takes
     * {@code PUT /v1/agent/service/register}.
     *
     * @param tls certificate and key for https, or null for plain http
     */
    static Future<ScriptedAgent> agent(Vertx vertx, PemKeyCertOptions tls, JsonObject... services) {
        return ScriptedAgent.start(vertx, tls).onSuccess(agent -> {
            agent.answer("/v1/agent/self", Fixtures.json("agent-self.json").encode(), 0, null);
            for (JsonObject s : services) {
                agent.putService(s);
            }
        });
    }

    /** Re-scripts {@code /v1/agent/self} with this gRPC port ({@code DebugConfig.GRPCPort}, -1: disabled). */
    static void grpcPort(ScriptedAgent agent, int port) {
        JsonObject self = Fixtures.json("agent-self.json");
        self.getJsonObject("DebugConfig").put("GRPCPort", port);
        agent.answer("/v1/agent/self", self.encode(), 0, null);
    }

    /** The web sidecar fixture with another id, destination and Proxy.Config. */
    static JsonObject sidecar(String id, String destination, JsonObject proxyConfig) {
        JsonObject s = Fixtures.json("agent-service-web-sidecar.json");
        s.put("ID", id).put("Service", id);
        s.getJsonObject("Proxy").put("DestinationServiceName", destination).put("DestinationServiceID", destination)
                .put("Config", proxyConfig);
        return s;
    }

    static Map<String, String> env(String... kv) {
        Map<String, String> env = new HashMap<>();
        for (int i = 0; i < kv.length; i += 2) {
            env.put(kv[i], kv[i + 1]);
        }
        return env;
    }

    /** An expected document from src/test/resources/envoy, with Consul's lone grpc_services object as an array. */
    static JsonObject expected(String name) {
        try (InputStream in = Harness.class.getResourceAsStream("/envoy/" + name + ".expected.json")) {
            JsonObject doc = new JsonObject(new String(in.readAllBytes(), StandardCharsets.UTF_8));
            JsonObject ads = doc.getJsonObject("dynamic_resources").getJsonObject("ads_config");
            if (ads.getValue("grpc_services") instanceof JsonObject one) {
                ads.put("grpc_services", new JsonArray().add(one));
            }
            return doc;
        } catch (IOException e) {
            throw new UncheckedIOException(e);
        }
    }
}
