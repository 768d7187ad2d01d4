package io.connectproxy.inbound;

import io.connectproxy.metrics.ProxyMetrics;
import io.connectproxy.runtime.ProxyRuntime;
import io.connectproxy.devagent.DevAgent;
import io.connectproxy.testsupport.TestMesh;
import io.vertx.core.json.JsonArray;
import io.vertx.core.json.JsonObject;

import java.io.IOException;
import java.io.InputStream;
import java.net.URI;
import java.net.http.HttpClient;
import java.net.http.HttpRequest;
import java.net.http.HttpResponse;
import java.time.Duration;
import java.util.List;
import java.util.concurrent.CopyOnWriteArrayList;
import java.util.function.BooleanSupplier;
import java.util.logging.Handler;
import java.util.logging.Level;
import java.util.logging.LogRecord;
import java.util.logging.Logger;

/** What the inbound end-to-end tests share: sidecars with a tuned Proxy.Config, intentions, logs, waiting. */
final class InboundTestSupport {
    private static final HttpClient HTTP = HttpClient.newBuilder().connectTimeout(Duration.ofSeconds(2)).build();

    private InboundTestSupport() {
    }

    /** A registered service with a sidecar on a free public port, running in the mesh. */
    record Sidecar(String service, int port, ProxyRuntime runtime) {
        ProxyMetrics metrics() {
            return runtime.metrics();
        }

        double rejections(String reason) {
            return metrics().count("rejections_total", "listener", "public", "reason", reason);
        }

        double handshakeFailures(String reason) {
            return metrics().count("tls_handshake_failures_total", "listener", "public", "reason", reason);
        }

        double connections() {
            return metrics().count("connections_total", "listener", "public");
        }
    }

    /** Registers {@code service} (app on {@code appPort}) with a sidecar whose Proxy.Config is {@code tuning}. */
    static Sidecar sidecar(TestMesh mesh, String service, int appPort, JsonObject tuning) {
        int port = TestMesh.freePort();
        mesh.register(new JsonObject().put("name", service).put("port", appPort).put("connect", new JsonObject()
                .put("sidecar_service", new JsonObject().put("port", port).put("proxy", new JsonObject()
                        .put("upstreams", new JsonArray()).put("config", tuning)))));
        ProxyRuntime runtime = mesh.startSidecar(service);
        if (runtime.publicPort() != port) {
            throw new AssertionError("sidecar listens on " + runtime.publicPort() + ", registered " + port);
        }
        return new Sidecar(service, port, runtime);
    }

    /** PUT /v1/connect/intentions/exact: {@code action} "allow" or "deny". */
    static void intention(DevAgent agent, String source, String destination, String action) {
        try {
            HttpRequest put = HttpRequest.newBuilder(URI.create("http://" + agent.httpAddr()
                            + "/v1/connect/intentions/exact?source=" + source + "&destination=" + destination))
                    .timeout(Duration.ofSeconds(5))
                    .PUT(HttpRequest.BodyPublishers.ofString(new JsonObject().put("Action", action).encode()))
                    .build();
            HttpResponse<String> r = HTTP.send(put, HttpResponse.BodyHandlers.ofString());
            if (r.statusCode() != 200) {
                throw new AssertionError("intention PUT: " + r.statusCode() + " " + r.body());
            }
        } catch (IOException e) {
            throw new AssertionError(e);
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
            throw new AssertionError(e);
        }
    }

    /** Polls {@code condition} every 20 ms; fails after {@code within}. */

    /** Milliseconds until the server ends {@code in} (EOF, reset or alert); fails on a read timeout. */
    static long msUntilClosed(InputStream in) throws IOException {
        long t0 = System.nanoTime();
        byte[] buf = new byte[1024];
        try {
            while (in.read(buf) >= 0) {
                // drain: alerts, or what the server sent before it closed
            }
        } catch (java.net.SocketTimeoutException e) {
            throw e;
        } catch (IOException e) {
            // reset or TLS alert: closed too
        }
        return (System.nanoTime() - t0) / 1_000_000;
    }

    /** Collects the JUL records of one logger (and its children) while open. */
    static final class LogCapture extends Handler implements AutoCloseable {
        private final Logger logger;
        private final List<LogRecord> records = new CopyOnWriteArrayList<>();

        private LogCapture(Logger logger) {
            this.logger = logger;
            setLevel(Level.ALL);
        }

        static LogCapture of(Class<?> source) {
            LogCapture c = new LogCapture(Logger.getLogger(source.getName()));
            c.logger.addHandler(c);
            return c;
        }

        /** Messages (formatted) that contain every one of {@code parts}. */
        List<String> matching(String... parts) {
            return records.stream().map(io.connectproxy.testsupport.LogCapture::line)
                    .filter(m -> java.util.Arrays.stream(parts).allMatch(m::contains)).toList();
        }

        List<LogRecord> records() {
            return List.copyOf(records);
        }

        @Override
        public void publish(LogRecord record) {
            records.add(record);
        }

        @Override
        public void flush() {
        }

        @Override
        public void close() {
            logger.removeHandler(this);
        }
    }
}
