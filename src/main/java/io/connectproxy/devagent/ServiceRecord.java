package io.connectproxy.devagent;

import io.vertx.core.json.JsonObject;

import java.util.List;

/**
 * A registered service instance as the agent stores it.
 *
 * @param kind "" for a typical service, "connect-proxy" for a proxy
 * @param proxy the Proxy block, null unless kind is connect-proxy
 * @param parentId the service this one was expanded from (sidecar or managed proxy), removed along with it; or null
 * @param managedProxy set on a legacy managed proxy service, else null
 */
record ServiceRecord(String kind, String id, String name, List<String> tags, String address, String socketPath,
                     JsonObject taggedAddresses, JsonObject meta, int port, int weightPassing, int weightWarning,
                     boolean enableTagOverride, ProxySpec proxy, boolean connectNative, String parentId,
                     ManagedProxySpec managedProxy, long createIndex, long modifyIndex) {

    static final String CONNECT_PROXY = "connect-proxy";

    boolean isProxy() {
        return CONNECT_PROXY.equals(kind);
    }

    ServiceRecord withIndexes(long create, long modify) {
        return new ServiceRecord(kind, id, name, tags, address, socketPath, taggedAddresses, meta, port, weightPassing,
            weightWarning, enableTagOverride, proxy, connectNative, parentId, managedProxy, create, modify);
    }
}
