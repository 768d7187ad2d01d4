package io.connectproxy.envoy;

/**
 * The plain inputs of a bootstrap, Consul's {@code BootstrapTplArgs}: everything the agent, the flags and the
 * environment contributed, already resolved (IPs, not names). {@link BootstrapBuilder} turns these plus the
 * proxy's {@link BootstrapConfig} into the document. Empty strings mean "not set".
 *
 * @param agentAddress   the agent's gRPC IP; unused when {@code agentSocket} is set
 * @param agentSocket    a unix socket path for the agent's gRPC, or empty
 * @param agentCaPem     the PEM text of every CA from {@code -ca-file}/{@code -ca-path}, concatenated
 * @param token          the ACL token sent as {@code x-consul-token}; never logged
 */
public record BootstrapArgs(
        String proxyCluster,
        String proxyId,
        String proxySourceService,
        String agentAddress,
        int agentPort,
        String agentSocket,
        boolean agentTls,
        String agentCaPem,
        String adminAccessLogPath,
        String adminBindAddress,
        int adminBindPort,
        String localAgentClusterName,
        String token,
        String namespace,
        String datacenter,
        String envoyVersion,
        String prometheusBackendPort,
        String prometheusScrapePath) {

    /** The reserved name of the cluster that points at the agent's gRPC port. */
    public static final String LOCAL_AGENT_CLUSTER_NAME = "local_agent";

    public BootstrapArgs {
        proxyCluster = nz(proxyCluster);
        proxyId = nz(proxyId);
        proxySourceService = nz(proxySourceService);
        agentAddress = nz(agentAddress);
        agentSocket = nz(agentSocket);
        agentCaPem = nz(agentCaPem);
        adminAccessLogPath = nz(adminAccessLogPath);
        adminBindAddress = nz(adminBindAddress);
        localAgentClusterName = localAgentClusterName == null || localAgentClusterName.isEmpty()
                ? LOCAL_AGENT_CLUSTER_NAME : localAgentClusterName;
        token = nz(token);
        namespace = nz(namespace);
        datacenter = nz(datacenter);
        envoyVersion = nz(envoyVersion);
        prometheusBackendPort = nz(prometheusBackendPort);
        prometheusScrapePath = nz(prometheusScrapePath);
    }

    /** What the agent's registration tells us: the cluster and source service names, namespace and datacenter. */
    public BootstrapArgs withRegistration(String cluster, String sourceService, String ns, String dc) {
        return new BootstrapArgs(cluster, proxyId, sourceService, agentAddress, agentPort, agentSocket, agentTls,
                agentCaPem, adminAccessLogPath, adminBindAddress, adminBindPort, localAgentClusterName, token, ns, dc,
                envoyVersion, prometheusBackendPort, prometheusScrapePath);
    }

    /** Namespace as the bootstrap reports it: Consul OSS has only "default". */
    public String namespaceOrDefault() {
        return namespace.isEmpty() ? "default" : namespace;
    }

    private static String nz(String s) {
        return s == null ? "" : s;
    }

    @Override
    public String toString() {
        return "BootstrapArgs[proxyCluster=" + proxyCluster + ", proxyId=" + proxyId + ", agent="
                + (agentSocket.isEmpty() ? agentAddress + ":" + agentPort : "unix://" + agentSocket)
                + ", agentTls=" + agentTls + ", admin=" + adminBindAddress + ":" + adminBindPort
                + ", token=" + (token.isEmpty() ? "" : "<redacted>") + ", namespace=" + namespace
                + ", datacenter=" + datacenter + "]";
    }
}
