package dev.pith.image.kernel;

import dev.pith.image.ImageException;
import java.io.ByteArrayOutputStream;
import java.io.IOException;
import java.io.InputStream;
import java.nio.charset.StandardCharsets;
import java.nio.file.AtomicMoveNotSupportedException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.StandardCopyOption;
import java.util.ArrayList;
import java.util.Comparator;
import java.util.List;
import java.util.Optional;
import java.util.concurrent.TimeUnit;
import java.util.regex.Matcher;
import java.util.regex.Pattern;
import java.util.stream.Stream;

/**
 * A Debian kernel package, fetched with {@code apt-get download} and unpacked with
 * {@code dpkg-deb --fsys-tarfile} (only {@code ./boot/vmlinuz-*} and {@code ./boot/config-*} are
 * kept: the modules are not needed, since Pith's drivers own the devices), cached as
 * {@code <cacheDirectory>/<release>/vmlinuz} and {@code config}.
 *
 * @param metaPackage the package whose dependency names the release ({@code linux-image-cloud-amd64}),
 *                    or null when {@code release} is pinned
 * @param release the pinned release ({@code 6.1.0-56-cloud-amd64}), or null to ask apt
 * @param cacheDirectory where kernels are cached, one directory per release
 */
public record DebianKernel(String metaPackage, String release, Path cacheDirectory) implements KernelProvider {
    private static final Pattern DEPENDS = Pattern.compile("(?m)^\\s*Depends:\\s*linux-image-(\\S+)\\s*$");
    /** apt-get download of a 27 MB package takes seconds; a stalled mirror should not hang a build. */
    private static final long TIMEOUT_SECONDS = 300;

    /** Checks that one of {@code metaPackage} and {@code release} is given. */
    public DebianKernel {
        if ((metaPackage == null) == (release == null)) {
            throw new IllegalArgumentException("give exactly one of metaPackage and release");
        }
        java.util.Objects.requireNonNull(cacheDirectory, "cacheDirectory == null");
    }

    /** The same kernel cached under {@code directory}. */
    public DebianKernel withCacheDirectory(Path directory) {
        return new DebianKernel(metaPackage, release, directory);
    }

    @Override
    public Kernel kernel() throws IOException {
        String version = release != null ? release : resolveRelease();
        Path dir = cacheDirectory.resolve(version);
        Path vmlinuz = dir.resolve("vmlinuz");
        if (!Files.isRegularFile(vmlinuz)) {
            fetch(version, dir);
        }
        Path config = dir.resolve("config");
        return new Kernel(vmlinuz, Optional.of(version), Files.isRegularFile(config) ? Optional.of(config) : Optional.empty());
    }

    /** The release the meta package depends on now; the newest cached one when apt cannot tell. */
    private String resolveRelease() throws IOException {
        Result r = run(List.of("apt-cache", "depends", metaPackage), cacheDirectory);
        if (r != null && r.exitCode == 0) {
            Matcher m = DEPENDS.matcher(r.output);
            if (m.find()) {
                return m.group(1);
            }
        }
        Optional<String> cached = newestCached();
        if (cached.isPresent()) {
            return cached.get();
        }
        if (r == null) {
            throw notDebian();
        }
        throw new ImageException("cannot tell which kernel " + metaPackage + " stands for: `apt-cache depends "
                + metaPackage + "` said:\n" + r.output.strip(),
                "run `apt-get update` (as root) so that apt knows Debian's packages, then build again; or pin a release"
                        + " with KernelProvider.debian(\"6.1.0-NN-cloud-amd64\"), or name a kernel file with -D"
                        + KERNEL_PROPERTY + "=/path/to/vmlinuz");
    }

    private Optional<String> newestCached() throws IOException {
        if (!Files.isDirectory(cacheDirectory)) {
            return Optional.empty();
        }
        try (Stream<Path> dirs = Files.list(cacheDirectory)) {
            return dirs.filter(d -> Files.isRegularFile(d.resolve("vmlinuz")))
                    .map(d -> d.getFileName().toString())
                    .max(DebianKernel::compareVersions);
        }
    }

    /** Compares releases such as 6.1.0-9-cloud-amd64 and 6.1.0-56-cloud-amd64 number by number. */
    static int compareVersions(String a, String b) {
        String[] x = a.split("[.-]");
        String[] y = b.split("[.-]");
        for (int i = 0; i < Math.min(x.length, y.length); i++) {
            int c;
            if (x[i].matches("\\d+") && y[i].matches("\\d+")) {
                c = Long.compare(Long.parseLong(x[i]), Long.parseLong(y[i]));
            } else {
                c = x[i].compareTo(y[i]);
            }
            if (c != 0) {
                return c;
            }
        }
        return Integer.compare(x.length, y.length);
    }

    private void fetch(String version, Path dir) throws IOException {
        String pkg = "linux-image-" + version;
        Files.createDirectories(cacheDirectory);
        Path work = Files.createTempDirectory(cacheDirectory, ".fetch-");
        try {
            Result download = run(List.of("apt-get", "download", pkg), work);
            if (download == null) {
                throw notDebian();
            }
            Path deb;
            try (Stream<Path> files = Files.list(work)) {
                deb = files.filter(p -> p.getFileName().toString().endsWith(".deb")).findFirst().orElse(null);
            }
            if (download.exitCode != 0 || deb == null) {
                throw new ImageException("`apt-get download " + pkg + "` failed (exit " + download.exitCode + "):\n"
                        + download.output.strip(),
                        "check that this host reaches Debian's package archive and that its package lists are current"
                                + " (`apt-get update` as root); or name a kernel file with -D" + KERNEL_PROPERTY
                                + "=/path/to/vmlinuz or KernelProvider.file(...)");
            }
            extract(deb, version, work);
            Files.createDirectories(dir);
            moveInto(work.resolve("config"), dir.resolve("config"));
            moveInto(work.resolve("vmlinuz"), dir.resolve("vmlinuz")); // last: its presence marks a complete entry
        } finally {
            deleteTree(work);
        }
    }

    /** Streams the package's file system out of dpkg-deb and keeps boot/vmlinuz-* and boot/config-*. */
    private static void extract(Path deb, String version, Path work) throws IOException {
        ProcessBuilder pb = new ProcessBuilder("dpkg-deb", "--fsys-tarfile", deb.toString())
                .redirectError(work.resolve("dpkg-deb.err").toFile());
        Process p;
        try {
            p = pb.start();
        } catch (IOException e) {
            throw new ImageException("cannot run dpkg-deb to unpack " + deb + ": " + e.getMessage(),
                    "install dpkg (Debian and Ubuntu have it), or name a kernel file with -D" + KERNEL_PROPERTY, e);
        }
        try (InputStream tar = p.getInputStream()) {
            String kernel = "boot/vmlinuz-" + version;
            String config = "boot/config-" + version;
            TarReader.extract(tar, name -> name.equals(kernel) ? work.resolve("vmlinuz")
                    : name.equals(config) ? work.resolve("config") : null, 2);
        } finally {
            p.destroy(); // the modules that follow /boot are not needed
            try {
                p.waitFor(10, TimeUnit.SECONDS);
            } catch (InterruptedException e) {
                Thread.currentThread().interrupt();
            }
        }
        if (!Files.isRegularFile(work.resolve("vmlinuz"))) {
            String err = Files.isRegularFile(work.resolve("dpkg-deb.err")) ? Files.readString(work.resolve("dpkg-deb.err")) : "";
            throw new ImageException(deb.getFileName() + " holds no boot/vmlinuz-" + version + " " + err.strip(),
                    "check that the package is a linux-image-* kernel package; or name a kernel file with -D" + KERNEL_PROPERTY);
        }
    }

    private static void moveInto(Path from, Path to) throws IOException {
        if (!Files.exists(from)) {
            return;
        }
        try {
            Files.move(from, to, StandardCopyOption.REPLACE_EXISTING, StandardCopyOption.ATOMIC_MOVE);
        } catch (AtomicMoveNotSupportedException e) {
            Files.move(from, to, StandardCopyOption.REPLACE_EXISTING);
        }
    }

    private static ImageException notDebian() {
        return new ImageException("this host has no apt-get/apt-cache, so Debian's kernel cannot be fetched",
                "name a kernel file with -D" + KERNEL_PROPERTY + "=/path/to/vmlinuz (or " + KERNEL_ENV
                        + ", or KernelProvider.file(...)): any x86-64 bzImage with RD_LZ4, DEVTMPFS and a serial console");
    }

    private record Result(int exitCode, String output) { }

    /** Runs a command in {@code dir}; null if it cannot be started (not installed). */
    private static Result run(List<String> command, Path dir) throws IOException {
        Files.createDirectories(dir);
        Process p;
        try {
            p = new ProcessBuilder(new ArrayList<>(command)).directory(dir.toFile()).redirectErrorStream(true).start();
        } catch (IOException e) {
            return null;
        }
        p.getOutputStream().close();
        ByteArrayOutputStream out = new ByteArrayOutputStream();
        try (InputStream in = p.getInputStream()) {
            in.transferTo(out);
        }
        try {
            if (!p.waitFor(TIMEOUT_SECONDS, TimeUnit.SECONDS)) {
                p.destroyForcibly();
                throw new ImageException(String.join(" ", command) + " did not finish in " + TIMEOUT_SECONDS + " s",
                        "check the network to Debian's package archive");
            }
        } catch (InterruptedException e) {
            p.destroyForcibly();
            Thread.currentThread().interrupt();
            throw new IOException("interrupted while running " + command, e);
        }
        return new Result(p.exitValue(), out.toString(StandardCharsets.UTF_8));
    }

    private static void deleteTree(Path dir) throws IOException {
        if (!Files.exists(dir)) {
            return;
        }
        try (Stream<Path> walk = Files.walk(dir)) {
            for (Path p : walk.sorted(Comparator.reverseOrder()).toList()) {
                Files.deleteIfExists(p);
            }
        }
    }
}
