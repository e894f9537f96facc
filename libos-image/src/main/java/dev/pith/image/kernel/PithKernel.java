package dev.pith.image.kernel;

import dev.pith.image.ImageException;
import java.io.IOException;
import java.io.InputStream;
import java.io.UncheckedIOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.Objects;
import java.util.Optional;
import java.util.Properties;

/**
 * Pith's own kernel: the bzImage that module libos-kernel builds from Debian's linux-source and
 * attaches as {@code dev.pith:libos-kernel:<version>:bin:bzImage}, with its {@code .config} and a
 * manifest beside it, read from a local Maven repository. The version is this linker's own, so an
 * image is always linked with the kernel of its release.
 *
 * @param repository the local Maven repository
 * @param version the libos-kernel version
 */
record PithKernel(Path repository, String version) implements KernelProvider {

    PithKernel {
        Objects.requireNonNull(repository, "repository == null");
        Objects.requireNonNull(version, "version == null");
    }

    /** This release's kernel in the local repository ({@code -Dmaven.repo.local}, else {@code ~/.m2/repository}). */
    static PithKernel installed() {
        String local = System.getProperty("maven.repo.local");
        Path repository = local != null && !local.isBlank() ? Path.of(local)
                : Path.of(System.getProperty("user.home"), ".m2", "repository");
        return new PithKernel(repository, linkerVersion());
    }

    /** Returns whether the bzImage is there. */
    boolean isInstalled() {
        return Files.isRegularFile(file("bzImage", "bin"));
    }

    @Override
    public Kernel kernel() throws IOException {
        Path bzImage = file("bzImage", "bin");
        if (!Files.isRegularFile(bzImage)) {
            throw new ImageException("Pith's kernel " + version + " is not in the local repository: " + bzImage
                    + " does not exist", "build it: ./mvnw -B install -pl libos-kernel (about 5 minutes the first "
                    + "time), or choose Debian's kernel with -D" + KERNEL_PROPERTY + "=debian");
        }
        Path config = file("config", "config");
        Path manifest = file("manifest", "properties");
        Optional<String> release = Optional.empty();
        if (Files.isRegularFile(manifest)) {
            Properties properties = new Properties();
            try (InputStream in = Files.newInputStream(manifest)) {
                properties.load(in);
            }
            release = Optional.ofNullable(properties.getProperty("kernel.release"));
        }
        return new Kernel(bzImage, release, Files.isRegularFile(config) ? Optional.of(config) : Optional.empty());
    }

    private Path file(String classifier, String extension) {
        return repository.resolve(Path.of("dev", "pith", "libos-kernel", version,
                "libos-kernel-" + version + "-" + classifier + "." + extension));
    }

    /** The version Maven filtered into {@code dev/pith/image/version.properties}. */
    private static String linkerVersion() {
        try (InputStream in = PithKernel.class.getResourceAsStream("/dev/pith/image/version.properties")) {
            if (in == null) {
                throw new IllegalStateException("dev/pith/image/version.properties is missing from libos-image");
            }
            Properties properties = new Properties();
            properties.load(in);
            return Objects.requireNonNull(properties.getProperty("version"), "version.properties has no version");
        } catch (IOException e) {
            throw new UncheckedIOException(e);
        }
    }
}
