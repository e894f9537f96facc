package dev.pith.image.link;

import dev.pith.Plan;
import dev.pith.Service;
import dev.pith.image.ImageException;
import java.io.IOException;
import java.io.Reader;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.NoSuchFileException;
import java.nio.file.Path;
import java.util.Arrays;
import java.util.List;
import java.util.Objects;
import java.util.Properties;

/**
 * What an image directory holds and how to run it: {@code image.properties}, written by the linker
 * next to the image so that a runner (the {@code pith} command, the Maven plugin's {@code run}
 * goal) can boot the directory without the application's class path. Paths are relative to the
 * directory, so it can be moved.
 *
 * <pre>
 * name=echo
 * composition=dev.pith.examples.echo.Echo
 * memoryMib=64
 * cpus=1
 * ports=8080/tcp
 * kernel=boot/vmlinuz
 * initrd=boot/initrd.cpio.lz4
 * cmdline=boot/cmdline
 * disk=echo.img
 * unpackedBytes=73826304
 * </pre>
 *
 * <p>No time stamp, so the same link gives the same file.
 *
 * @param name the unikernel's name (the plan's)
 * @param composition the class whose {@code unikernel()} was evaluated
 * @param memoryMib the memory the plan asks for
 * @param cpus the virtual CPUs the plan asks for
 * @param ports the services' ports, as {@code 8080/tcp}
 * @param kernel the kernel, relative to the directory
 * @param initrd the initramfs, relative to the directory
 * @param commandLine the file holding the kernel command line, relative to the directory
 * @param disk the raw disk image relative to the directory, or empty when none was written
 * @param unpackedBytes the initramfs's size unpacked (the guest holds it in RAM)
 */
public record ImageManifest(String name, String composition, int memoryMib, int cpus, List<String> ports, String kernel,
        String initrd, String commandLine, String disk, long unpackedBytes) {

    /** The file's name in the image directory. */
    public static final String FILE_NAME = "image.properties";

    /** Checks the values. */
    public ImageManifest {
        Objects.requireNonNull(name, "name == null");
        Objects.requireNonNull(composition, "composition == null");
        ports = List.copyOf(ports);
        Objects.requireNonNull(kernel, "kernel == null");
        Objects.requireNonNull(initrd, "initrd == null");
        Objects.requireNonNull(commandLine, "commandLine == null");
        Objects.requireNonNull(disk, "disk == null");
    }

    /** The manifest of {@code image}, linked into {@code directory} from {@code composition}. */
    static ImageManifest of(LinkedImage image, String composition, Path directory) {
        Plan plan = image.plan();
        List<String> ports = plan.services().stream().map(ImageManifest::port).toList();
        Path dir = directory.toAbsolutePath();
        return new ImageManifest(plan.name(), composition, plan.resources().memoryMib(), plan.resources().cpus(), ports,
                "boot/vmlinuz", relative(dir, image.guest().initrd()), "boot/cmdline",
                image.disk() == null ? "" : relative(dir, image.disk().path()),
                image.guest().initramfs().uncompressedBytes());
    }

    private static String relative(Path dir, Path file) {
        Path f = file.toAbsolutePath();
        return f.startsWith(dir) ? dir.relativize(f).toString() : f.toString();
    }

    /** Writes {@link #FILE_NAME} into {@code directory}. */
    public void write(Path directory) throws IOException {
        String text = "# Written by Pith's image linker: how to run this image (pith run DIR, mvn pith:run).\n"
                + "name=" + name + "\n"
                + "composition=" + composition + "\n"
                + "memoryMib=" + memoryMib + "\n"
                + "cpus=" + cpus + "\n"
                + "ports=" + String.join(",", ports) + "\n"
                + "kernel=" + kernel + "\n"
                + "initrd=" + initrd + "\n"
                + "cmdline=" + commandLine + "\n"
                + "disk=" + disk + "\n"
                + "unpackedBytes=" + unpackedBytes + "\n";
        Files.writeString(directory.resolve(FILE_NAME), text, StandardCharsets.UTF_8);
    }

    /** Reads {@link #FILE_NAME} from {@code directory}. */
    public static ImageManifest read(Path directory) throws IOException {
        Path file = directory.resolve(FILE_NAME);
        Properties p = new Properties();
        try (Reader r = Files.newBufferedReader(file, StandardCharsets.UTF_8)) {
            p.load(r);
        } catch (NoSuchFileException e) {
            throw new ImageException(directory + " is not a Pith image: it has no " + FILE_NAME,
                    "build one (pith build app.jar, or mvn package with libos-maven-plugin), or name an image directory", e);
        }
        try {
            String ports = p.getProperty("ports", "").strip();
            return new ImageManifest(required(p, "name", file), p.getProperty("composition", ""),
                    Integer.parseInt(p.getProperty("memoryMib", "0").strip()), Integer.parseInt(p.getProperty("cpus", "1").strip()),
                    ports.isEmpty() ? List.of() : Arrays.stream(ports.split(",")).map(String::strip).toList(),
                    p.getProperty("kernel", "boot/vmlinuz"), required(p, "initrd", file), p.getProperty("cmdline", "boot/cmdline"),
                    p.getProperty("disk", ""), Long.parseLong(p.getProperty("unpackedBytes", "0").strip()));
        } catch (NumberFormatException e) {
            throw new ImageException(file + " holds a malformed number: " + e.getMessage(), "rebuild the image", e);
        }
    }

    private static String required(Properties p, String key, Path file) {
        String v = p.getProperty(key);
        if (v == null || v.isBlank()) {
            throw new ImageException(file + " has no '" + key + "'", "rebuild the image");
        }
        return v.strip();
    }

    /** A service's port in this file's notation: {@code 8080/tcp}. */
    static String port(Service service) {
        return service.port() + "/" + service.protocol();
    }
}
