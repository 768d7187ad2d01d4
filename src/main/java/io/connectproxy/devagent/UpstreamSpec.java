package io.connectproxy.devagent;

import io.vertx.core.json.JsonObject;

/** One upstream of a proxy registration, as Consul stores it (DestinationType defaults to "service"). */
record UpstreamSpec(String destinationType, String destinationNamespace, String destinationName, String datacenter,
                    String localBindAddress, int localBindPort, String localBindSocketPath, String localBindSocketMode,
                    JsonObject config, JsonObject meshGateway) {
}
