package io.connectproxy.devagent;

import io.vertx.core.json.JsonObject;

import java.time.Duration;
import java.util.ArrayList;
import java.util.Collection;
import java.util.List;
import java.util.regex.Pattern;

/**
 * Turns a parsed definition into the service instances and checks to store, filling Consul's defaults: the
 * sidecar expansion of Connect.SidecarService (id, name, port from 21000–21255, proxy destination, alias check),
 * the legacy managed proxy of Connect.Proxy (port from 20000–20255), tagged addresses and check ids.
 */
final class RegistrationPlanner {

    static final int SIDECAR_MIN_PORT = 21000;
    static final int SIDECAR_MAX_PORT = 21255;
    static final int MANAGED_MIN_PORT = 20000;
    static final int MANAGED_MAX_PORT = 20255;
    /** Consul's interval for the default "Connect Sidecar Listening" check. */
    static final Duration SIDECAR_CHECK_INTERVAL = Duration.ofSeconds(10);

    private static final Pattern IPV4 = Pattern.compile("^\\d{1,3}(\\.\\d{1,3}){3}$");

    /** One instance to store with its checks (ids assigned, indexes 0). */
    record Planned(ServiceRecord service, List<CheckRecord> checks) {
    }

    private RegistrationPlanner() {
    }

    /**
     * @param existing the services currently registered (for port allocation and to keep a re-registered
     *                 sidecar's port)
     */
    static List<Planned> plan(ServiceDefinition definition, Collection<ServiceRecord> existing) {
        return plan(definition, existing, SIDECAR_CHECK_INTERVAL);
    }

    /**
     * @param sidecarCheckInterval how often the default "Connect Sidecar Listening" check runs (Consul: 10 s)
     */
    static List<Planned> plan(ServiceDefinition definition, Collection<ServiceRecord> existing,
                              Duration sidecarCheckInterval) {
        List<Planned> out = new ArrayList<>();
        ServiceRecord parent = finish(definition.service());
        out.add(new Planned(parent, checks(parent, definition.checks())));
        List<Integer> taken = new ArrayList<>();
        if (definition.sidecar() != null) {
            ServiceRecord sidecar = sidecar(parent, definition.sidecar().service(), existing, taken);
            taken.add(sidecar.port());
            List<CheckDefinition> sidecarChecks = definition.sidecar().checks().isEmpty()
                ? sidecarDefaultChecks(parent, sidecar, sidecarCheckInterval)
                : definition.sidecar().checks();
            out.add(new Planned(sidecar, checks(sidecar, sidecarChecks)));
        }
        if (definition.managedProxy() != null) {
            ServiceRecord managed = managedProxy(parent, definition.managedProxy(), existing, taken);
            out.add(new Planned(managed, List.of()));
        }
        return out;
    }

    /**
     * Consul 1.10's two checks for a sidecar registered without checks of its own (agent/sidecar_service.go):
     * a TCP connect to its public port every 10 s, on Proxy.LocalServiceAddress ("the checks can always be
     * overridden if a non-loopback IP is needed"), and an alias of the parent service's checks. Both start
     * critical, like every check registered without a Status.
     */
    private static List<CheckDefinition> sidecarDefaultChecks(ServiceRecord parent, ServiceRecord sidecar,
                                                              Duration interval) {
        String host = sidecar.proxy().localServiceAddress();
        String tcp = (host.contains(":") ? "[" + host + "]" : host) + ":" + sidecar.port();
        return List.of(
            new CheckDefinition(null, "Connect Sidecar Listening", CheckRecord.CRITICAL, "", "", "tcp", null, "",
                tcp, interval, TcpChecks.DEFAULT_TIMEOUT),
            new CheckDefinition(null, "Connect Sidecar Aliasing " + parent.id(), CheckRecord.CRITICAL, "", "",
                "alias", null, parent.id()));
    }

    private static ServiceRecord finish(ServiceRecord s) {
        String id = s.id().isEmpty() ? s.name() : s.id();
        ProxySpec proxy = s.proxy() == null ? null : s.proxy().withDefaults("", "", "", 0);
        return new ServiceRecord(s.kind(), id, s.name(), s.tags(), s.address(), s.socketPath(),
            taggedAddresses(s.taggedAddresses(), s.address(), s.port()), s.meta(), s.port(), s.weightPassing(),
            s.weightWarning(), s.enableTagOverride(), proxy, s.connectNative(), null, null, 0, 0);
    }

    private static ServiceRecord sidecar(ServiceRecord parent, ServiceRecord s, Collection<ServiceRecord> existing,
                                         List<Integer> taken) {
        String id = s.id().isEmpty() ? parent.id() + "-sidecar-proxy" : s.id();
        String name = s.name().isEmpty() ? parent.name() + "-sidecar-proxy" : s.name();
        int port = s.port() > 0 ? s.port() : portFor(id, existing, taken, SIDECAR_MIN_PORT, SIDECAR_MAX_PORT);
        ProxySpec proxy = s.proxy().withDefaults(parent.name(), parent.id(), "127.0.0.1", parent.port());
        return new ServiceRecord(ServiceRecord.CONNECT_PROXY, id, name,
            s.tags().isEmpty() ? parent.tags() : s.tags(), s.address(), s.socketPath(),
            taggedAddresses(s.taggedAddresses(), s.address(), port), s.meta().isEmpty() ? parent.meta() : s.meta(),
            port, s.weightPassing(), s.weightWarning(), s.enableTagOverride(), proxy, false, parent.id(), null, 0, 0);
    }

    private static ServiceRecord managedProxy(ServiceRecord parent, ServiceDefinition.ManagedProxyDefinition m,
                                              Collection<ServiceRecord> existing, List<Integer> taken) {
        String id = parent.id() + "-proxy";
        JsonObject config = m.config().copy();
        String bindAddress = config.getValue("bind_address") instanceof String s ? s : "127.0.0.1";
        int port = config.getValue("bind_port") instanceof Number n ? n.intValue()
            : portFor(id, existing, taken, MANAGED_MIN_PORT, MANAGED_MAX_PORT);
        config.put("bind_address", bindAddress);
        config.put("bind_port", port);
        if (!config.containsKey("local_service_address")) {
            config.put("local_service_address", "127.0.0.1:" + parent.port());
        }
        ProxySpec proxy = new ProxySpec(parent.name(), parent.id(), "127.0.0.1", parent.port(), "", "", config,
            m.upstreams(), new JsonObject(), new JsonObject());
        return new ServiceRecord(ServiceRecord.CONNECT_PROXY, id, parent.name() + "-proxy", List.of(), bindAddress, "",
            taggedAddresses(new JsonObject(), bindAddress, port), new JsonObject(), port, 1, 1, false, proxy, false,
            parent.id(), m.spec(), 0, 0);
    }

    /** Keeps the port of an instance re-registered under the same id, else the first free one in the range. */
    private static int portFor(String id, Collection<ServiceRecord> existing, List<Integer> taken, int min, int max) {
        for (ServiceRecord s : existing) {
            if (s.id().equals(id) && s.port() >= min && s.port() <= max) {
                return s.port();
            }
        }
        for (int port = min; port <= max; port++) {
            final int candidate = port;
            boolean used = taken.contains(candidate)
                || existing.stream().anyMatch(s -> s.port() == candidate && !s.id().equals(id));
            if (!used) {
                return candidate;
            }
        }
        throw ApiException.badRequest("Failed to allocate a port in " + min + "-" + max + ": all in use");
    }

    /** Consul adds lan_ipv4/wan_ipv4 (or _ipv6) entries when the address is an IP literal. */
    private static JsonObject taggedAddresses(JsonObject given, String address, int port) {
        JsonObject out = given.copy();
        String family = IPV4.matcher(address).matches() ? "ipv4" : address.contains(":") ? "ipv6" : null;
        if (family != null) {
            JsonObject entry = new JsonObject().put("Address", address).put("Port", port);
            if (!out.containsKey("lan_" + family)) {
                out.put("lan_" + family, entry.copy());
            }
            if (!out.containsKey("wan_" + family)) {
                out.put("wan_" + family, entry.copy());
            }
        }
        return out;
    }

    /** Consul's check ids: the given CheckID, else service:&lt;id&gt;, or service:&lt;id&gt;:N when there are several. */
    private static List<CheckRecord> checks(ServiceRecord service, List<CheckDefinition> definitions) {
        List<CheckRecord> out = new ArrayList<>();
        for (int i = 0; i < definitions.size(); i++) {
            CheckDefinition d = definitions.get(i);
            String checkId = d.checkId();
            if (checkId == null || checkId.isEmpty()) {
                checkId = "service:" + service.id() + (definitions.size() > 1 ? ":" + (i + 1) : "");
            }
            out.add(new CheckRecord(checkId, d.name(), d.status(), d.notes(), d.output(), service.id(), service.name(),
                d.type(), d.ttl(), d.aliasServiceId().isEmpty() ? null : d.aliasServiceId(), d.tcp(), d.interval(),
                d.timeout(), 0, 0));
        }
        return out;
    }
}
