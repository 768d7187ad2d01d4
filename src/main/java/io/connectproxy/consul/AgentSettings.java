package io.connectproxy.consul;

/**
 * How to reach the local agent, already resolved from flags, file and environment by the config layer.
 * {@code httpAddr} is in any form {@code CONSUL_HTTP_ADDR} accepts. The token is never shown by toString().
 */
public record AgentSettings(
        String httpAddr,
        boolean ssl,
        String token,
        String caFile,
        String caPath,
        String clientCert,
        String clientKey,
        String tlsServerName,
        boolean sslVerify,
        String datacenter) {

    public static final String DEFAULT_HTTP_ADDR = "127.0.0.1:8500";

    public static AgentSettings local(String httpAddr) {
        return new AgentSettings(httpAddr, false, null, null, null, null, null, null, true, null);
    }

    public AgentSettings withToken(String newToken) {
        return new AgentSettings(httpAddr, ssl, newToken, caFile, caPath, clientCert, clientKey, tlsServerName,
                sslVerify, datacenter);
    }

    public boolean hasToken() {
        return token != null && !token.isEmpty();
    }

    @Override
    public String toString() {
        return "AgentSettings[httpAddr=" + httpAddr + ", ssl=" + ssl + ", token=" + (hasToken() ? "<redacted>" : "")
                + ", caFile=" + caFile + ", caPath=" + caPath + ", clientCert=" + clientCert + ", clientKey="
                + clientKey + ", tlsServerName=" + tlsServerName + ", sslVerify=" + sslVerify + ", datacenter="
                + datacenter + "]";
    }
}
