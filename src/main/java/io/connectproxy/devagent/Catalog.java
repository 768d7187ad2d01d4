package io.connectproxy.devagent;

import java.time.Duration;
import java.util.ArrayList;
import java.util.Collection;
import java.util.Comparator;
import java.util.HashSet;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.Set;
import java.util.logging.Logger;

/**
 * The agent's services and checks (the local state and the catalog are the same thing on a one-node dev agent).
 * Every change takes a new modify index and publishes the topics it affected, so parked blocking queries about
 * other services stay parked. Only called on the agent's context.
 */
final class Catalog {

    private static final Logger LOG = Logger.getLogger(Catalog.class.getName());

    private final ModifyIndex index;
    private final Map<String, ServiceRecord> services = new LinkedHashMap<>();
    private final Map<String, CheckRecord> checks = new LinkedHashMap<>();
    private final TtlTimers ttlTimers;
    private final TcpChecks tcpChecks;
    private final Duration sidecarCheckInterval;

    /** @param sidecarCheckInterval interval of the default sidecar TCP check (Consul: 10 s; tests go faster) */
    Catalog(ModifyIndex index, io.vertx.core.Vertx vertx, Duration sidecarCheckInterval) {
        this.index = index;
        this.ttlTimers = new TtlTimers(vertx, this::expire);
        this.tcpChecks = new TcpChecks(vertx, this::tcpResult);
        this.sidecarCheckInterval = sidecarCheckInterval;
    }

    /** Registers a definition (and its sidecar or managed proxy); returns the stored instances. */
    List<ServiceRecord> register(ServiceDefinition definition) {
        List<RegistrationPlanner.Planned> plan = RegistrationPlanner.plan(definition, services.values(),
            sidecarCheckInterval);
        List<CheckRecord> toRun = new ArrayList<>();
        long at = index.next();
        Set<String> topics = new HashSet<>();
        List<ServiceRecord> stored = new ArrayList<>();
        for (RegistrationPlanner.Planned planned : plan) {
            ServiceRecord previous = services.get(planned.service().id());
            if (previous != null) {
                topics.addAll(topicsOf(previous));
                removeChecksOf(previous.id());
            }
            ServiceRecord record = planned.service().withIndexes(previous == null ? at : previous.createIndex(), at);
            services.put(record.id(), record);
            stored.add(record);
            topics.addAll(topicsOf(record));
            for (CheckRecord check : planned.checks()) {
                CheckRecord previousCheck = checks.remove(check.checkId());
                if (previousCheck != null) {
                    ttlTimers.cancel(previousCheck.checkId());
                    tcpChecks.cancel(previousCheck.checkId());
                }
                CheckRecord withIndex = check.withIndexes(at, at);
                checks.put(withIndex.checkId(), withIndex);
                if (withIndex.ttl() != null) {
                    ttlTimers.arm(withIndex.checkId(), withIndex.ttl());
                }
                if (withIndex.tcp() != null) {
                    toRun.add(withIndex);
                }
            }
        }
        refreshAliases(at, topics);
        index.publish(at, topics);
        // after the registration is visible: a result that comes back at once is a change of its own
        toRun.forEach(tcpChecks::schedule);
        return stored;
    }

    /**
     * Runs TCP checks now: all of them ({@code serviceId} null), or those of that service and of the services
     * registered with it (its sidecar). Completes when their results are stored.
     */
    io.vertx.core.Future<Void> runTcpChecks(String serviceId) {
        return tcpChecks.runAll(check -> {
            if (serviceId == null || serviceId.equals(check.serviceId())) {
                return true;
            }
            ServiceRecord owner = services.get(check.serviceId());
            return owner != null && serviceId.equals(owner.parentId());
        });
    }

    private void tcpResult(String checkId, long generation, String status, String output) {
        CheckRecord check = checks.get(checkId);
        if (check != null && generation == tcpChecks.generation(checkId)) {
            setStatus(check, status, output);
        }
    }

    /** Removes a service, its checks and what was expanded from it; false when it was not registered. */
    boolean deregister(String serviceId) {
        ServiceRecord service = services.get(serviceId);
        if (service == null) {
            return false;
        }
        long at = index.next();
        Set<String> topics = new HashSet<>();
        List<ServiceRecord> doomed = new ArrayList<>();
        doomed.add(service);
        services.values().stream().filter(s -> serviceId.equals(s.parentId())).forEach(doomed::add);
        for (ServiceRecord s : doomed) {
            services.remove(s.id());
            removeChecksOf(s.id());
            topics.addAll(topicsOf(s));
        }
        refreshAliases(at, topics);
        index.publish(at, topics);
        return true;
    }

    /** PUT /v1/agent/check/pass|warn|fail|update: only TTL checks take outside updates. */
    void updateTtl(String checkId, String status, String output) {
        CheckRecord check = checks.get(checkId);
        if (check == null || check.ttl() == null) {
            throw ApiException.notFound("CheckID \"" + checkId + "\" does not have associated TTL");
        }
        ttlTimers.arm(checkId, check.ttl());
        setStatus(check, status, output);
    }

    private void expire(String checkId) {
        CheckRecord check = checks.get(checkId);
        if (check != null) {
            LOG.fine(() -> "TTL check " + checkId + " expired");
            setStatus(check, CheckRecord.CRITICAL, "TTL expired");
        }
    }

    private void setStatus(CheckRecord check, String status, String output) {
        if (check.status().equals(status) && check.output().equals(output)) {
            return;
        }
        long at = index.next();
        checks.put(check.checkId(), check.withStatus(status, output, at));
        Set<String> topics = new HashSet<>();
        ServiceRecord owner = services.get(check.serviceId());
        if (owner != null) {
            topics.addAll(topicsOf(owner));
        }
        refreshAliases(at, topics);
        index.publish(at, topics);
    }

    ServiceRecord service(String id) {
        return services.get(id);
    }

    /** All services, sorted by id (Go sorts map keys when encoding). */
    List<ServiceRecord> services() {
        List<ServiceRecord> out = new ArrayList<>(services.values());
        out.sort(Comparator.comparing(ServiceRecord::id));
        return out;
    }

    List<CheckRecord> checksOf(String serviceId) {
        List<CheckRecord> out = new ArrayList<>();
        for (CheckRecord c : checks.values()) {
            if (serviceId.equals(c.serviceId())) {
                out.add(c);
            }
        }
        out.sort(Comparator.comparing(CheckRecord::checkId));
        return out;
    }

    /** All service checks, sorted by id. */
    List<CheckRecord> checks() {
        List<CheckRecord> out = new ArrayList<>(checks.values());
        out.sort(Comparator.comparing(CheckRecord::checkId));
        return out;
    }

    void close() {
        ttlTimers.cancelAll();
        tcpChecks.cancelAll();
    }

    private void removeChecksOf(String serviceId) {
        checks.values().removeIf(c -> {
            if (serviceId.equals(c.serviceId())) {
                ttlTimers.cancel(c.checkId());
                tcpChecks.cancel(c.checkId());
                return true;
            }
            return false;
        });
    }

    /** The answers a change to this instance can alter. */
    static Collection<String> topicsOf(ServiceRecord s) {
        List<String> topics = new ArrayList<>();
        topics.add(ModifyIndex.health(s.name()));
        if (s.proxy() != null && !s.proxy().destinationServiceName().isEmpty()) {
            topics.add(ModifyIndex.connect(s.proxy().destinationServiceName()));
        }
        if (s.connectNative()) {
            topics.add(ModifyIndex.connect(s.name()));
        }
        return topics;
    }

    /**
     * Alias checks take the worst status of the aliased service's checks, with Consul's output texts. Stored (not
     * computed on read) so that their ModifyIndex moves when their status does.
     */
    private void refreshAliases(long at, Set<String> topics) {
        // two passes settle an alias of an alias, which is as deep as anyone goes
        for (int pass = 0; pass < 2; pass++) {
            for (CheckRecord alias : new ArrayList<>(checks.values())) {
                if (alias.aliasServiceId() == null) {
                    continue;
                }
                String status;
                String output;
                if (!services.containsKey(alias.aliasServiceId())) {
                    status = CheckRecord.CRITICAL;
                    output = "Service not found";
                } else {
                    status = CheckRecord.PASSING;
                    output = "No checks found.";
                    for (CheckRecord c : checksOf(alias.aliasServiceId())) {
                        if (c.status().equals(CheckRecord.CRITICAL) || c.status().equals(CheckRecord.WARNING)) {
                            if (!status.equals(CheckRecord.CRITICAL)) {
                                status = c.status();
                                output = "Aliased check \"" + c.name() + "\" failing: " + c.output();
                            }
                        } else if (status.equals(CheckRecord.PASSING)) {
                            output = "All checks passing.";
                        }
                    }
                }
                if (!status.equals(alias.status()) || !output.equals(alias.output())) {
                    checks.put(alias.checkId(), alias.withStatus(status, output, at));
                    ServiceRecord owner = services.get(alias.serviceId());
                    if (owner != null) {
                        topics.addAll(topicsOf(owner));
                    }
                }
            }
        }
    }
}
