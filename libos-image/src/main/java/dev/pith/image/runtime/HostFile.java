package dev.pith.image.runtime;

import java.nio.file.Path;
import java.util.Objects;

/**
 * A file to copy from the build host into the image: {@code source} is the real file on the
 * host (symbolic links resolved), {@code guestPath} the absolute path it must have in the guest,
 * such as {@code /lib/x86_64-linux-gnu/libc.so.6}.
 */
public record HostFile(Path source, String guestPath) {
    /** Checks that both are given and that {@code guestPath} is absolute. */
    public HostFile {
        Objects.requireNonNull(source, "source == null");
        Objects.requireNonNull(guestPath, "guestPath == null");
        if (!guestPath.startsWith("/")) {
            throw new IllegalArgumentException("guestPath is not absolute: " + guestPath);
        }
    }
}
