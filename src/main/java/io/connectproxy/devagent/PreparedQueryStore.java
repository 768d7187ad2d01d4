package io.connectproxy.devagent;

import io.vertx.core.json.JsonObject;

import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.Optional;
import java.util.UUID;

/** Prepared queries by id; executable by id or by name. */
final class PreparedQueryStore {

    private final ModifyIndex index;
    private final Map<String, PreparedQuery> queries = new LinkedHashMap<>();

    PreparedQueryStore(ModifyIndex index) {
        this.index = index;
    }

    /** POST /v1/query body; returns the new ID. */
    String create(JsonObject body) {
        DefinitionFields f = new DefinitionFields(body, "");
        DefinitionFields service = f.object("Service");
        String serviceName = service == null ? "" : service.string("Service", "");
        if (serviceName.isEmpty()) {
            throw ApiException.badRequest("Must provide a Service name to query");
        }
        String name = f.string("Name", "");
        if (!name.isEmpty() && byName(name).isPresent()) {
            throw ApiException.badRequest("Name '" + name + "' aliases an existing query name");
        }
        long at = index.next();
        PreparedQuery query = new PreparedQuery(UUID.randomUUID().toString(), name, serviceName,
            service.bool("OnlyPassing", false), service.strings("Tags"), at, at);
        queries.put(query.id(), query);
        index.publish(at, List.of("query:" + query.id()));
        return query.id();
    }

    Optional<PreparedQuery> byIdOrName(String idOrName) {
        PreparedQuery byId = queries.get(idOrName);
        return byId != null ? Optional.of(byId) : byName(idOrName);
    }

    private Optional<PreparedQuery> byName(String name) {
        return queries.values().stream().filter(q -> q.name().equals(name)).findFirst();
    }

    boolean delete(String id) {
        if (queries.remove(id) == null) {
            return false;
        }
        long at = index.next();
        index.publish(at, List.of("query:" + id));
        return true;
    }

    List<PreparedQuery> all() {
        return new ArrayList<>(queries.values());
    }
}
