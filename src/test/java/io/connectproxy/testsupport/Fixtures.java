package io.connectproxy.testsupport;

import io.vertx.core.json.JsonArray;
import io.vertx.core.json.JsonObject;

import java.io.IOException;
import java.io.UncheckedIOException;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;

/**
 * Real Consul 1.10.1 answers from shared/fixtures. The shared/ folder sits beside the checkout (CI) or beside
 * the worktree's parent; walk up from the working directory until it is found.
 */
public final class Fixtures {
    private static final String VERSION_DIR = "consul-1.10.1";

    private Fixtures() {
    }

    public static Path dir() {
        return root().resolve(VERSION_DIR);
    }

    /** The fixtures of another Consul version, e.g. {@code consul-1.5.3}. */
    public static Path dir(String version) {
        return root().resolve(version);
    }

    public static JsonObject json(String name) {
        return new JsonObject(text(name));
    }

    public static JsonArray jsonArray(String name) {
        return new JsonArray(text(name));
    }

    /** {@code name} with or without its {@code .json} suffix. */
    public static String text(String name) {
        return read(dir().resolve(name.contains(".") ? name : name + ".json"));
    }

    public static String text(String version, String name) {
        return read(dir(version).resolve(name));
    }

    private static String read(Path p) {
        try {
            return Files.readString(p, StandardCharsets.UTF_8);
        } catch (IOException e) {
            throw new UncheckedIOException("fixture " + p, e);
        }
    }

    private static Path root() {
        for (Path p = Path.of("").toAbsolutePath(); p != null; p = p.getParent()) {
            for (Path candidate : new Path[] {p.resolve("shared/fixtures"), p.resolve("../shared/fixtures")}) {
                if (Files.isDirectory(candidate.resolve(VERSION_DIR))) {
                    return candidate.normalize();
                }
            }
        }
        throw new IllegalStateException("shared/fixtures not found above " + Path.of("").toAbsolutePath());
    }
}
