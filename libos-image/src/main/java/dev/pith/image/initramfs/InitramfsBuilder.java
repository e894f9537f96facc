package dev.pith.image.initramfs;

import dev.pith.image.ImageException;
import dev.pith.image.runtime.HostFile;
import dev.pith.image.runtime.RuntimeImage;
import java.io.IOException;
import java.io.OutputStream;
import java.nio.file.AtomicMoveNotSupportedException;
import java.nio.file.Files;
import java.nio.file.LinkOption;
import java.nio.file.Path;
import java.nio.file.StandardCopyOption;
import java.nio.file.attribute.PosixFilePermission;
import java.util.ArrayList;
import java.util.List;
import java.util.Objects;
import java.util.Set;
import java.util.stream.Stream;

/**
 * Lays out the initramfs of a Java guest: nothing but the JVM, the glibc files it needs and the
 * application. No shell, no busybox, no other program: the kernel starts {@code /jre/bin/java}
 * as PID 1 ({@link KernelCommandLine#forJava}).
 *
 * <pre>
 * /jre/...                          the runtime (jlink output), modes kept
 * /lib64/ld-linux-x86-64.so.2       the dynamic loader, at its PT_INTERP path
 * /lib/x86_64-linux-gnu/libc.so.6   ... and the other host libraries the runtime needs
 * /app/app.jar                      the application
 * /proc /sys /dev /tmp              empty mount points (/tmp mode 1777)
 * </pre>
 *
 * <p>Entries are written in a fixed order (directories walked in name order) with one fixed
 * modification time, so the same inputs give the same bytes. {@code /dev/console}, which the
 * kernel opens for PID 1's standard streams, comes from the kernel's own built-in initramfs
 * ({@code usr/default_cpio_list}); {@link #consoleNode(boolean)} adds it for kernels built without.
 */
public final class InitramfsBuilder {
    /** Where the runtime lives in the guest. */
    public static final String JAVA_HOME = "/jre";
    /** Where the application jar lives in the guest. */
    public static final String APP_JAR = "/app/app.jar";

    private final List<Entry> entries = new ArrayList<>();
    private Compression compression = Compression.LZ4;
    private long mtimeSeconds;
    private boolean consoleNode;
    private boolean hasRuntime;

    private sealed interface Entry {
        /** A host tree; {@code leftOut} are paths relative to {@code source} that stay out. */
        record Tree(String guestPath, Path source, Set<String> leftOut) implements Entry { }
        record HostFileEntry(String guestPath, Path source, int mode) implements Entry { }
        record Bytes(String guestPath, byte[] content, int mode) implements Entry { }
        record Directory(String guestPath, int mode) implements Entry { }
        record Symlink(String guestPath, String target) implements Entry { }
    }

    private InitramfsBuilder() {
    }

    /** An empty layout, LZ4-compressed, with modification times 0. */
    public static InitramfsBuilder create() {
        return new InitramfsBuilder();
    }

    /** The compression (default {@link Compression#LZ4}). */
    public InitramfsBuilder compression(Compression compression) {
        this.compression = Objects.requireNonNull(compression, "compression == null");
        return this;
    }

    /** The modification time of every entry, seconds since 1970 (default 0; SOURCE_DATE_EPOCH fits here). */
    public InitramfsBuilder mtime(long seconds) {
        this.mtimeSeconds = seconds;
        return this;
    }

    /** Whether to write {@code /dev/console} (5:1), for kernels without the built-in default initramfs. */
    public InitramfsBuilder consoleNode(boolean write) {
        this.consoleNode = write;
        return this;
    }

    /** The runtime at {@link #JAVA_HOME} and the host files its ELF dependencies need. */
    public InitramfsBuilder runtime(RuntimeImage runtime) throws IOException {
        return runtime(runtime, runtime.nativeDependencies());
    }

    /**
     * The runtime at {@link #JAVA_HOME}, but for its programs other than {@code bin/java}, and
     * {@code hostFiles} (as {@link RuntimeImage#nativeDependencies()} finds them).
     */
    public InitramfsBuilder runtime(RuntimeImage runtime, List<HostFile> hostFiles) {
        if (hasRuntime) {
            throw new IllegalStateException("runtime already set");
        }
        hasRuntime = true;
        entries.add(new Entry.Tree(JAVA_HOME, runtime.home(), otherPrograms(runtime.home())));
        for (HostFile f : hostFiles) {
            hostFile(f.guestPath(), f.source());
        }
        return this;
    }

    /** The application jar at {@link #APP_JAR}. */
    public InitramfsBuilder appJar(Path jar) {
        if (!Files.isRegularFile(jar)) {
            throw new ImageException("application jar " + jar + " does not exist", "build the application jar first");
        }
        return hostFile(APP_JAR, jar, 0644);
    }

    /** A host file at {@code guestPath}, with the host file's permission bits. */
    public InitramfsBuilder hostFile(String guestPath, Path source) {
        return hostFile(guestPath, source, -1);
    }

    /** A host file at {@code guestPath} with permission bits {@code mode}. */
    public InitramfsBuilder hostFile(String guestPath, Path source, int mode) {
        entries.add(new Entry.HostFileEntry(guestPath, source, mode));
        return this;
    }

    /** A file holding {@code content}. */
    public InitramfsBuilder file(String guestPath, byte[] content, int mode) {
        entries.add(new Entry.Bytes(guestPath, content.clone(), mode));
        return this;
    }

    /** A host directory tree copied to {@code guestPath} (files, directories and symbolic links as they are). */
    public InitramfsBuilder tree(String guestPath, Path source) {
        entries.add(new Entry.Tree(guestPath, source, Set.of()));
        return this;
    }

    /**
     * The runtime's programs other than {@code bin/java}: the modules' other launchers
     * ({@code keytool}, {@code jfr}, ...), and {@code lib/jexec} and {@code lib/jspawnhelper}, which only
     * start other programs. A guest runs one JVM and nothing else, so they stay out of the image (the
     * build host keeps them: the AOT cache's training spawns its assembly JVM through jspawnhelper).
     */
    private static Set<String> otherPrograms(Path home) {
        Set<String> out = new java.util.TreeSet<>(List.of("lib/jexec", "lib/jspawnhelper"));
        try (Stream<Path> launchers = Files.list(home.resolve("bin"))) {
            launchers.map(p -> "bin/" + p.getFileName()).filter(p -> !p.equals("bin/java")).forEach(out::add);
        } catch (IOException e) {
            throw new java.io.UncheckedIOException(e);
        }
        return out;
    }

    /** An empty directory. */
    public InitramfsBuilder directory(String guestPath, int mode) {
        entries.add(new Entry.Directory(guestPath, mode));
        return this;
    }

    /** A symbolic link. */
    public InitramfsBuilder symlink(String guestPath, String target) {
        entries.add(new Entry.Symlink(guestPath, target));
        return this;
    }

    /** What {@link #write(Path)} wrote. */
    public record Initramfs(Path path, Compression compression, long bytes, long uncompressedBytes) { }

    /**
     * Writes the archive to {@code output} (through a temporary file beside it, moved into place at
     * the end, so a failed build leaves no half archive).
     */
    public Initramfs write(Path output) throws IOException {
        Path dir = output.toAbsolutePath().getParent();
        Files.createDirectories(dir);
        Path temp = Files.createTempFile(dir, output.getFileName().toString(), ".part");
        long uncompressed;
        try {
            try (OutputStream out = Files.newOutputStream(temp)) {
                uncompressed = write(out);
            }
            try {
                Files.move(temp, output, StandardCopyOption.REPLACE_EXISTING, StandardCopyOption.ATOMIC_MOVE);
            } catch (AtomicMoveNotSupportedException e) {
                Files.move(temp, output, StandardCopyOption.REPLACE_EXISTING);
            }
        } finally {
            Files.deleteIfExists(temp);
        }
        return new Initramfs(output, compression, Files.size(output), uncompressed);
    }

    /** Writes the archive to {@code sink}, leaving it open; returns the uncompressed size. */
    public long write(OutputStream sink) throws IOException {
        CpioWriter cpio = new CpioWriter(sink, compression, mtimeSeconds);
        for (String mountPoint : List.of("/dev", "/proc", "/sys")) {
            cpio.directory(mountPoint, 0755);
        }
        cpio.directory("/tmp", 01777);
        if (consoleNode) {
            cpio.characterDevice("/dev/console", 0600, 5, 1);
        }
        for (Entry e : entries) {
            switch (e) {
                case Entry.Tree t -> tree(cpio, t.guestPath(), t.source(), t.leftOut());
                case Entry.HostFileEntry f -> {
                    if (!Files.isRegularFile(f.source())) {
                        throw new ImageException("host file " + f.source() + " (for " + f.guestPath() + ") does not exist",
                                "fix the path, or install the package that holds it");
                    }
                    cpio.file(f.guestPath(), f.mode() < 0 ? mode(f.source()) : f.mode(), f.source());
                }
                case Entry.Bytes b -> cpio.file(b.guestPath(), b.mode(), b.content());
                case Entry.Directory d -> cpio.directory(d.guestPath(), d.mode());
                case Entry.Symlink s -> cpio.symlink(s.guestPath(), s.target());
            }
        }
        cpio.finish();
        return cpio.uncompressedBytes();
    }

    private static void tree(CpioWriter cpio, String guestPath, Path root, Set<String> leftOut) throws IOException {
        if (!Files.isDirectory(root)) {
            throw new ImageException("directory " + root + " (for " + guestPath + ") does not exist", "fix the path");
        }
        List<Path> paths;
        try (Stream<Path> walk = Files.walk(root)) {
            paths = walk.sorted().toList(); // Path order: a parent sorts before its children
        }
        for (Path p : paths) {
            String rel = root.relativize(p).toString();
            if (leftOut.contains(rel)) {
                continue;
            }
            String target = rel.isEmpty() ? guestPath : guestPath + "/" + rel;
            if (Files.isSymbolicLink(p)) {
                cpio.symlink(target, Files.readSymbolicLink(p).toString());
            } else if (Files.isDirectory(p)) {
                if (!cpio.contains(target)) {
                    cpio.directory(target, mode(p));
                }
            } else if (Files.isRegularFile(p)) {
                cpio.file(target, mode(p), p);
            } else {
                throw new ImageException(p + " is neither a file, a directory nor a symbolic link",
                        "remove it from " + root + " (device nodes and sockets do not belong in the image)");
            }
        }
    }

    private static int mode(Path p) throws IOException {
        Set<PosixFilePermission> perms = Files.getPosixFilePermissions(p, LinkOption.NOFOLLOW_LINKS);
        int mode = 0;
        for (PosixFilePermission perm : perms) {
            mode |= switch (perm) {
                case OWNER_READ -> 0400;
                case OWNER_WRITE -> 0200;
                case OWNER_EXECUTE -> 0100;
                case GROUP_READ -> 040;
                case GROUP_WRITE -> 020;
                case GROUP_EXECUTE -> 010;
                case OTHERS_READ -> 04;
                case OTHERS_WRITE -> 02;
                case OTHERS_EXECUTE -> 01;
            };
        }
        return mode;
    }
}
