package dev.pith.image.disk;

/** The file format of a disk image. */
public enum DiskFormat {
    /** A raw image: the disk's bytes, sector 0 first (sparse where the disk is zero). QEMU's {@code format=raw}. */
    RAW("raw"),
    /** QEMU's copy-on-write format, written by {@code qemu-img convert -O qcow2} from the raw image (zero clusters left out). */
    QCOW2("qcow2");

    private final String qemuName;

    DiskFormat(String qemuName) {
        this.qemuName = qemuName;
    }

    /** The name QEMU and {@code qemu-img} use ({@code -f}, {@code format=}). */
    public String qemuName() {
        return qemuName;
    }
}
