package dev.pith.image.kernel;

import dev.pith.image.ImageException;
import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.Objects;
import java.util.Optional;

/**
 * Where a guest's kernel comes from: Pith's own kernel (module libos-kernel) from the local Maven
 * repository by default, Debian's cloud kernel fetched with the system's package tools and cached
 * when Pith's is not installed, or a file the user names.
 *
 * <pre>{@code
 * Kernel ours = KernelProvider.pith().kernel();                     // ~/.m2/.../libos-kernel-<version>-bzImage.bin
 * Kernel k = KernelProvider.debianCloud().kernel();                 // ~/.cache/pith/kernels/6.1.0-56-cloud-amd64/vmlinuz
 * Kernel mine = KernelProvider.file(Path.of("bzImage")).kernel();
 * Kernel any = KernelProvider.fromEnvironment().kernel();           // -Dpith.kernel (=pith, =debian, a file), else Pith's if installed, else Debian's
 * }</pre>
 */
public sealed interface KernelProvider permits DebianKernel, PithKernel, KernelProvider.KernelFile {
    /**
     * The system property that chooses the kernel, overriding the default: a file, or {@code pith}
     * or {@code debian} for those providers.
     */
    String KERNEL_PROPERTY = "pith.kernel";
    /** The environment variable that names a kernel file, when the property is not set. */
    String KERNEL_ENV = "PITH_KERNEL";
    /** The system property that names Pith's cache directory. */
    String CACHE_PROPERTY = "pith.cache.dir";

    /** The kernel, fetched first if need be. */
    Kernel kernel() throws IOException;

    /**
     * Debian's current cloud kernel: the {@code linux-image-*} package that
     * {@code linux-image-cloud-amd64} depends on (by {@code apt-cache depends}), fetched by
     * {@code apt-get download} and unpacked with {@code dpkg-deb}, cached under
     * {@code <cache>/kernels/<release>/}. Without package lists or network, the newest cached kernel.
     */
    static KernelProvider debianCloud() {
        return new DebianKernel("linux-image-cloud-amd64", null, defaultCacheDirectory().resolve("kernels"));
    }

    /** A pinned Debian kernel release, such as {@code 6.1.0-56-cloud-amd64} (package {@code linux-image-<release>}). */
    static KernelProvider debian(String release) {
        return new DebianKernel(null, Objects.requireNonNull(release, "release == null"),
                defaultCacheDirectory().resolve("kernels"));
    }

    /**
     * Pith's kernel of this release, as {@code ./mvnw install} put it in the local Maven repository
     * ({@code -Dmaven.repo.local}, else {@code ~/.m2/repository}).
     */
    static KernelProvider pith() {
        return PithKernel.installed();
    }

    /** A kernel file the user provides (a bzImage: {@code arch/x86/boot/bzImage}, or a distribution's vmlinuz). */
    static KernelProvider file(Path vmlinuz) {
        return new KernelFile(vmlinuz);
    }

    /**
     * What {@code -Dpith.kernel} or {@code PITH_KERNEL} names — {@code pith}, {@code debian} or a
     * file — else {@link #pith()} if this release's kernel is in the local repository (the build's
     * libos-kernel module put it there), else {@link #debianCloud()}.
     */
    static KernelProvider fromEnvironment() {
        String named = System.getProperty(KERNEL_PROPERTY);
        if (named == null || named.isBlank()) {
            named = System.getenv(KERNEL_ENV);
        }
        if (named == null || named.isBlank()) {
            PithKernel pith = PithKernel.installed();
            return pith.isInstalled() ? pith : debianCloud();
        }
        return switch (named.strip()) {
            case "pith" -> pith();
            case "debian" -> debianCloud();
            default -> file(Path.of(named));
        };
    }

    /**
     * Pith's cache: {@code -Dpith.cache.dir}, else {@code $PITH_CACHE_DIR}, else
     * {@code $XDG_CACHE_HOME/pith}, else {@code ~/.cache/pith}.
     */
    static Path defaultCacheDirectory() {
        String dir = System.getProperty(CACHE_PROPERTY);
        if (dir == null || dir.isBlank()) {
            dir = System.getenv("PITH_CACHE_DIR");
        }
        if (dir != null && !dir.isBlank()) {
            return Path.of(dir);
        }
        String xdg = System.getenv("XDG_CACHE_HOME");
        if (xdg != null && !xdg.isBlank()) {
            return Path.of(xdg, "pith");
        }
        return Path.of(System.getProperty("user.home"), ".cache", "pith");
    }

    /** A kernel file named by the user. */
    record KernelFile(Path vmlinuz) implements KernelProvider {
        /** Checks that a path is given. */
        public KernelFile {
            Objects.requireNonNull(vmlinuz, "vmlinuz == null");
        }

        @Override
        public Kernel kernel() {
            if (!Files.isRegularFile(vmlinuz)) {
                throw new ImageException("kernel file " + vmlinuz + " does not exist",
                        "fix the path given to KernelProvider.file(...), -D" + KERNEL_PROPERTY + " or " + KERNEL_ENV);
            }
            return new Kernel(vmlinuz.toAbsolutePath(), Optional.empty(), Optional.empty());
        }
    }
}
