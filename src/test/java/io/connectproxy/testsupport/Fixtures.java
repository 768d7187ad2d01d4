package io.connectproxy.testsupport;

import io.vertx.core.json.JsonArray;
import io.vertx.core.json.JsonObject;

import java.io.IOException;
import java.io.UncheckedIOException;
import java.net.URISyntaxException;
import java.net.URL;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;

/**
 * Real Consul answers recorded from live agents, kept as test data of this project under
 * {@code src/test/resources/consul/<version>/} (see the README there) and read from the test classpath, so a bare
 * clone runs every test.
 */
public final class Fixtures {
    private static final String DEFAULT_VERSION = "consul-1.10.1";
    private static final String RESOURCE_ROOT = "consul/";

    private Fixtures() {
    }

    public static Path dir() {
        return dir(DEFAULT_VERSION);
    }

    /** The fixtures of another Consul version, e.g. {@code consul-1.5.3}. */
    public static Path dir(String version) {
        URL url = Fixtures.class.getClassLoader().getResource(RESOURCE_ROOT + version);
        if (url == null) {
            throw new IllegalStateException("no recorded answers of " + version + " on the test classpath ("
                + RESOURCE_ROOT + version + ")");
        }
        try {
            return Path.of(url.toURI());
        } catch (URISyntaxException e) {
            throw new IllegalStateException("fixture directory " + url, e);
        }
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
}
