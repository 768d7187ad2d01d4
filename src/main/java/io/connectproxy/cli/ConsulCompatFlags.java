package io.connectproxy.cli;

import io.connectproxy.config.ConfigException;
import io.connectproxy.envoy.EnvoyOptions;

import java.io.PrintStream;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;

/**
 * Flags of {@code consul connect proxy} / {@code consul connect envoy} (Consul 1.10) that are accepted so command
 * lines written for Consul run unchanged, but that do nothing here (or nothing in this situation, as in Consul):
 * each gets one notice line on stderr saying so, instead of an "unknown flag" error or silence.
 */
final class ConsulCompatFlags {
    /** The only namespace of Consul OSS, and the one this proxy reads and registers in. */
    static final String DEFAULT_NAMESPACE = "default";

    private ConsulCompatFlags() {
    }

    /** Proxy mode: {@code -pprof-addr}, {@code -stale}. */
    static void noticeProxyFlags(GoFlags.Parsed p, PrintStream err) {
        proxyNotices(p).forEach(err::println);
    }

    static List<String> proxyNotices(GoFlags.Parsed p) {
        List<String> notices = new ArrayList<>();
        if (p.has("pprof-addr")) {
            notices.add("-pprof-addr " + p.get("pprof-addr") + ": ignored here (Go's pprof has no JVM "
                    + "counterpart); profile with JFR (jcmd <pid> JFR.start), JVM metrics are on the admin /metrics");
        }
        if (p.bool("stale")) {
            notices.add("-stale: accepted and has no effect, as in Consul's own proxy (it reads its config from the "
                    + "local agent, whose answers do not depend on it)");
        }
        return notices;
    }

    /** Envoy mode: {@code -bind-address} without {@code -register} changes nothing, as in Consul. */
    static List<String> envoyNotices(GoFlags.Parsed p, EnvoyOptions options) {
        List<String> notices = new ArrayList<>();
        if (!options.bindAddresses().isEmpty() && !options.register()) {
            notices.add("-bind-address: only used with -register (it goes into the gateway's registration); "
                    + "ignored, as Consul does");
        }
        return notices;
    }

    /**
     * {@code -namespace} (or {@code CONSUL_NAMESPACE}): Consul OSS has only {@code default}, and its agent
     * rejects any namespace parameter; this proxy never sends one. {@code default} is therefore accepted with the
     * same meaning; another namespace cannot be honoured and is an error rather than silently the default one.
     */
    static void checkNamespace(GoFlags.Parsed p, Map<String, String> env) {
        String ns = p.get("namespace");
        String field = "-namespace";
        if (ns == null) {
            ns = env.get("CONSUL_NAMESPACE");
            field = "CONSUL_NAMESPACE";
        }
        if (ns != null && !ns.isEmpty() && !ns.equals(DEFAULT_NAMESPACE)) {
            throw new ConfigException(field, "namespaces are a Consul Enterprise feature this proxy does not "
                    + "support; only \"default\" is accepted, got \"" + ns + "\"");
        }
    }
}
