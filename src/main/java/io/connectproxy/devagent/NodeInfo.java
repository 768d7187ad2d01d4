package io.connectproxy.devagent;

import io.vertx.core.json.JsonObject;

/** The single node a dev agent is: its id, name, address and datacenter. */
record NodeInfo(String id, String name, String address, String datacenter) {

    /** Node JSON as in health and prepared-query answers. */
    JsonObject toJson() {
        return new JsonObject()
            .put("ID", id)
            .put("Node", name)
            .put("Address", address)
            .put("Datacenter", datacenter)
            .put("TaggedAddresses", taggedAddresses())
            .put("Meta", new JsonObject().put("consul-network-segment", ""))
            .put("CreateIndex", 1)
            .put("ModifyIndex", 1);
    }

    JsonObject taggedAddresses() {
        return new JsonObject()
            .put("lan", address)
            .put("lan_ipv4", address)
            .put("wan", address)
            .put("wan_ipv4", address);
    }
}
