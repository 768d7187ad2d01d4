package io.connectproxy.devagent;

import io.vertx.core.Context;
import io.vertx.core.Future;
import io.vertx.core.Promise;
import io.vertx.core.Vertx;
import io.vertx.core.http.HttpServer;
import io.vertx.core.http.HttpServerOptions;
import io.vertx.core.json.JsonArray;
import io.vertx.core.json.JsonObject;

import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.function.Supplier;
import java.util.logging.Logger;

/**
 * An in-memory stand-in for {@code consul agent -dev}: the agent HTTP API subset the proxy uses, answered in
 * Consul 1.10.1's exact shapes, with blocking queries, a CA issuing SPIFFE leaves, intentions and prepared
 * queries. All state lives on one Vert.x context; the HTTP server can be stopped and re-bound on the same port
 * without losing it ({@link #stopListening()}, {@link #listen()}), or the agent restarted as a real {@code -dev}
 * agent restarts: without its state ({@link #restart()}). With a data directory ({@link DevAgentOptions#dataDir()})
 * the state is also saved after every change and a new process started on it keeps its CA, node id, indexes,
 * intentions and the services registered over HTTP, as a non-dev agent does.
 */
public final class DevAgent {

    private static final Logger LOG = Logger.getLogger(DevAgent.class.getName());
    /** Changes come in bursts (a registration and its sidecar, a rotation and its leaves): one write per burst. */
    private static final long SAVE_DELAY_MS = 50;

    private final Vertx vertx;
    private final Context context;
    private final DevAgentOptions options;
    /**
     * What a restart replays, like the service definitions in a real agent's config directory: the options'
     * services and those given to {@link #registerService}. Registrations over HTTP are forgotten, as a
     * {@code -dev} agent (no data directory) forgets them.
     */
    private final List<JsonObject> configured = new ArrayList<>();
    private volatile AgentState state;
    private volatile Router router;
    private volatile HttpServer server;
    private volatile int port;
    private final StateFile stateFile;
    private boolean saveScheduled;

    private DevAgent(Vertx vertx, Context context, DevAgentOptions options) {
        this.vertx = vertx;
        this.context = context;
        this.options = options;
        this.port = options.port();
        this.stateFile = options.dataDir() == null ? null : new StateFile(options.dataDir());
        JsonObject saved = stateFile == null ? null : stateFile.read();
        fresh(saved);
        if (saved != null) {
            LOG.info(() -> "dev agent state read from " + stateFile.path() + ": trust domain " + trustDomain()
                + ", " + state.httpRegistrations.size() + " service(s) registered over HTTP");
        }
    }

    /**
     * A new agent state and its routes: empty (new CA, cluster id, trust domain; indexes from the start) when
     * {@code saved} is null, else the saved one.
     */
    private void fresh(JsonObject saved) {
        AgentState s = new AgentState(vertx, options, saved);
        s.feed.add(this::scheduleSave);
        Router r = new Router();
        new AgentEndpoints(s, () -> port).register(r);
        new HealthEndpoints(s).register(r);
        new CaEndpoints(s).register(r);
        new IntentionEndpoints(s).register(r);
        new AuthorizeEndpoint(s).register(r);
        new QueryEndpoints(s).register(r);
        new LegacyProxyEndpoint(s).register(r);
        state = s;
        router = r;
    }

    /** Creates the agent, registers {@code options.services()} and binds the HTTP API. */
    public static Future<DevAgent> start(Vertx vertx, DevAgentOptions options) {
        Context context = vertx.getOrCreateContext();
        // generating the first CA key pair (and loading the crypto classes) takes long enough to trip the
        // blocked-event-loop warning on a cold JVM
        return context.executeBlocking(() -> new DevAgent(vertx, context, options))
            .compose(agent -> agent.onContext(() -> {
                agent.registerAll(options.services());
                agent.registerSaved();
                agent.scheduleSave();
                return agent.bind().map(agent);
            }));
    }

    private void registerAll(JsonArray services) {
        for (int i = 0; i < services.size(); i++) {
            if (!(services.getValue(i) instanceof JsonObject definition)) {
                throw new IllegalArgumentException("services[" + i + "]: expected a service definition object");
            }
            try {
                state.catalog.register(RegistrationBodyParser.parse(definition));
            } catch (ApiException e) {
                throw new IllegalArgumentException("services[" + i + "]: " + e.getMessage(), e);
            }
            configured.add(definition.copy());
        }
    }

    /** Registers again what a data directory kept of the HTTP registrations; a configured id takes precedence. */
    private void registerSaved() {
        List<String> configuredIds = serviceIds();
        for (Map.Entry<String, JsonObject> e : new ArrayList<>(state.httpRegistrations.entrySet())) {
            if (configuredIds.contains(e.getKey())) {
                state.httpRegistrations.remove(e.getKey());
                continue;
            }
            state.catalog.register(RegistrationBodyParser.parse(e.getValue()));
        }
    }

    /** On the agent's context: one write of the whole state shortly after a change (no-op without a data dir). */
    private void scheduleSave() {
        if (stateFile == null || saveScheduled) {
            return;
        }
        saveScheduled = true;
        vertx.setTimer(SAVE_DELAY_MS, t -> save());
    }

    /** Snapshot on the context, written off it; writes stay in order. */
    private Future<Void> save() {
        saveScheduled = false;
        if (stateFile == null) {
            return Future.succeededFuture();
        }
        JsonObject snapshot = state.toJson();
        return context.<Void>executeBlocking(() -> {
            stateFile.write(snapshot);
            return null;
        }, true).onFailure(e -> LOG.warning(() -> "dev agent state not saved: " + e.getMessage()));
    }

    /** The bound port (the one chosen when the options asked for 0). */
    public int port() {
        return port;
    }

    /** "host:port" as CONSUL_HTTP_ADDR takes it. */
    public String httpAddr() {
        String host = options.host().contains(":") ? "[" + options.host() + "]" : options.host();
        return host + ":" + port;
    }

    public String trustDomain() {
        return state.connectCa.ca().trustDomain();
    }

    public String datacenter() {
        return options.datacenter();
    }

    /** The CA, for tests that need certificates directly. */
    public DevCa ca() {
        return state.connectCa.ca();
    }

    /** Closes the HTTP server (the agent looks down to clients); state and port are kept for {@link #listen()}. */
    public Future<Void> stopListening() {
        return onContext(() -> {
            HttpServer current = server;
            server = null;
            return current == null ? Future.succeededFuture() : current.close();
        });
    }

    /** Binds the HTTP API again on the same port, with the same state. */
    public Future<Void> listen() {
        return onContext(this::bind).mapEmpty();
    }

    /**
     * Registers a service definition like PUT /v1/agent/service/register, and keeps it for {@link #restart()}
     * like a definition in the agent's config directory.
     */
    public Future<Void> registerService(JsonObject definition) {
        return onContext(() -> {
            state.catalog.register(RegistrationBodyParser.parse(definition));
            configured.add(definition.copy());
            return Future.succeededFuture();
        });
    }

    /**
     * Restarts the agent as {@code consul agent -dev} restarts after a crash or an upgrade: every connection is
     * cut, and it comes back on the same port with none of its state (a new CA with a new trust domain and keys,
     * no intentions, no HTTP registrations), the configured services registered again in the same order, and
     * its indexes counting from the start. So the same requests get the same small indexes as before (a real
     * 1.10.1 agent answered the roots at index 9 and a leaf at index 18 with serial 08 both times): a client
     * that compares only indexes cannot see the change.
     */
    public Future<Void> restart() {
        String before = trustDomain();
        return stopListening()
            .compose(v -> onContext(() -> {
                state.close();
                return Future.<Void>succeededFuture();
            }))
            // a new CA key pair: off the event loop, as at start
            .compose(v -> context.executeBlocking(() -> {
                fresh(null);
                return null;
            }))
            .compose(v -> onContext(() -> {
                for (JsonObject definition : configured) {
                    state.catalog.register(RegistrationBodyParser.parse(definition));
                }
                LOG.info(() -> "dev agent restarted without its state: trust domain " + before + " -> "
                    + trustDomain());
                return bind();
            }));
    }

    /**
     * Runs every TCP check now (Consul has no such call; its first run comes at a random moment within the
     * interval). For whoever just started a listener that a check probes and would rather not wait for the next
     * interval: tests, the local mesh. Completes when the results are stored.
     */
    public Future<Void> runChecks() {
        return onContext(() -> state.catalog.runTcpChecks(null));
    }

    /**
     * Like {@link #runChecks()}, for the TCP checks of one service and of the sidecar registered with it
     * ({@code serviceId} may name either): the others keep the result they have.
     */
    public Future<Void> runChecks(String serviceId) {
        return onContext(() -> state.catalog.runTcpChecks(serviceId));
    }

    /** Rotates the CA root like PUT /v1/connect/ca/configuration with an unchanged configuration. */
    public Future<Void> rotateRoot() {
        return onContext(() -> {
            state.connectCa.rotate();
            return Future.succeededFuture();
        });
    }

    /** Stops listening and cancels every timer (leaf renewal, TTL checks). */
    public Future<Void> close() {
        return stopListening()
            .eventually(() -> onContext(this::save))
            .eventually(() -> onContext(() -> {
                state.close();
                return Future.succeededFuture();
            }));
    }

    private Future<Void> bind() {
        if (server != null) {
            return Future.succeededFuture();
        }
        HttpServer created = vertx.createHttpServer(new HttpServerOptions().setHost(options.host()).setPort(port))
            .requestHandler(req -> router.handle(req));
        return created.listen().map(s -> {
            server = s;
            port = s.actualPort();
            LOG.info(() -> "dev agent listening on http://" + httpAddr() + " (datacenter " + options.datacenter()
                + ", trust domain " + trustDomain() + ")");
            return (Void) null;
        });
    }

    /** Service ids currently registered, for the `dev` mode's startup log. */
    List<String> serviceIds() {
        return state.catalog.services().stream().map(ServiceRecord::id).toList();
    }

    private <T> Future<T> onContext(Supplier<Future<T>> action) {
        Promise<T> promise = Promise.promise();
        context.runOnContext(v -> {
            try {
                action.get().onComplete(promise);
            } catch (RuntimeException e) {
                promise.fail(e);
            }
        });
        return promise.future();
    }
}
