package dev.pith.image.initramfs;

import java.io.BufferedOutputStream;
import java.io.Closeable;
import java.io.IOException;
import java.io.InputStream;
import java.io.OutputStream;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.HashMap;
import java.util.Map;
import java.util.Objects;

/**
 * Writes a cpio archive in the "newc" format (SVR4 without CRC, magic {@code 070701}), the format
 * Linux unpacks as an initramfs ({@code Documentation/driver-api/early-userspace/buffer-format.rst}),
 * streaming to an {@link OutputStream}, optionally compressed.
 *
 * <p>Every entry is a 110-byte header of thirteen 8-digit hexadecimal fields, the NUL-terminated
 * name padded to a multiple of 4 bytes, then the data padded to a multiple of 4. The archive ends
 * with the entry {@code TRAILER!!!} and is padded to 512 bytes, as GNU cpio does.
 *
 * <p>Reproducible: the same calls in the same order give the same bytes. Owner and group are 0
 * (root), inode numbers count from 1 in writing order, device numbers are 0, and every entry gets
 * the writer's fixed modification time unless a call names one. Regular files have one link
 * (Linux treats a regular file with two or more as a hard link to an earlier entry).
 *
 * <p>Paths are absolute in the guest ({@code /jre/bin/java}) and are stored without the leading
 * slash. A missing parent directory is written first, mode 0755, since the kernel does not
 * create parents. Writing a path twice is an error.
 *
 * <pre>{@code
 * try (CpioWriter cpio = new CpioWriter(Files.newOutputStream(initrd), Compression.LZ4, 0)) {
 *     cpio.directory("/proc", 0755);
 *     cpio.file("/app/app.jar", 0644, Path.of("target/app.jar"));
 *     cpio.symlink("/lib64", "lib");
 * }
 * }</pre>
 */
public final class CpioWriter implements Closeable {
    /** Type bits of {@code st_mode}. */
    private static final int S_IFDIR = 0040000, S_IFREG = 0100000, S_IFLNK = 0120000,
            S_IFCHR = 0020000, S_IFBLK = 0060000;
    private static final byte[] MAGIC = "070701".getBytes(StandardCharsets.US_ASCII);
    private static final String TRAILER = "TRAILER!!!";
    private static final int HEADER_LENGTH = 110;
    private static final int COPY_BUFFER = 1 << 16;

    private final Compression compression;
    private final OutputStream compressed;
    private final CountingOutputStream out;
    private final long mtimeSeconds;
    /** Written paths (without leading slash) and whether each is a directory. */
    private final Map<String, Boolean> entries = new HashMap<>();
    private final byte[] hex = new byte[8];
    private int nextInode = 1;
    private boolean finished;

    /** A writer of an uncompressed archive into {@code sink} with modification times 0 (1970). */
    public CpioWriter(OutputStream sink) throws IOException {
        this(sink, Compression.NONE, 0);
    }

    /**
     * A writer into {@code sink}, compressed with {@code compression}, giving every entry the
     * modification time {@code mtimeSeconds} (seconds since 1970, such as SOURCE_DATE_EPOCH).
     */
    public CpioWriter(OutputStream sink, Compression compression, long mtimeSeconds) throws IOException {
        Objects.requireNonNull(sink, "sink == null");
        this.compression = Objects.requireNonNull(compression, "compression == null");
        checkU32(mtimeSeconds, "mtimeSeconds");
        this.mtimeSeconds = mtimeSeconds;
        this.compressed = compression.wrap(new BufferedOutputStream(sink, COPY_BUFFER));
        this.out = new CountingOutputStream(compressed);
    }

    /** Writes a directory with permission bits {@code mode} (such as 0755). */
    public void directory(String path, int mode) throws IOException {
        String name = begin(path, true);
        header(name, S_IFDIR | permissions(mode), 2, mtimeSeconds, 0, 0, 0);
    }

    /** Writes a regular file holding {@code content}. */
    public void file(String path, int mode, byte[] content) throws IOException {
        String name = begin(path, false);
        header(name, S_IFREG | permissions(mode), 1, mtimeSeconds, content.length, 0, 0);
        out.write(content);
        pad();
    }

    /**
     * Writes a regular file of {@code size} bytes read from {@code content}, with modification time
     * {@code mtimeSeconds}; fails if the stream holds fewer bytes.
     */
    public void file(String path, int mode, long size, long mtimeSeconds, InputStream content) throws IOException {
        checkU32(size, "size");
        checkU32(mtimeSeconds, "mtimeSeconds");
        String name = begin(path, false);
        header(name, S_IFREG | permissions(mode), 1, mtimeSeconds, size, 0, 0);
        byte[] buffer = new byte[(int) Math.min(COPY_BUFFER, Math.max(size, 1))];
        long left = size;
        while (left > 0) {
            int n = content.read(buffer, 0, (int) Math.min(buffer.length, left));
            if (n < 0) {
                throw new IOException("cpio entry /" + name + ": the stream ended " + left
                        + " bytes short of the " + size + " bytes announced (did the file change while it was read?)");
            }
            out.write(buffer, 0, n);
            left -= n;
        }
        pad();
    }

    /** Writes a regular file with the content of the host file {@code source} and the writer's fixed time. */
    public void file(String path, int mode, Path source) throws IOException {
        file(path, mode, source, mtimeSeconds);
    }

    /** Writes a regular file with the content of the host file {@code source} and time {@code mtimeSeconds}. */
    public void file(String path, int mode, Path source, long mtimeSeconds) throws IOException {
        try (InputStream in = Files.newInputStream(source)) {
            file(path, mode, Files.size(source), mtimeSeconds, in);
        }
    }

    /** Writes a symbolic link at {@code path} whose target is {@code target} (relative or absolute). */
    public void symlink(String path, String target) throws IOException {
        byte[] bytes = target.getBytes(StandardCharsets.UTF_8);
        if (bytes.length == 0 || target.indexOf('\0') >= 0) {
            throw new IllegalArgumentException("symlink target is empty or holds NUL: '" + target + "'");
        }
        String name = begin(path, false);
        header(name, S_IFLNK | 0777, 1, mtimeSeconds, bytes.length, 0, 0);
        out.write(bytes);
        pad();
    }

    /** Writes a character device node (such as /dev/console, 5:1). Not needed with devtmpfs. */
    public void characterDevice(String path, int mode, int major, int minor) throws IOException {
        String name = begin(path, false);
        header(name, S_IFCHR | permissions(mode), 1, mtimeSeconds, 0, major, minor);
    }

    /** Writes a block device node. */
    public void blockDevice(String path, int mode, int major, int minor) throws IOException {
        String name = begin(path, false);
        header(name, S_IFBLK | permissions(mode), 1, mtimeSeconds, 0, major, minor);
    }

    /** Whether {@code path} was written already, or created as a parent directory. */
    public boolean contains(String path) {
        return entries.containsKey(normalize(path));
    }

    /** Uncompressed archive bytes written so far. */
    public long uncompressedBytes() {
        return out.count;
    }

    /** The compression this writer applies. */
    public Compression compression() {
        return compression;
    }

    /**
     * Writes the trailer, pads the archive to 512 bytes, ends the compressed stream and flushes
     * the sink, leaving it open. Further entries fail.
     */
    public void finish() throws IOException {
        if (finished) {
            return;
        }
        header(TRAILER, 0, 1, 0, 0, 0, 0);
        int tail = (int) (out.count % 512);
        if (tail != 0) {
            out.write(new byte[512 - tail]);
        }
        finished = true;
        compression.finish(compressed);
    }

    /** Finishes the archive and closes the sink. */
    @Override
    public void close() throws IOException {
        try {
            finish();
        } finally {
            compressed.close();
        }
    }

    // ---- internals ----

    /** Checks the path, writes missing parents and records the entry; returns the stored name. */
    private String begin(String path, boolean isDirectory) throws IOException {
        if (finished) {
            throw new IllegalStateException("cpio archive already finished; cannot add " + path);
        }
        String name = normalize(path);
        if (entries.containsKey(name)) {
            throw new IllegalArgumentException("cpio archive already holds /" + name);
        }
        int slash = name.lastIndexOf('/');
        if (slash > 0) {
            String parent = name.substring(0, slash);
            Boolean parentIsDirectory = entries.get(parent);
            if (parentIsDirectory == null) {
                directory(parent, 0755);
            } else if (!parentIsDirectory) {
                throw new IllegalArgumentException("cannot add /" + name + ": /" + parent + " is not a directory");
            }
        }
        entries.put(name, isDirectory);
        return name;
    }

    private static String normalize(String path) {
        Objects.requireNonNull(path, "path == null");
        String name = path.startsWith("/") ? path.substring(1) : path;
        if (name.endsWith("/")) {
            name = name.substring(0, name.length() - 1);
        }
        if (name.isEmpty() || name.indexOf('\0') >= 0) {
            throw new IllegalArgumentException("bad cpio path '" + path + "': empty, the root, or holds NUL");
        }
        for (String part : name.split("/", -1)) {
            if (part.isEmpty() || part.equals(".") || part.equals("..")) {
                throw new IllegalArgumentException("bad cpio path '" + path + "': empty, '.' or '..' component");
            }
        }
        if (name.equals(TRAILER)) {
            throw new IllegalArgumentException("'" + TRAILER + "' is the archive's end mark, not a path");
        }
        return name;
    }

    private static int permissions(int mode) {
        if ((mode & ~07777) != 0) {
            throw new IllegalArgumentException("mode holds more than permission bits (07777): 0" + Integer.toOctalString(mode));
        }
        return mode;
    }

    private static void checkU32(long value, String what) {
        if (value < 0 || value > 0xFFFF_FFFFL) {
            throw new IllegalArgumentException(what + " does not fit cpio newc's 32-bit field: " + value);
        }
    }

    private void header(String name, int mode, int nlink, long mtime, long size, int rdevMajor, int rdevMinor)
            throws IOException {
        byte[] nameBytes = name.getBytes(StandardCharsets.UTF_8);
        boolean trailer = name.equals(TRAILER);
        out.write(MAGIC);
        field(trailer ? 0 : nextInode++); // c_ino
        field(mode);                      // c_mode
        field(0);                         // c_uid
        field(0);                         // c_gid
        field(nlink);                     // c_nlink
        field(mtime);                     // c_mtime
        field(size);                      // c_filesize
        field(0);                         // c_devmajor
        field(0);                         // c_devminor
        field(rdevMajor);                 // c_rdevmajor
        field(rdevMinor);                 // c_rdevminor
        field(nameBytes.length + 1);      // c_namesize, with the NUL
        field(0);                         // c_check: 0 in "newc"
        out.write(nameBytes);
        out.write(0);
        pad();
    }

    private void field(long value) throws IOException {
        for (int i = 7; i >= 0; i--) {
            hex[i] = (byte) "0123456789ABCDEF".charAt((int) (value & 0xF));
            value >>>= 4;
        }
        out.write(hex);
    }

    /** Pads to a multiple of 4 bytes: headers start, and data starts, 4-byte aligned. */
    private void pad() throws IOException {
        int tail = (int) (out.count & 3);
        if (tail != 0) {
            out.write(new byte[4 - tail]);
        }
    }

    /** Counts the uncompressed bytes, which the 4-byte and 512-byte padding depend on. */
    private static final class CountingOutputStream extends OutputStream {
        private final OutputStream sink;
        long count;

        CountingOutputStream(OutputStream sink) {
            this.sink = sink;
        }

        @Override
        public void write(int b) throws IOException {
            sink.write(b);
            count++;
        }

        @Override
        public void write(byte[] b, int off, int len) throws IOException {
            sink.write(b, off, len);
            count += len;
        }

        @Override
        public void flush() throws IOException {
            sink.flush();
        }
    }
}
