package io.connectproxy.devagent;

import io.vertx.core.Future;
import io.vertx.core.Promise;
import io.vertx.core.Vertx;
import io.vertx.core.net.ConnectOptions;
import io.vertx.core.net.NetClient;
import io.vertx.core.net.NetClientOptions;

import java.net.ConnectException;
import java.time.Duration;
import java.util.ArrayList;
import java.util.HashMap;
import java.util.List;
import java.util.Locale;
import java.util.Map;
import java.util.function.Predicate;

/**
 * Runs TCP checks for real, like Consul's CheckTCP (agent/checks/check.go): connect to the address, close at once,
 * passing with "TCP connect &lt;addr&gt;: Success", or critical with Go's dial error text. Each check runs on
 * registration and then every interval.
 *
 * <p>Where it differs from Consul, on purpose: Consul waits a random time within the interval before the first
 * run (to spread checks); this runs the first one at once, and {@link #runAll()} runs every check now (tests and
 * the local mesh ask for it after a sidecar starts listening), so nothing has to wait up to 10 s for a listener
 * that is already there. Only called on the agent's context; results arrive there too.
 */
final class TcpChecks {

    /** Consul's default TCP check timeout. */
    static final Duration DEFAULT_TIMEOUT = Duration.ofSeconds(10);

    /** Receives a result: check id, the run's generation (to drop results of a replaced check), status, output. */
    interface ResultSink {
        void accept(String checkId, long generation, String status, String output);
    }

    private record Scheduled(CheckRecord check, long generation, long timerId) {
    }

    private final Vertx vertx;
    private final ResultSink sink;
    private final Map<String, Scheduled> scheduled = new HashMap<>();
    private NetClient client;
    private long generations;

    TcpChecks(Vertx vertx, ResultSink sink) {
        this.vertx = vertx;
        this.sink = sink;
    }

    /** Runs {@code check} now and then every interval, replacing an earlier schedule of the same id. */
    void schedule(CheckRecord check) {
        cancel(check.checkId());
        long generation = ++generations;
        long timer = vertx.setPeriodic(Math.max(1, check.interval().toMillis()), t -> run(check, generation));
        scheduled.put(check.checkId(), new Scheduled(check, generation, timer));
        run(check, generation);
    }

    /** The generation a result must carry to be applied (0 when the check is no longer scheduled). */
    long generation(String checkId) {
        Scheduled s = scheduled.get(checkId);
        return s == null ? 0 : s.generation();
    }

    void cancel(String checkId) {
        Scheduled s = scheduled.remove(checkId);
        if (s != null) {
            vertx.cancelTimer(s.timerId());
        }
    }

    void cancelAll() {
        scheduled.values().forEach(s -> vertx.cancelTimer(s.timerId()));
        scheduled.clear();
        if (client != null) {
            client.close();
            client = null;
        }
    }

    /** Runs the scheduled checks that {@code which} selects now; completes when their results are handed over. */
    Future<Void> runAll(Predicate<CheckRecord> which) {
        List<Future<Void>> runs = new ArrayList<>();
        for (Scheduled s : List.copyOf(scheduled.values())) {
            if (which.test(s.check())) {
                runs.add(run(s.check(), s.generation()));
            }
        }
        return Future.join(runs).mapEmpty();
    }

    private Future<Void> run(CheckRecord check, long generation) {
        String address = check.tcp();
        HostPort target;
        try {
            target = HostPort.parse(address);
        } catch (IllegalArgumentException e) {
            sink.accept(check.checkId(), generation, CheckRecord.CRITICAL, e.getMessage());
            return Future.succeededFuture();
        }
        Promise<Void> done = Promise.promise();
        ConnectOptions options = new ConnectOptions().setHost(target.host()).setPort(target.port())
            .setTimeout((int) Math.min(Integer.MAX_VALUE, check.timeout().toMillis()));
        client().connect(options).onComplete(ar -> {
            if (ar.succeeded()) {
                ar.result().close();
                sink.accept(check.checkId(), generation, CheckRecord.PASSING, "TCP connect " + address + ": Success");
            } else {
                sink.accept(check.checkId(), generation, CheckRecord.CRITICAL, goDialError(target, ar.cause()));
            }
            done.complete();
        });
        return done.future();
    }

    private NetClient client() {
        if (client == null) {
            client = vertx.createNetClient(new NetClientOptions().setConnectTimeout((int) DEFAULT_TIMEOUT.toMillis()));
        }
        return client;
    }

    /** The text Go's net.Dial error has, which Consul puts in the check's Output. */
    static String goDialError(HostPort target, Throwable cause) {
        String prefix = "dial tcp " + target + ": ";
        String message = String.valueOf(cause.getMessage()).toLowerCase(Locale.ROOT);
        if (cause instanceof ConnectException && message.contains("refused")) {
            return prefix + "connect: connection refused";
        }
        if (message.contains("timed out") || message.contains("timeout")) {
            return prefix + "i/o timeout";
        }
        return prefix + "connect: " + message;
    }

    /** "host:port", "[v6]:port"; an empty host dials the local system, as Go's net.Dial does. */
    record HostPort(String host, int port) {
        static HostPort parse(String address) {
            int colon = address == null ? -1 : address.lastIndexOf(':');
            if (colon < 0) {
                throw new IllegalArgumentException("dial tcp " + address + ": missing port in address");
            }
            String host = address.substring(0, colon);
            if (host.startsWith("[") && host.endsWith("]")) {
                host = host.substring(1, host.length() - 1);
            }
            int port;
            try {
                port = Integer.parseInt(address.substring(colon + 1));
            } catch (NumberFormatException e) {
                throw new IllegalArgumentException("dial tcp " + address + ": unknown port");
            }
            return new HostPort(host.isEmpty() ? "127.0.0.1" : host, port);
        }

        @Override
        public String toString() {
            return (host.contains(":") ? "[" + host + "]" : host) + ":" + port;
        }
    }
}
