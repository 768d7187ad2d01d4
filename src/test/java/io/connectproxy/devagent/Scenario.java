package io.connectproxy.devagent;

import io.vertx.core.json.JsonArray;
import io.vertx.core.json.JsonObject;

/** The registrations behind the Consul 1.10.1 fixtures: web → echo:1234, pong:1235, each with a sidecar. */
final class Scenario {

    private Scenario() {
    }

    /** Like {@link #service(String, int, JsonArray)}, the sidecar on {@code sidecarPort} (something listens there). */
    static JsonObject service(String name, int port, JsonArray upstreams, int sidecarPort) {
        JsonObject s = service(name, port, upstreams);
        s.getJsonObject("Connect").getJsonObject("SidecarService").put("Port", sidecarPort);
        return s;
    }

    static JsonObject service(String name, int port, JsonArray upstreams) {
        JsonObject proxy = new JsonObject().put("Config", new JsonObject().put("bind_address", "127.0.0.1"));
        if (upstreams != null) {
            proxy.put("Upstreams", upstreams);
        }
        return new JsonObject()
            .put("Name", name)
            .put("Port", port)
            .put("Address", "127.0.0.1")
            .put("Connect", new JsonObject().put("SidecarService",
                new JsonObject().put("Address", "127.0.0.1").put("Proxy", proxy)));
    }

    static JsonObject web() {
        return service("web", 8080, new JsonArray()
            .add(new JsonObject().put("DestinationName", "echo").put("LocalBindPort", 1234))
            .add(new JsonObject().put("DestinationName", "pong").put("LocalBindPort", 1235)));
    }

    /** web, echo and pong in the order that gives the fixture's sidecar ports 21000, 21001, 21002. */
    static JsonArray all() {
        return new JsonArray().add(web()).add(service("echo", 9000, null)).add(service("pong", 9001, null));
    }
}
