package dev.pith.cli;

import dev.pith.image.ImageException;
import dev.pith.image.link.ImageManifest;
import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.ZoneId;
import java.time.format.DateTimeFormatter;
import java.util.ArrayList;
import java.util.List;
import java.util.Locale;
import java.util.concurrent.Callable;
import java.util.stream.Stream;
import picocli.CommandLine.Command;
import picocli.CommandLine.ParentCommand;

/** {@code pith images}: the images under ~/.pith/images, with their size, build time and ports. */
@Command(name = "images", mixinStandardHelpOptions = true,
        description = {"List the images built under ~/.pith/images.", "",
                "Columns: name; size (kernel + initramfs: what a direct boot loads); raw disk size; when built;"
                        + " the ports the unikernel listens on."})
final class ImagesCommand implements Callable<Integer> {
    private static final DateTimeFormatter WHEN = DateTimeFormatter.ofPattern("yyyy-MM-dd HH:mm", Locale.ROOT)
            .withZone(ZoneId.systemDefault());

    @ParentCommand
    Pith pith;

    /** One image directory. */
    record Row(String name, long bootBytes, long diskBytes, String built, String ports) { }

    @Override
    public Integer call() throws IOException {
        List<Row> rows = rows(pith.images());
        if (rows.isEmpty()) {
            pith.out.println("no images in " + pith.images() + ": build one with pith build app.jar");
            return 0;
        }
        String format = "%-20s %9s %9s  %-16s  %s%n";
        pith.out.printf(Locale.ROOT, format, "NAME", "SIZE", "DISK", "BUILT", "PORTS");
        for (Row r : rows) {
            pith.out.printf(Locale.ROOT, format, r.name(), megabytes(r.bootBytes()),
                    r.diskBytes() < 0 ? "-" : megabytes(r.diskBytes()), r.built(), r.ports().isEmpty() ? "-" : r.ports());
        }
        return 0;
    }

    /** The images in {@code images}, by name; directories that are not images are left out. */
    static List<Row> rows(Path images) throws IOException {
        List<Row> rows = new ArrayList<>();
        if (!Files.isDirectory(images)) {
            return rows;
        }
        try (Stream<Path> dirs = Files.list(images)) {
            for (Path dir : dirs.filter(Files::isDirectory).sorted().toList()) {
                Path manifestFile = dir.resolve(ImageManifest.FILE_NAME);
                if (!Files.isRegularFile(manifestFile)) {
                    continue;
                }
                ImageManifest m;
                try {
                    m = ImageManifest.read(dir);
                } catch (ImageException e) {
                    continue;
                }
                long boot = size(dir.resolve(m.kernel())) + size(dir.resolve(m.initrd()));
                long disk = m.disk().isEmpty() || !Files.isRegularFile(dir.resolve(m.disk())) ? -1 : size(dir.resolve(m.disk()));
                rows.add(new Row(dir.getFileName().toString(), boot, disk,
                        WHEN.format(Files.getLastModifiedTime(manifestFile).toInstant()), String.join(",", m.ports())));
            }
        }
        return rows;
    }

    private static long size(Path file) throws IOException {
        return Files.isRegularFile(file) ? Files.size(file) : 0;
    }

    private static String megabytes(long bytes) {
        return String.format(Locale.ROOT, "%.1f MB", bytes / 1e6);
    }
}
