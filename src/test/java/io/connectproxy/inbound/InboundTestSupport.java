package io.connectproxy.inbound;

import io.connectproxy.metrics.ProxyMetrics;
import io.connectproxy.runtime.ProxyRuntime;
import io.connectproxy.devagent.DevAgent;
import io.connectproxy.testsupport.TestMesh;
import io.vertx.core.json.JsonArray;
import io.vertx.core.json.JsonObject;

import java.io.ByteArrayOutputStream;
import java.io.IOException;
import java.io.InputStream;
import java.net.URI;
import java.net.http.HttpClient;
import java.net.http.HttpRequest;
import java.net.http.HttpResponse;
import java.time.Duration;

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

    /**
     * A ClientHello offering exactly {@code version} (0x0300 SSLv3 … 0x0303 TLS 1.2) with ECDHE/RSA CBC and GCM
     * suites: crafted by hand because the JDK refuses to send anything below TLS 1.2 in its default config.
     */
    static byte[] clientHello(int version) {
        ByteArrayOutputStream body = new ByteArrayOutputStream();
        body.write(version >> 8);
        body.write(version);
        body.writeBytes(new byte[32]); // random
        body.write(0); // no session id
        int[] suites = {0xC02B, 0xC009, 0xC013, 0x002F, 0x0035, 0x000A};
        body.write(0);
        body.write(suites.length * 2);
        for (int suite : suites) {
            body.write(suite >> 8);
            body.write(suite);
        }
        body.write(1); // compression methods: null
        body.write(0);
        byte[] extensions = {
            0x00, 0x0a, 0x00, 0x04, 0x00, 0x02, 0x00, 0x17, // supported_groups: secp256r1
            0x00, 0x0b, 0x00, 0x02, 0x01, 0x00,             // ec_point_formats: uncompressed
            0x00, 0x0d, 0x00, 0x04, 0x00, 0x02, 0x04, 0x03  // signature_algorithms: ecdsa_secp256r1_sha256
        };
        body.write(0);
        body.write(extensions.length);
        body.writeBytes(extensions);
        byte[] b = body.toByteArray();
        ByteArrayOutputStream record = new ByteArrayOutputStream();
        record.writeBytes(new byte[] {22, 0x03, (byte) Math.min(version & 0xff, 1)});
        int handshakeLength = b.length + 4;
        record.write(handshakeLength >> 8);
        record.write(handshakeLength);
        record.writeBytes(new byte[] {1, 0, (byte) (b.length >> 8), (byte) b.length});
        record.writeBytes(b);
        return record.toByteArray();
    }
}
