package io.connectproxy.testsupport;

import io.vertx.core.json.JsonArray;
import io.vertx.core.json.JsonObject;

import java.io.IOException;
import java.io.InputStream;
import java.io.OutputStream;
import java.net.ConnectException;
import java.net.Socket;
import java.net.URI;
import java.net.http.HttpClient;
import java.net.http.HttpRequest;
import java.net.http.HttpResponse;
import java.nio.charset.StandardCharsets;
import java.time.Duration;
import java.util.function.BooleanSupplier;

/**
 * Blocking client helpers for mesh tests (they run on the test thread, never on an event loop): push bytes through
 * a local upstream listener, poll for a condition, and talk to the dev agent's HTTP API like an operator would.
 */
public final class Wire {
    private static final HttpClient HTTP = HttpClient.newHttpClient();

    private Wire() {
    }

    /** One connection: writes {@code text}, reads as many bytes back (or fewer if the peer closes). */
    public static String exchangeOnce(int port, String text) throws IOException {
        try (Socket s = new Socket("127.0.0.1", port)) {
            return exchangeOn(s, text);
        }
    }

    /** On an open socket: writes {@code text} and reads the same number of bytes back. */
    public static String exchangeOn(Socket s, String text) throws IOException {
        byte[] out = text.getBytes(StandardCharsets.UTF_8);
        s.setSoTimeout(5000);
        OutputStream o = s.getOutputStream();
        o.write(out);
        o.flush();
        InputStream in = s.getInputStream();
        return new String(in.readNBytes(out.length), StandardCharsets.UTF_8);
    }

    /** Retries {@link #exchangeOnce} until it echoes, for the moments while discovery or config catch up. */
    public static String exchange(int port, String text, Duration within) throws Exception {
        long deadline = System.nanoTime() + within.toNanos();
        Exception last = null;
        String got = null;
        while (System.nanoTime() < deadline) {
            try {
                got = exchangeOnce(port, text);
                if (got.equals(text)) {
                    return got;
                }
            } catch (IOException e) {
                last = e;
            }
            Thread.sleep(20);
        }
        throw new AssertionError("no echo on " + port + " within " + within + " (last reply \"" + got + "\")", last);
    }

    public static boolean refused(int port) {
        try (Socket s = new Socket("127.0.0.1", port)) {
            return false;
        } catch (ConnectException e) {
            return true;
        } catch (IOException e) {
            return false;
        }
    }

    /** Polls every 10 ms; returns the elapsed milliseconds when the condition held, fails otherwise. */

    /** PUT or POST to the agent's HTTP API; returns the body, fails on a non-2xx status. */
    public static String agent(String httpAddr, String method, String path, String body) throws Exception {
        HttpRequest request = HttpRequest.newBuilder(URI.create("http://" + httpAddr + path))
                .method(method, body == null ? HttpRequest.BodyPublishers.noBody()
                        : HttpRequest.BodyPublishers.ofString(body))
                .timeout(Duration.ofSeconds(5)).build();
        HttpResponse<String> response = HTTP.send(request, HttpResponse.BodyHandlers.ofString());
        if (response.statusCode() / 100 != 2) {
            throw new AssertionError(method + " " + path + " -> " + response.statusCode() + ": " + response.body());
        }
        return response.body();
    }

    /** A Consul service definition with a sidecar on {@code sidecarPort} and optional TTL check {@code checkId}. */
    public static JsonObject service(String id, String name, int appPort, int sidecarPort, String checkId,
                              JsonArray upstreams) {
        JsonObject def = new JsonObject().put("id", id).put("name", name).put("port", appPort)
                .put("connect", new JsonObject().put("sidecar_service", new JsonObject().put("port", sidecarPort)
                        .put("proxy", new JsonObject().put("upstreams", upstreams))));
        if (checkId != null) {
            def.put("check", new JsonObject().put("check_id", checkId).put("ttl", "10m").put("status", "passing"));
        }
        return def;
    }

    public static JsonObject upstream(String destination, int localPort) {
        return new JsonObject().put("destination_name", destination).put("local_bind_port", localPort);
    }
}
