package io.connectproxy;

import org.junit.jupiter.api.Test;

import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.TreeSet;
import java.util.regex.Matcher;
import java.util.regex.Pattern;
import java.util.stream.Stream;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

/**
 * ARCHITECTURE.md's package table is the map a new engineer reads first: it must name exactly the packages that
 * exist under src/main/java, and each of them must say what it owns in a package-info.java.
 */
class ArchitectureDocTest {
    private static final Path SOURCES = Path.of("src/main/java/io/connectproxy");
    private static final Pattern TABLE_ROW = Pattern.compile("^\\| `([a-z.]+)` \\|", Pattern.MULTILINE);

    @Test
    void packageTableMatchesTheSourceTree() throws IOException {
        TreeSet<String> documented = new TreeSet<>();
        Matcher m = TABLE_ROW.matcher(Files.readString(Path.of("ARCHITECTURE.md")));
        while (m.find()) {
            documented.add(m.group(1));
        }
        assertEquals(sourcePackages(), documented, "ARCHITECTURE.md's package table against src/main/java");
    }

    @Test
    void everyPackageSaysWhatItOwns() throws IOException {
        for (String pkg : sourcePackages()) {
            Path info = SOURCES.resolve(pkg.replace('.', '/')).resolve("package-info.java");
            assertTrue(Files.isRegularFile(info), "no package-info.java in " + pkg);
        }
    }

    private static TreeSet<String> sourcePackages() throws IOException {
        TreeSet<String> packages = new TreeSet<>();
        try (Stream<Path> files = Files.walk(SOURCES)) {
            files.filter(p -> p.toString().endsWith(".java"))
                    .map(p -> SOURCES.relativize(p.getParent()).toString().replace('/', '.'))
                    .filter(name -> !name.isEmpty())
                    .forEach(packages::add);
        }
        return packages;
    }
}
