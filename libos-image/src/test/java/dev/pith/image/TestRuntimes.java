package dev.pith.image;

import dev.pith.image.runtime.RuntimeImage;
import java.io.IOException;
import java.nio.file.Path;

/** A jlinked java.base runtime, built once per test JVM under target/ and shared by the tests. */
public final class TestRuntimes {
    private static RuntimeImage javaBase;

    private TestRuntimes() {
    }

    /** The java.base runtime with the builder's defaults (CDS archive, symbols stripped). */
    public static synchronized RuntimeImage javaBase() throws IOException {
        if (javaBase == null) {
            TestTools.requireTool("objcopy", "binutils");
            long t0 = System.nanoTime();
            javaBase = RuntimeImage.builder().build(Path.of("target", "test-runtime", "java.base"));
            System.out.printf("jlink java.base: %.1f s, %.1f MB%n", (System.nanoTime() - t0) / 1e9, javaBase.sizeBytes() / 1e6);
        }
        return javaBase;
    }
}
