package io.connectproxy.devagent;

import java.util.List;

/**
 * A parsed registration before the agent fills its defaults.
 *
 * @param service the service; indexes are 0
 * @param sidecar Connect.SidecarService, parsed with the same rules (name, id and port may be empty), or null
 * @param managedProxy Connect.Proxy of the Consul 1.3–1.5 managed proxies, or null
 */
record ServiceDefinition(ServiceRecord service, List<CheckDefinition> checks, ServiceDefinition sidecar,
                         ManagedProxyDefinition managedProxy) {

    /** Connect.Proxy of a managed proxy: how to run it, its opaque Config and its upstreams. */
    record ManagedProxyDefinition(ManagedProxySpec spec, io.vertx.core.json.JsonObject config,
                                  List<UpstreamSpec> upstreams) {
    }
}
