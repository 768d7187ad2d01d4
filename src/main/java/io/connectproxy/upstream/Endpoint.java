package io.connectproxy.upstream;

/**
 * One healthy instance of an upstream destination: where to dial, and who must answer there (the service and
 * datacenter its certificate has to name).
 */
public record Endpoint(String host, int port, String expectedService, String expectedDatacenter, String instanceId) {

    /** host:port, with brackets for IPv6 — for logs and per-endpoint bookkeeping. */
    public String address() {
        return (host.contains(":") ? "[" + host + "]" : host) + ":" + port;
    }
}
