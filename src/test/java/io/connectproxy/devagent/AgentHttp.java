package io.connectproxy.devagent;

import io.vertx.core.Future;
import io.vertx.core.json.JsonArray;
import io.vertx.core.json.JsonObject;

import java.io.IOException;
import java.net.URI;
import java.net.http.HttpClient;
import java.net.http.HttpRequest;
import java.net.http.HttpResponse;
import java.time.Duration;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.TimeUnit;

/** A plain JDK HTTP client for the dev agent, used from the JUnit thread (never from an event loop). */
final class AgentHttp {

    /** One answer: status, headers and body. */
    record Answer(int status, java.net.http.HttpHeaders headers, String body) {
        JsonObject json() {
            return new JsonObject(body);
        }

        JsonArray jsonArray() {
            return new JsonArray(body);
        }

        String header(String name) {
            return headers.firstValue(name).orElse(null);
        }

        long index() {
            return Long.parseLong(header("X-Consul-Index"));
        }
    }

    private final HttpClient client = HttpClient.newBuilder().connectTimeout(Duration.ofSeconds(2)).build();
    private final String base;

    AgentHttp(DevAgent agent) {
        this.base = "http://" + agent.httpAddr();
    }

    Answer get(String path) {
        return send(HttpRequest.newBuilder(URI.create(base + path)).GET());
    }

    CompletableFuture<Answer> getAsync(String path) {
        return client.sendAsync(HttpRequest.newBuilder(URI.create(base + path)).timeout(Duration.ofSeconds(20))
                .GET().build(), HttpResponse.BodyHandlers.ofString())
            .thenApply(r -> new Answer(r.statusCode(), r.headers(), r.body()));
    }

    Answer put(String path, Object body) {
        return send(HttpRequest.newBuilder(URI.create(base + path)).PUT(publisher(body)));
    }

    Answer post(String path, Object body) {
        return send(HttpRequest.newBuilder(URI.create(base + path)).POST(publisher(body)));
    }

    Answer delete(String path) {
        return send(HttpRequest.newBuilder(URI.create(base + path)).DELETE());
    }

    /** PUT that must succeed. */
    Answer putOk(String path, Object body) {
        Answer answer = put(path, body);
        if (answer.status() != 200) {
            throw new AssertionError("PUT " + path + " -> " + answer.status() + " " + answer.body());
        }
        return answer;
    }

    private static HttpRequest.BodyPublisher publisher(Object body) {
        return body == null ? HttpRequest.BodyPublishers.noBody()
            : HttpRequest.BodyPublishers.ofString(body.toString());
    }

    private Answer send(HttpRequest.Builder request) {
        try {
            HttpResponse<String> r = client.send(request.timeout(Duration.ofSeconds(20)).header("X-Consul-Token", "ignored")
                .build(), HttpResponse.BodyHandlers.ofString());
            return new Answer(r.statusCode(), r.headers(), r.body());
        } catch (IOException e) {
            throw new java.io.UncheckedIOException(e);
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
            throw new IllegalStateException(e);
        }
    }

    /** Waits on the JUnit thread for a Vert.x future (tests only; never on an event loop). */
    static <T> T await(Future<T> future) {
        try {
            return future.toCompletionStage().toCompletableFuture().get(10, TimeUnit.SECONDS);
        } catch (Exception e) {
            throw new IllegalStateException(e);
        }
    }
}
