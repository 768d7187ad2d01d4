package io.connectproxy.runtime;


import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

import java.nio.file.Files;
import java.nio.file.Path;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertNull;
import static org.junit.jupiter.api.Assertions.assertTrue;

/** The writability probe: by creating a file, which is what Netty's extraction needs. */
class NativeFallbacksTest {
    @TempDir
    Path dir;

    @Test
    void aWritableDirectoryHasNoProblemAndKeepsNoProbeFile() throws Exception {
        assertNull(NativeFallbacks.problem(dir));
        try (var files = Files.list(dir)) {
            assertEquals(0, files.count(), "the probe file is deleted");
        }
    }

    @Test
    void aFileOrAMissingDirectoryIsNotUsable() throws Exception {
        Path file = Files.writeString(dir.resolve("file"), "x");
        assertEquals("it is not a directory", NativeFallbacks.problem(file));
        assertEquals("it is not a directory", NativeFallbacks.problem(dir.resolve("missing")));
    }

    @Test
    void procRefusesEvenRoot() {
        String problem = NativeFallbacks.problem(Path.of("/proc"));
        assertTrue(problem != null && problem.startsWith("nothing can be created there ("), problem);
    }
}
