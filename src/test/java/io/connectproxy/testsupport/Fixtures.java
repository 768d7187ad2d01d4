package io.connectproxy.testsupport;

import io.vertx.core.json.JsonArray;
import io.vertx.core.json.JsonObject;

import java.io.IOException;
import java.io.UncheckedIOException;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;

/**
 * Real Consul 1.10.1 answers captured into shared/fixtures, found by walking up from the working directory
 * (shared/ sits beside the checkout in CI and under /work here).
 */
public final class Fixtures {

    private static final String CONSUL_VERSION_DIR = "consul-1.10.1";

    private Fixtures() {
    }

    /** The consul-1.10.1 fixture directory. */
    public static Path dir() {
        Path p = Path.of("").toAbsolutePath();
        while (p != null) {
            for (Path candidate : new Path[] {p.resolve("shared/fixtures"), p.resolve("../shared/fixtures")}) {
                if (Files.isDirectory(candidate)) {
                    return candidate.resolve(CONSUL_VERSION_DIR).normalize();
                }
            }
            p = p.getParent();
        }
        throw new IllegalStateException("no shared/fixtures above " + Path.of("").toAbsolutePath());
    }

    /** A fixture body parsed as an object, e.g. {@code json("ca-roots.json")}. */
    public static JsonObject json(String name) {
        return new JsonObject(text(name));
    }

    /** A fixture body parsed as an array, e.g. {@code jsonArray("health-connect-pong.json")}. */
    public static JsonArray jsonArray(String name) {
        return new JsonArray(text(name));
    }

    /** A fixture file as text, e.g. {@code text("agent-service-missing.json")}. */
    public static String text(String name) {
        try {
            return Files.readString(dir().resolve(name), StandardCharsets.UTF_8);
        } catch (IOException e) {
            throw new UncheckedIOException(e);
        }
    }
}
