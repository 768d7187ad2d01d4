package io.connectproxy.testsupport;

import org.junit.jupiter.api.Assumptions;

import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.Comparator;
import java.util.Optional;
import java.util.regex.Matcher;
import java.util.regex.Pattern;
import java.util.stream.Stream;

/**
 * A JDK 25 or later for the tests of the AOT cache (-XX:AOTCacheOutput is JDK 25+; the build itself runs on 17):
 * {@code JDK25_HOME}, else the newest JDK under /usr/lib/jvm whose {@code release} file says 25 or more. The
 * machines this project builds on have Temurin 25 there; where none is, the test is skipped with the reason.
 */
public final class Jdk25 {
    private static final Pattern VERSION = Pattern.compile("JAVA_VERSION=\"(\\d+)");

    private Jdk25() {
    }

    /** The java binary of a JDK 25+, or aborts the calling test (skipped, with the reason). */
    public static Path java() {
        Optional<Path> found = find();
        Assumptions.assumeTrue(found.isPresent(),
                "no JDK 25+ found (JDK25_HOME, /usr/lib/jvm/*): the AOT cache needs one");
        return found.get();
    }

    static Optional<Path> find() {
        String home = System.getenv("JDK25_HOME");
        if (home != null && !home.isBlank()) {
            return Optional.of(Path.of(home, "bin", "java")).filter(Files::isExecutable);
        }
        try (Stream<Path> jdks = Files.list(Path.of("/usr/lib/jvm"))) {
            return jdks.filter(j -> version(j) >= 25 && Files.isExecutable(j.resolve("bin/java")))
                    .max(Comparator.comparingInt(Jdk25::version))
                    .map(j -> j.resolve("bin/java"));
        } catch (IOException e) {
            return Optional.empty();
        }
    }

    private static int version(Path jdk) {
        try {
            Matcher m = VERSION.matcher(Files.readString(jdk.resolve("release")));
            return m.find() ? Integer.parseInt(m.group(1)) : 0;
        } catch (IOException | RuntimeException e) {
            return 0;
        }
    }
}
