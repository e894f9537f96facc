package dev.pith;

import java.nio.file.Path;
import java.util.Objects;

/**
 * A disk the unikernel uses, with the name the application refers to it by. In an image, disks
 * are virtio-blk devices picked by serial number; hosted, a file or memory stands in. The boot
 * disk of an image is never one of them.
 */
public sealed interface Disk {

    /** Returns the name the application uses for this disk. */
    String name();

    /** Returns whether the unikernel only reads this disk. */
    boolean readOnly();

    /**
     * Returns the virtio-blk disk whose serial number is {@code serial}
     * ({@code -drive ...,serial=data} in QEMU), named after it.
     */
    static Disk virtio(String serial) {
        return new Virtio(serial, serial, false);
    }

    /** Returns a disk backed by a file of the host (hosted only); its length must be a multiple of 512. */
    static Disk file(String name, Path file) {
        return new File(name, file, false);
    }

    /** Returns a zero-filled disk of {@code bytes} in memory, lost at exit. */
    static Disk memory(String name, long bytes) {
        return new Memory(name, bytes);
    }

    private static String checkName(String name) {
        Objects.requireNonNull(name, "name == null");
        if (!name.matches("[a-z0-9][a-z0-9-]{0,19}")) {
            throw new IllegalArgumentException("disk name '" + name
                    + "' must be 1-20 characters of lowercase letters, digits and '-', starting with a letter or digit"
                    + " (QEMU's serial= holds 20)");
        }
        return name;
    }

    /** A virtio-blk disk, chosen by serial number. */
    record Virtio(String name, String serial, boolean readOnly) implements Disk {
        public Virtio {
            checkName(name);
            checkName(serial);
        }

        /** Returns a read-only copy. */
        public Virtio asReadOnly() {
            return new Virtio(name, serial, true);
        }

        @Override
        public String toString() {
            return "virtio-blk serial=" + serial + (readOnly ? " (read-only)" : "");
        }
    }

    /** A host file. */
    record File(String name, Path file, boolean readOnly) implements Disk {
        public File {
            checkName(name);
            Objects.requireNonNull(file, "file == null");
        }

        /** Returns a read-only copy. */
        public File asReadOnly() {
            return new File(name, file, true);
        }

        @Override
        public String toString() {
            return "file " + file + (readOnly ? " (read-only)" : "");
        }
    }

    /** A disk in memory. */
    record Memory(String name, long bytes) implements Disk {
        public Memory {
            checkName(name);
            if (bytes <= 0 || bytes % 512 != 0) {
                throw new IllegalArgumentException("memory disk '" + name + "' of " + bytes
                        + " bytes: the size must be a positive multiple of 512");
            }
        }

        @Override
        public boolean readOnly() {
            return false;
        }

        @Override
        public String toString() {
            return "memory " + bytes + " bytes";
        }
    }
}
