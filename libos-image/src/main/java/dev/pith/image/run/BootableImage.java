package dev.pith.image.run;

import dev.pith.image.ImageException;
import dev.pith.image.link.ImageManifest;
import dev.pith.image.link.LinkedImage;
import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.List;
import java.util.Objects;

/**
 * An image ready to boot: the direct-boot triple, the raw disk if one was written, and what the
 * plan asked for. Made from a {@link LinkedImage} just linked, or read from an image directory
 * ({@code <dir>/image.properties}, {@code <dir>/boot/*}, {@code <dir>/<name>.img}).
 *
 * @param name the unikernel's name
 * @param directory the image directory
 * @param kernel the kernel file
 * @param initrd the initramfs file
 * @param commandLine the kernel command line
 * @param disk the raw disk image, or null when none was written
 * @param memoryMib the memory the plan asks for (0: not recorded)
 * @param cpus the virtual CPUs the plan asks for
 * @param ports the services' ports, as {@code 8080/tcp}
 * @param composition the composition class, or empty when not recorded
 * @param unpackedBytes the initramfs unpacked (0: not recorded)
 */
public record BootableImage(String name, Path directory, Path kernel, Path initrd, String commandLine, Path disk,
        int memoryMib, int cpus, List<String> ports, String composition, long unpackedBytes) {

    /**
     * RAM the kernel and the JVM need besides the initramfs. Measured with Debian's cloud kernel
     * and echo's 27 MB (74 MB unpacked) initramfs under TCG: 160 MiB panicked ("System is
     * deadlocked on memory") while unpacking, 192 MiB served; this rounds to 224 MiB for it.
     */
    static final long HEADROOM_MIB = 96;
    /** Memory for an image whose plan recorded none. */
    static final int DEFAULT_MEMORY_MIB = 256;

    /** Checks the values. */
    public BootableImage {
        Objects.requireNonNull(name, "name == null");
        Objects.requireNonNull(kernel, "kernel == null");
        Objects.requireNonNull(initrd, "initrd == null");
        Objects.requireNonNull(commandLine, "commandLine == null");
        ports = List.copyOf(ports);
        Objects.requireNonNull(composition, "composition == null");
    }

    /** The image the linker just made in {@code directory}. */
    public static BootableImage of(LinkedImage image, Path directory) {
        return new BootableImage(image.plan().name(), directory, image.guest().kernel(), image.guest().initrd(),
                image.guest().commandLine().toString(), image.disk() == null ? null : image.disk().path(),
                image.plan().resources().memoryMib(), image.plan().resources().cpus(),
                image.plan().services().stream().map(s -> s.port() + "/" + s.protocol()).toList(), "",
                image.guest().initramfs().uncompressedBytes());
    }

    /**
     * Reads the image in {@code directory}; fails with the fix when it is not one or a file is
     * missing.
     */
    public static BootableImage read(Path directory) throws IOException {
        if (!Files.isDirectory(directory)) {
            throw new ImageException(directory + " is not a directory",
                    "name an image directory (one holding image.properties), or build one first: pith build app.jar");
        }
        ImageManifest m = ImageManifest.read(directory);
        Path kernel = existing(directory, m.kernel(), m.name());
        Path initrd = existing(directory, m.initrd(), m.name());
        Path cmdline = existing(directory, m.commandLine(), m.name());
        Path disk = m.disk().isEmpty() ? null : directory.resolve(m.disk());
        return new BootableImage(m.name(), directory, kernel, initrd, Files.readString(cmdline).strip(),
                disk != null && Files.isRegularFile(disk) ? disk : null, m.memoryMib(), m.cpus(), m.ports(),
                m.composition(), m.unpackedBytes());
    }

    private static Path existing(Path directory, String relative, String name) {
        Path p = directory.resolve(relative);
        if (!Files.isRegularFile(p)) {
            throw new ImageException("image " + name + " in " + directory + " lacks " + relative,
                    "rebuild the image (pith build, or mvn package)");
        }
        return p;
    }

    /**
     * The least memory this image boots in: the initramfs (compressed and unpacked: both are in
     * RAM while the kernel unpacks it into ramfs) plus {@link #HEADROOM_MIB}, rounded up to 32 MiB.
     * An unrecorded unpacked size counts as three times the compressed one (LZ4 on a JVM tree).
     */
    public int minimumMemoryMib() {
        long compressed;
        try {
            compressed = Files.size(initrd);
        } catch (IOException e) {
            compressed = 0;
        }
        long unpacked = unpackedBytes > 0 ? unpackedBytes : 3 * compressed;
        long mib = (compressed + unpacked + (1 << 20) - 1) / (1 << 20) + HEADROOM_MIB;
        return (int) ((mib + 31) / 32 * 32);
    }

    /** The memory to give the guest by default: what the plan asks, raised to {@link #minimumMemoryMib()}. */
    public int defaultMemoryMib() {
        return Math.max(memoryMib > 0 ? memoryMib : DEFAULT_MEMORY_MIB, minimumMemoryMib());
    }

    /** The TCP ports the image's services listen on. */
    public List<Integer> tcpPorts() {
        return ports.stream().filter(p -> p.endsWith("/tcp")).map(p -> Integer.parseInt(p.substring(0, p.indexOf('/'))))
                .toList();
    }
}
