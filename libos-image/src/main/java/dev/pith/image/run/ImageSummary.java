package dev.pith.image.run;

import dev.pith.Plan;
import dev.pith.image.link.LinkedImage;
import java.io.IOException;
import java.io.UncheckedIOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import java.util.Locale;
import java.util.stream.Collectors;

/**
 * What a link made, as the front ends print it: the image's files and sizes, the plan's parts and
 * services, and what pruning kept.
 *
 * <pre>
 * image echo in /work/main/examples/echo/target/pith, linked in 23.8 s
 *   parts     net -> udp -> ipv4 -> tcp -> tcp:8080
 *   services  tcp 8080
 *   memory    64 MiB asked, 192 MiB to boot (the initramfs unpacks into RAM)
 *   kernel    boot/vmlinuz               14.2 MB  6.1.0-56-cloud-amd64
 *   initrd    boot/initrd.cpio.lz4       27.6 MB  (72.8 MB unpacked)
 *   disk      echo.img                   45.1 MB  raw, BIOS-bootable
 *   app jar   echo.jar                    0.9 MB  586 entries; kept 580 of 1190 classes, 1.82 of 3.93 MB of class files
 * </pre>
 */
public final class ImageSummary {
    private ImageSummary() {
    }

    /** The lines describing {@code image}, linked into {@code directory}. */
    public static List<String> lines(LinkedImage image, Path directory) {
        Plan plan = image.plan();
        BootableImage bootable = BootableImage.of(image, directory);
        List<String> out = new ArrayList<>();
        out.add(String.format(Locale.ROOT, "image %s in %s, linked in %.1f s", plan.name(), directory,
                image.linkMillis() / 1e3));
        out.add("  parts     " + plan.parts().stream().map(Plan.Part::name).collect(Collectors.joining(" -> ")));
        out.add("  services  " + (plan.services().isEmpty() ? "none"
                : plan.services().stream().map(s -> s.protocol() + " " + s.port()).collect(Collectors.joining(", "))));
        out.add("  memory    " + plan.resources().memoryMib() + " MiB asked, " + bootable.defaultMemoryMib()
                + " MiB to boot (the initramfs unpacks into RAM)");
        out.add(file("kernel", directory, directory.resolve("boot").resolve("vmlinuz"), image.kernel().release().orElse("")));
        out.add(file("initrd", directory, image.guest().initrd(), String.format(Locale.ROOT, "(%.1f MB unpacked)",
                image.guest().initramfs().uncompressedBytes() / 1e6)));
        if (image.disk() != null) {
            out.add(file("disk", directory, image.disk().path(), image.disk().format().name().toLowerCase(Locale.ROOT)
                    + ", BIOS-bootable"));
        }
        out.add(file("app jar", directory, image.appJar(), String.format(Locale.ROOT, "%,d entries; %s",
                image.pruned().entries(), image.pruned().summary())));
        return out;
    }

    private static String file(String label, Path directory, Path file, String note) {
        Path shown = file.toAbsolutePath().startsWith(directory.toAbsolutePath())
                ? directory.toAbsolutePath().relativize(file.toAbsolutePath()) : file;
        return String.format(Locale.ROOT, "  %-9s %-24s %6.1f MB  %s", label, shown, size(file) / 1e6, note).stripTrailing();
    }

    private static long size(Path file) {
        try {
            return Files.size(file);
        } catch (IOException e) {
            throw new UncheckedIOException(e);
        }
    }
}
