package dev.pith.core.pci;

import java.io.IOException;
import java.io.RandomAccessFile;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.HexFormat;

/**
 * A sysfs tree in a temporary directory: {@code bus/pci/devices/<address>/} with the files
 * {@link PciDevice} reads. Config space and BARs are ordinary files, which pread, pwrite and mmap
 * treat as the kernel's attributes.
 */
public final class FakeSysfs {

    /**
     * Config space of QEMU's modern virtio-net (0x1af4:0x1041) as this machine's kernel shows it
     * (xxd /sys/bus/pci/devices/0000:00:03.0/config): vendor capabilities at 0x40 (common cfg, BAR 0
     * offset 0 length 0x38), 0x50 (ISR, 0x2000), 0x60 (device cfg, 0x4000 length 0x1000), 0x70
     * (notify, 0x6000 length 0x1000, multiplier 4), 0x84 (PCI cfg access), then MSI-X at 0x98.
     */
    public static final byte[] VIRTIO_NET_CONFIG = HexFormat.of().parseHex(
            "f41a411006041000010000020000000004001000400000000000000000000000"
            + "000000000000000000000000f41a411000000000400000000000000000000000"
            + "0950100100000000000000003800000009601003000000000020000001000000"
            + "0970100400000000004000000010000009841402000000000060000000100000"
            + "0400000009981405000000000000000000000000000000001100028000800000"
            + "0080040000000000000000000000000000000000000000000000000000000000"
            + "0000000000000000000000000000000000000000000000000000000000000000"
            + "0000000000000000000000000000000000000000000000000000000000000000");

    /** BAR 0 of that device: a 64-bit memory BAR of 512 KiB (flags IORESOURCE_MEM | MEM_64 | ...). */
    public static final String VIRTIO_NET_RESOURCE = """
            0x0000004000100000 0x000000400017ffff 0x0000000000140204
            0x0000000000000000 0x0000000000000000 0x0000000000000000
            0x0000000000000000 0x0000000000000000 0x0000000000000000
            0x0000000000000000 0x0000000000000000 0x0000000000000000
            0x0000000000000000 0x0000000000000000 0x0000000000000000
            0x0000000000000000 0x0000000000000000 0x0000000000000000
            0x0000000000000000 0x0000000000000000 0x0000000000000000
            """;

    private final Path root;

    public FakeSysfs(Path root) {
        this.root = root;
    }

    public Path root() {
        return root;
    }

    /** Adds a function with these IDs, config space and resource lines; returns its directory. */
    public Path add(String address, int vendor, int device, int classCode, byte[] config, String resource)
            throws IOException {
        Path directory = Files.createDirectories(root.resolve("bus/pci/devices").resolve(address));
        Files.writeString(directory.resolve("vendor"), String.format("0x%04x%n", vendor));
        Files.writeString(directory.resolve("device"), String.format("0x%04x%n", device));
        Files.writeString(directory.resolve("class"), String.format("0x%06x%n", classCode));
        Files.write(directory.resolve("config"), config);
        Files.writeString(directory.resolve("resource"), resource);
        return directory;
    }

    /** Adds the virtio-net function above, with a sparse 512 KiB resource0. */
    public Path addVirtioNet(String address) throws IOException {
        Path directory = add(address, 0x1af4, 0x1041, 0x020000, VIRTIO_NET_CONFIG.clone(), VIRTIO_NET_RESOURCE);
        try (RandomAccessFile bar = new RandomAccessFile(directory.resolve("resource0").toFile(), "rw")) {
            bar.setLength(512 * 1024);
        }
        return directory;
    }
}
