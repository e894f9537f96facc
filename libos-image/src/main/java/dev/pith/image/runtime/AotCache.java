package dev.pith.image.runtime;

import dev.pith.image.ImageException;
import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.StandardCopyOption;
import java.nio.file.attribute.FileTime;
import java.util.ArrayList;
import java.util.List;
import java.util.concurrent.TimeUnit;

/**
 * An AOT cache for the guest (JEP 483 and 514, JDK 25): the image's own runtime runs the image's own
 * jar once on the build host with {@code -XX:AOTCacheOutput}, and the classes that run loaded and
 * linked are in the cache, ready at the guest's start instead of parsed, verified and linked under
 * emulation. It replaces the runtime's default CDS archive.
 *
 * <p>The JVM uses a cache only with the class path it was made with: the same jar, the same size and
 * modification time (its directory may differ). So the jar is trained as {@code app.jar} in the
 * training directory with the initramfs's fixed mtime, and that same file goes into the image. A cache
 * that does not match is ignored silently ({@code -XX:AOTMode=auto}), costing only time; the guest's
 * {@code pith.log=debug} line "jvm ... sharing" shows it was mapped.
 */
public final class AotCache {

    /** Where the cache sits in the guest. */
    public static final String GUEST_PATH = "/app/app.aot";
    /** The system property the boot class reads to run its training instead of booting. */
    public static final String TRAINING_PROPERTY = "pith.aot.training";

    private static final long TIMEOUT_SECONDS = 300;

    private final Path jar;
    private final Path cache;

    private AotCache(Path jar, Path cache) {
        this.jar = jar;
        this.cache = cache;
    }

    /**
     * Trains a cache in {@code directory}: copies {@code appJar} there as {@code app.jar} with
     * modification time {@code mtimeSeconds}, runs {@code mainClass} on {@code runtime} with
     * {@code jvmOptions} (the guest's, without {@code -Xshare:*}, which the JVM refuses beside an AOT
     * cache) and {@value #TRAINING_PROPERTY}, and checks the cache was written.
     * The run's output is kept as {@code training.log}.
     */
    public static AotCache train(RuntimeImage runtime, Path appJar, String mainClass, List<String> jvmOptions,
            Path directory, long mtimeSeconds) throws IOException {
        directory = Files.createDirectories(directory).toAbsolutePath();
        Path jar = directory.resolve("app.jar");
        Path cache = directory.resolve("app.aot");
        Path log = directory.resolve("training.log");
        Files.copy(appJar, jar, StandardCopyOption.REPLACE_EXISTING);
        Files.setLastModifiedTime(jar, FileTime.fromMillis(mtimeSeconds * 1000));
        Files.deleteIfExists(cache);

        List<String> command = new ArrayList<>();
        command.add(runtime.launcher().toString());
        command.addAll(jvmOptions);
        // No machine code in the cache: JDK 25 keeps adapters made for the build host's CPU (AVX-512 here)
        // without checking the guest's, and QEMU's default CPU has no AVX: they died of SIGILL in the guest.
        command.addAll(List.of("-XX:+UnlockDiagnosticVMOptions", "-XX:-AOTAdapterCaching", "-XX:-AOTStubCaching"));
        command.addAll(List.of("-XX:AOTCacheOutput=" + cache, "-D" + TRAINING_PROPERTY + "=true",
                "-cp", jar.toString(), mainClass));
        Process process = new ProcessBuilder(command).directory(directory.toFile())
                .redirectErrorStream(true).redirectOutput(log.toFile()).start();
        try {
            if (!process.waitFor(TIMEOUT_SECONDS, TimeUnit.SECONDS)) {
                process.destroyForcibly();
                throw failure("did not end within " + TIMEOUT_SECONDS + " s", log);
            }
        } catch (InterruptedException e) {
            process.destroyForcibly();
            Thread.currentThread().interrupt();
            throw new IOException("interrupted while training the AOT cache", e);
        }
        if (process.exitValue() != 0 || !Files.isRegularFile(cache) || Files.size(cache) == 0) {
            throw failure("exited with status " + process.exitValue() + (Files.isRegularFile(cache) ? "" : " and wrote no cache"),
                    log);
        }
        return new AotCache(jar, cache);
    }

    /** The trained jar: put exactly this file into the image at {@code /app/app.jar}. */
    public Path jar() {
        return jar;
    }

    /** The cache file, for {@link #GUEST_PATH}. */
    public Path cache() {
        return cache;
    }

    /** The JVM option that makes the guest use it. */
    public static String jvmOption() {
        return "-XX:AOTCache=" + GUEST_PATH;
    }

    private static ImageException failure(String what, Path log) throws IOException {
        List<String> lines = Files.readAllLines(log);
        String tail = String.join("\n", lines.subList(Math.max(0, lines.size() - 30), lines.size()));
        return new ImageException("the AOT cache's training run " + what + " (" + log + "):\n" + tail,
                "fix what the log names, or link without an AOT cache (ImageLinker.Builder.aotCache(false), -Dpith.aot=false)");
    }

    @Override
    public String toString() {
        return "AotCache[" + cache + "]";
    }
}
