package dev.pith.image.kernel;

import java.nio.file.Path;
import java.util.Objects;
import java.util.Optional;

/**
 * A kernel to boot: the bzImage file, its release name when known ({@code 6.1.0-56-cloud-amd64})
 * and its build configuration when known (Debian ships {@code /boot/config-*} beside it).
 */
public record Kernel(Path vmlinuz, Optional<String> release, Optional<Path> config) {
    /** Checks that the file is named. */
    public Kernel {
        Objects.requireNonNull(vmlinuz, "vmlinuz == null");
        Objects.requireNonNull(release, "release == null");
        Objects.requireNonNull(config, "config == null");
    }
}
