package io.connectproxy.runtime;

import java.io.IOException;
import java.io.InputStream;
import java.io.UncheckedIOException;
import java.util.Properties;

/**
 * What was built: the project version and the git commit, written into {@code build-info.properties} beside this
 * class by the build (maven-antrun-plugin in pom.xml). {@code unknown} when the build had no git or the class
 * runs from somewhere the file was not generated.
 */
public record BuildInfo(String version, String revision) {
    public static final String UNKNOWN = "unknown";
    private static final BuildInfo CURRENT = load();

    public static BuildInfo current() {
        return CURRENT;
    }

    /** The revision shortened to 12 characters for one-line displays; the whole value when it is not a hash. */
    public String shortRevision() {
        return revision.matches("[0-9a-f]{40}") ? revision.substring(0, 12) : revision;
    }

    /** The running JVM as people quote it: {@code 17.0.12 (Eclipse Adoptium OpenJDK 64-Bit Server VM)}. */
    public static String java() {
        return Runtime.version() + " (" + System.getProperty("java.vendor", "?") + " "
                + System.getProperty("java.vm.name", "?") + ")";
    }

    private static BuildInfo load() {
        Properties p = new Properties();
        try (InputStream in = BuildInfo.class.getResourceAsStream("build-info.properties")) {
            if (in != null) {
                p.load(in);
            }
        } catch (IOException e) {
            throw new UncheckedIOException("reading build-info.properties from the jar", e);
        }
        return new BuildInfo(value(p, "version"), value(p, "revision"));
    }

    private static String value(Properties p, String key) {
        String v = p.getProperty(key, "").trim();
        return v.isEmpty() || v.startsWith("${") ? UNKNOWN : v;
    }
}
