package io.connectproxy.devagent;

import io.vertx.core.json.JsonObject;

import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.Locale;

/**
 * Parses a service definition as PUT /v1/agent/service/register or a config file gives it (PascalCase or
 * snake_case) into a {@link ServiceDefinition}. Defaults that need the agent's state (sidecar ports, ids) are
 * filled later by {@link RegistrationPlanner}.
 */
final class RegistrationBodyParser {

    private static final List<String> DEFAULT_MANAGED_COMMAND = List.of("consul", "connect", "proxy");

    private RegistrationBodyParser() {
    }

    static ServiceDefinition parse(JsonObject body) {
        DefinitionFields root = new DefinitionFields(body, "");
        // config files wrap a definition in {"service": {...}}; "Service" as a string is the name instead
        if (root.raw("service") instanceof JsonObject wrapped && !root.has("Name", "ID")) {
            root = new DefinitionFields(wrapped, "");
        }
        ServiceDefinition definition = parse(root, false);
        if (definition.service().name().isEmpty()) {
            throw ApiException.badRequest("Missing service name");
        }
        return definition;
    }

    private static ServiceDefinition parse(DefinitionFields f, boolean isSidecar) {
        String name = f.firstString("", "Name", "Service");
        String id = f.string("ID", "");
        String kind = f.string("Kind", "");
        if (!kind.isEmpty() && !kind.equals(ServiceRecord.CONNECT_PROXY)) {
            throw ApiException.badRequest("Invalid service: unsupported Kind " + kind);
        }
        String address = f.string("Address", "");
        int port = f.integer("Port", 0);
        DefinitionFields weights = f.object("Weights");
        int passing = weights == null ? 1 : weights.integer("Passing", 1);
        int warning = weights == null ? 1 : weights.integer("Warning", 1);

        ProxySpec proxy = null;
        DefinitionFields proxyFields = f.object("Proxy");
        if (proxyFields != null) {
            proxy = proxy(proxyFields);
        }
        if (isSidecar) {
            kind = ServiceRecord.CONNECT_PROXY;
            if (proxy == null) {
                proxy = ProxySpec.empty();
            }
        }

        boolean nativeConnect = false;
        ServiceDefinition sidecar = null;
        ServiceDefinition.ManagedProxyDefinition managed = null;
        DefinitionFields connect = f.object("Connect");
        if (connect != null) {
            nativeConnect = connect.bool("Native", false);
            DefinitionFields sidecarFields = connect.object("SidecarService");
            if (sidecarFields != null) {
                if (isSidecar) {
                    throw ApiException.badRequest("Invalid service: a sidecar cannot have its own sidecar");
                }
                sidecar = parse(sidecarFields, true);
            }
            DefinitionFields managedFields = connect.object("Proxy");
            if (managedFields != null) {
                managed = new ServiceDefinition.ManagedProxyDefinition(
                    new ManagedProxySpec(managedFields.string("ExecMode", "daemon"),
                        managedFields.has("Command") ? managedFields.strings("Command") : DEFAULT_MANAGED_COMMAND),
                    managedFields.opaque("Config"), upstreams(managedFields));
            }
        }
        if (ServiceRecord.CONNECT_PROXY.equals(kind) && proxy == null) {
            throw ApiException.badRequest("Proxy.DestinationServiceName must be non-empty for Connect proxy services");
        }
        if (ServiceRecord.CONNECT_PROXY.equals(kind) && !isSidecar) {
            if (proxy.destinationServiceName().isEmpty()) {
                throw ApiException.badRequest(
                    "Proxy.DestinationServiceName must be non-empty for Connect proxy services");
            }
            if (port == 0 && f.string("SocketPath", "").isEmpty()) {
                throw ApiException.badRequest("Port or SocketPath must be set for a Connect proxy service");
            }
        }

        ServiceRecord service = new ServiceRecord(kind, id, name, f.strings("Tags"), address,
            f.string("SocketPath", ""), f.opaque("TaggedAddresses"), f.opaque("Meta"), port, passing, warning,
            f.bool("EnableTagOverride", false), proxy, nativeConnect, null, null, 0, 0);

        List<CheckDefinition> checks = new ArrayList<>();
        DefinitionFields single = f.object("Check");
        if (single != null) {
            checks.add(check(single, name));
        }
        for (DefinitionFields c : f.objects("Checks")) {
            checks.add(check(c, name));
        }
        return new ServiceDefinition(service, List.copyOf(checks), sidecar, managed);
    }

    private static ProxySpec proxy(DefinitionFields p) {
        return new ProxySpec(p.string("DestinationServiceName", ""), p.string("DestinationServiceID", ""),
            p.string("LocalServiceAddress", ""), p.integer("LocalServicePort", 0),
            p.string("LocalServiceSocketPath", ""), p.string("Mode", ""), p.opaque("Config"), upstreams(p),
            p.opaque("MeshGateway"), p.opaque("Expose"));
    }

    private static List<UpstreamSpec> upstreams(DefinitionFields p) {
        List<UpstreamSpec> out = new ArrayList<>();
        for (DefinitionFields u : p.objects("Upstreams")) {
            String destinationName = u.string("DestinationName", "");
            if (destinationName.isEmpty()) {
                throw u.error("DestinationName", "upstream destination name is required");
            }
            String type = u.string("DestinationType", "");
            if (type.isEmpty()) {
                type = "service";
            } else if (!type.equals("service") && !type.equals("prepared_query")) {
                throw u.error("DestinationType", "unknown upstream destination type " + type);
            }
            out.add(new UpstreamSpec(type, u.string("DestinationNamespace", ""), destinationName,
                u.string("Datacenter", ""), u.string("LocalBindAddress", ""), u.integer("LocalBindPort", 0),
                u.string("LocalBindSocketPath", ""), u.string("LocalBindSocketMode", ""), u.opaque("Config"),
                u.opaque("MeshGateway")));
        }
        return List.copyOf(out);
    }

    /** Parses one check of a service definition; {@code serviceName} gives Consul's default check name. */
    static CheckDefinition check(DefinitionFields c, String serviceName) {
        String type;
        Duration ttl = c.duration("TTL");
        String alias = c.string("AliasService", "");
        if (ttl != null) {
            if (ttl.isZero() || ttl.isNegative()) {
                throw ApiException.badRequest("Invalid check: TTL must be > 0 for TTL checks");
            }
            type = "ttl";
        } else if (!alias.isEmpty()) {
            type = "alias";
        } else if (c.has("TCP")) {
            type = "tcp";
        } else if (c.has("HTTP")) {
            type = "http";
        } else if (c.has("GRPC")) {
            type = "grpc";
        } else if (c.has("Args", "ScriptArgs")) {
            type = "script";
        } else if (c.has("DockerContainerID")) {
            type = "docker";
        } else {
            throw ApiException.badRequest(
                "Invalid check: Must provide TTL or Script/DockerContainerID/HTTP/TCP/GRPC/AliasService and Interval");
        }
        String status = c.string("Status", CheckRecord.CRITICAL).toLowerCase(Locale.ROOT);
        if (status.isEmpty()) {
            status = CheckRecord.CRITICAL;
        }
        if (!CheckRecord.isValidStatus(status)) {
            throw ApiException.badRequest("Invalid check: status '" + status + "' is invalid");
        }
        String name = c.string("Name", "");
        if (name.isEmpty()) {
            name = "Service '" + serviceName + "' check";
        }
        String tcp = null;
        Duration interval = null;
        Duration timeout = null;
        if (type.equals("tcp")) {
            tcp = c.string("TCP", "");
            interval = c.duration("Interval");
            if (tcp.isEmpty() || interval == null || interval.isZero() || interval.isNegative()) {
                throw ApiException.badRequest(
                    "Invalid check: Must provide TTL or Script/DockerContainerID/HTTP/TCP/GRPC/AliasService and Interval");
            }
            timeout = c.duration("Timeout");
            if (timeout == null || timeout.isZero() || timeout.isNegative()) {
                timeout = TcpChecks.DEFAULT_TIMEOUT;
            }
        }
        return new CheckDefinition(c.firstString(null, "CheckID", "ID"), name, status, c.string("Notes", ""), "",
            type, ttl, alias, tcp, interval, timeout);
    }
}
