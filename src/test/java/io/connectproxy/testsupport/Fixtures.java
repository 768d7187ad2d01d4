package io.connectproxy.testsupport;

import java.io.IOException;
import java.io.UncheckedIOException;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;

import io.vertx.core.json.JsonObject;

/**
 * The captured Consul 1.10.1 answers. Locally they sit in /work/shared/fixtures, in CI beside the checkout
 * ({@code <checkout>/../shared/fixtures}); both are found by walking up from the working directory.
 */
public final class Fixtures {

    private static final String CONSUL = "consul-1.10.1";

    private Fixtures() {
    }

    public static Path dir() {
        for (Path p = Path.of("").toAbsolutePath(); p != null; p = p.getParent()) {
            for (Path candidate : new Path[] {p.resolve("shared/fixtures"), p.resolve("../shared/fixtures")}) {
                if (Files.isDirectory(candidate.resolve(CONSUL))) {
                    return candidate.resolve(CONSUL).normalize();
                }
            }
        }
        throw new IllegalStateException("no shared/fixtures/" + CONSUL + " above " + Path.of("").toAbsolutePath());
    }

    /** {@code NAME.json} parsed as an object. */
    public static JsonObject json(String name) {
        return new JsonObject(text(name + ".json"));
    }

    /** A fixture file's text, by file name. */
    public static String text(String fileName) {
        try {
            return Files.readString(dir().resolve(fileName), StandardCharsets.UTF_8);
        } catch (IOException e) {
            throw new UncheckedIOException(e);
        }
    }
}
