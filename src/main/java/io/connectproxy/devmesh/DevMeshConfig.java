package io.connectproxy.devmesh;

import io.connectproxy.config.ConfigException;
import io.connectproxy.devagent.DevAgentOptions;
import io.vertx.core.json.DecodeException;
import io.vertx.core.json.JsonArray;
import io.vertx.core.json.JsonObject;

import java.util.ArrayList;
import java.util.HashMap;
import java.util.List;
import java.util.Map;
import java.util.Set;

/**
 * The one-command local mesh ({@code dev -conf conf/dev-mesh.json}), documented in conf/README.md:
 * <pre>
 * {"agent":     {"http_addr":"127.0.0.1:8500", "datacenter":"dc1", "node_name":…, "leaf_ttl":"72h"},
 *  "services":  [Consul service definitions, registered at start],
 *  "echo_apps": ["echo"],          ids of services whose app is the built-in echo server, on the service's port
 *  "sidecars":  ["echo", "web"]}   ids of services to run a sidecar for, in this process
 * </pre>
 * Keys starting with "_" are comments. Everything is checked before anything starts, and every error names the
 * key at fault.
 *
 * @param agent    the dev agent's options, with the services to register
 * @param echoApps the built-in echo apps to run
 * @param sidecars the sidecars to run, with what they will bind (for the free-port check and the banner)
 */
public record DevMeshConfig(DevAgentOptions agent, List<EchoAppSpec> echoApps, List<SidecarSpec> sidecars) {
    private static final Set<String> KEYS = Set.of("agent", "services", "echo_apps", "sidecars");

    /** A built-in echo app for service {@code serviceId}, listening on {@code host:port}. */
    public record EchoAppSpec(String serviceId, String host, int port) {
    }

    /**
     * A sidecar to run.
     *
     * @param publicPort    its public listener port when the definition names one, else 0 (the agent picks)
     * @param upstreamPorts local upstream listeners it will bind: "host:port" → destination name
     */
    public record SidecarSpec(String serviceId, String bindAddress, int publicPort, Map<String, String> upstreamPorts) {
        public SidecarSpec {
            upstreamPorts = Map.copyOf(upstreamPorts);
        }
    }

    public DevMeshConfig {
        echoApps = List.copyOf(echoApps);
        sidecars = List.copyOf(sidecars);
    }

    public static DevMeshConfig parse(String text, String source) {
        JsonObject json;
        try {
            json = new JsonObject(text);
        } catch (DecodeException e) {
            throw new ConfigException(source, "not a JSON object: " + e.getMessage());
        }
        return fromJson(json, source);
    }

    /** @param source the file name, prefixed to every error */
    public static DevMeshConfig fromJson(JsonObject json, String source) {
        for (String key : json.fieldNames()) {
            if (!KEYS.contains(key) && !key.startsWith("_")) {
                throw new ConfigException(source + ": " + key, "unknown key (expected agent, services, echo_apps,"
                        + " sidecars)");
            }
        }
        JsonObject agentJson = object(json, "agent", source);
        JsonArray services = array(json, "services", source);
        if (services.isEmpty()) {
            throw new ConfigException(source + ": services", "at least one service definition is required");
        }
        Map<String, JsonObject> byId = new HashMap<>();
        for (int i = 0; i < services.size(); i++) {
            if (!(services.getValue(i) instanceof JsonObject def)) {
                throw new ConfigException(source + ": services[" + i + "]", "expected a service definition object");
            }
            String name = string(def, "name", "Name");
            if (name == null) {
                throw new ConfigException(source + ": services[" + i + "].name", "required");
            }
            String id = string(def, "id", "ID");
            byId.put(id == null ? name : id, def);
        }
        DevAgentOptions agent;
        try {
            agent = DevAgentOptions.fromJson(agentJson.copy().put("services", services));
        } catch (ConfigException e) {
            throw new ConfigException(source + ": agent." + e.field(), e.problem());
        }

        List<EchoAppSpec> echoApps = new ArrayList<>();
        List<String> echoIds = ids(json, "echo_apps", byId, source);
        for (int i = 0; i < echoIds.size(); i++) {
            JsonObject def = byId.get(echoIds.get(i));
            int port = def.getValue("port") instanceof Number n ? n.intValue()
                    : def.getValue("Port") instanceof Number p ? p.intValue() : 0;
            if (port < 1 || port > 65535) {
                throw new ConfigException(source + ": echo_apps[" + i + "]", "service " + echoIds.get(i)
                        + " needs a port (1-65535) for its echo app, got " + port);
            }
            String address = string(def, "address", "Address");
            echoApps.add(new EchoAppSpec(echoIds.get(i), address == null ? "127.0.0.1" : address, port));
        }

        List<SidecarSpec> sidecars = new ArrayList<>();
        List<String> sidecarIds = ids(json, "sidecars", byId, source);
        for (int i = 0; i < sidecarIds.size(); i++) {
            sidecars.add(sidecar(sidecarIds.get(i), byId.get(sidecarIds.get(i)), source + ": sidecars[" + i + "]"));
        }
        return new DevMeshConfig(agent, echoApps, sidecars);
    }

    /** What the sidecar of {@code def} will bind, read from its connect.sidecar_service block. */
    private static SidecarSpec sidecar(String id, JsonObject def, String where) {
        JsonObject connect = def.getJsonObject("connect", def.getJsonObject("Connect", new JsonObject()));
        JsonObject sidecar = connect.getJsonObject("sidecar_service", connect.getJsonObject("SidecarService"));
        if (sidecar == null) {
            throw new ConfigException(where, "service " + id + " has no connect.sidecar_service to run");
        }
        JsonObject proxy = sidecar.getJsonObject("proxy", sidecar.getJsonObject("Proxy", new JsonObject()));
        JsonObject proxyConfig = proxy.getJsonObject("config", proxy.getJsonObject("Config", new JsonObject()));
        String bindAddress = proxyConfig.getValue("bind_address") instanceof String s ? s : "0.0.0.0";
        int publicPort = proxyConfig.getValue("bind_port") instanceof Number n ? n.intValue()
                : sidecar.getValue("port") instanceof Number p ? p.intValue()
                : sidecar.getValue("Port") instanceof Number q ? q.intValue() : 0;
        Map<String, String> upstreams = new HashMap<>();
        JsonArray list = proxy.getJsonArray("upstreams", proxy.getJsonArray("Upstreams", new JsonArray()));
        for (Object o : list) {
            if (o instanceof JsonObject u) {
                Object port = u.getValue("local_bind_port", u.getValue("LocalBindPort"));
                String host = string(u, "local_bind_address", "LocalBindAddress");
                String dest = string(u, "destination_name", "DestinationName");
                if (port instanceof Number n && n.intValue() > 0) {
                    upstreams.put((host == null ? "127.0.0.1" : host) + ":" + n.intValue(), dest == null ? "?" : dest);
                }
            }
        }
        return new SidecarSpec(id, bindAddress, publicPort, upstreams);
    }

    private static List<String> ids(JsonObject json, String key, Map<String, JsonObject> byId, String source) {
        JsonArray array = array(json, key, source);
        List<String> out = new ArrayList<>();
        for (int i = 0; i < array.size(); i++) {
            if (!(array.getValue(i) instanceof String id) || !byId.containsKey(id)) {
                throw new ConfigException(source + ": " + key + "[" + i + "]", "must be the id of one of the services "
                        + byId.keySet() + ", got " + array.getValue(i));
            }
            out.add(id);
        }
        return out;
    }

    private static JsonObject object(JsonObject json, String key, String source) {
        Object v = json.getValue(key);
        if (v == null) {
            return new JsonObject();
        }
        if (!(v instanceof JsonObject o)) {
            throw new ConfigException(source + ": " + key, "expected an object");
        }
        return o;
    }

    private static JsonArray array(JsonObject json, String key, String source) {
        Object v = json.getValue(key);
        if (v == null) {
            return new JsonArray();
        }
        if (!(v instanceof JsonArray a)) {
            throw new ConfigException(source + ": " + key, "expected an array");
        }
        return a;
    }

    private static String string(JsonObject json, String snake, String pascal) {
        Object v = json.getValue(snake, json.getValue(pascal));
        return v instanceof String s && !s.isEmpty() ? s : null;
    }
}
