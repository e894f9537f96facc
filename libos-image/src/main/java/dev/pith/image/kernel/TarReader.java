package dev.pith.image.kernel;

import java.io.EOFException;
import java.io.IOException;
import java.io.InputStream;
import java.io.OutputStream;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.function.Function;

/**
 * Reads a tar stream (POSIX ustar with GNU long names and PAX path records, as dpkg-deb writes)
 * and copies the regular files a caller picks. Enough to take a kernel out of a Debian package
 * without unpacking its modules.
 */
final class TarReader {
    private static final int BLOCK = 512;

    private TarReader() {
    }

    /**
     * Copies each regular file for which {@code pick} (given the member name without a leading
     * {@code ./}) returns a path, and stops after {@code wanted} files or at the end of the archive.
     *
     * @return whether {@code wanted} files were copied
     */
    static boolean extract(InputStream tar, Function<String, Path> pick, int wanted) throws IOException {
        byte[] header = new byte[BLOCK];
        String longName = null;
        int copied = 0;
        while (copied < wanted) {
            if (!readFully(tar, header)) {
                return false;
            }
            if (isZero(header)) {
                return false; // end of archive
            }
            String name = longName != null ? longName : name(header);
            longName = null;
            long size = size(header);
            char type = (char) header[156];
            switch (type) {
                case 'L' -> longName = cString(readData(tar, size));          // GNU long name of the next member
                case 'x' -> longName = paxPath(readData(tar, size));          // PAX: path= record, if any
                case '0', '\0', '7' -> {
                    Path target = pick.apply(name.startsWith("./") ? name.substring(2) : name);
                    if (target != null) {
                        try (OutputStream out = Files.newOutputStream(target)) {
                            copy(tar, out, size);
                        }
                        skip(tar, padding(size));
                        copied++;
                    } else {
                        skip(tar, size + padding(size));
                    }
                }
                default -> skip(tar, size + padding(size));
            }
        }
        return true;
    }

    private static String name(byte[] h) {
        String name = cString(h, 0, 100);
        String magic = cString(h, 257, 6);
        if (magic.startsWith("ustar")) {
            String prefix = cString(h, 345, 155);
            if (!prefix.isEmpty()) {
                name = prefix + "/" + name;
            }
        }
        return name;
    }

    /** The size field: octal digits, or a big-endian binary number when the first byte has its high bit set. */
    private static long size(byte[] h) throws IOException {
        if ((h[124] & 0x80) != 0) {
            long v = 0;
            for (int i = 125; i < 136; i++) {
                v = (v << 8) | (h[i] & 0xFF);
            }
            return v;
        }
        String s = cString(h, 124, 12).strip();
        try {
            return s.isEmpty() ? 0 : Long.parseLong(s, 8);
        } catch (NumberFormatException e) {
            throw new IOException("tar header with a bad size field '" + s + "'");
        }
    }

    private static String paxPath(byte[] data) {
        String records = new String(data, StandardCharsets.UTF_8);
        for (String line : records.split("\n")) {
            int space = line.indexOf(' ');
            if (space > 0 && line.startsWith("path=", space + 1)) {
                return line.substring(space + 1 + "path=".length());
            }
        }
        return null;
    }

    private static byte[] readData(InputStream in, long size) throws IOException {
        if (size > 1 << 20) {
            throw new IOException("tar name record of " + size + " bytes");
        }
        byte[] data = new byte[(int) size];
        if (!readFully(in, data)) {
            throw new EOFException("tar archive ends inside a member");
        }
        skip(in, padding(size));
        return data;
    }

    private static long padding(long size) {
        return (BLOCK - size % BLOCK) % BLOCK;
    }

    private static void copy(InputStream in, OutputStream out, long size) throws IOException {
        byte[] buf = new byte[1 << 16];
        while (size > 0) {
            int n = in.read(buf, 0, (int) Math.min(buf.length, size));
            if (n < 0) {
                throw new EOFException("tar archive ends inside a member");
            }
            out.write(buf, 0, n);
            size -= n;
        }
    }

    private static void skip(InputStream in, long n) throws IOException {
        while (n > 0) {
            long s = in.skip(n);
            if (s <= 0) {
                if (in.read() < 0) {
                    throw new EOFException("tar archive ends inside a member");
                }
                s = 1;
            }
            n -= s;
        }
    }

    private static boolean readFully(InputStream in, byte[] b) throws IOException {
        int off = 0;
        while (off < b.length) {
            int n = in.read(b, off, b.length - off);
            if (n < 0) {
                if (off == 0) {
                    return false;
                }
                throw new EOFException("tar archive ends inside a header");
            }
            off += n;
        }
        return true;
    }

    private static boolean isZero(byte[] b) {
        for (byte x : b) {
            if (x != 0) {
                return false;
            }
        }
        return true;
    }

    private static String cString(byte[] b) {
        return cString(b, 0, b.length);
    }

    private static String cString(byte[] b, int off, int len) {
        int end = off;
        while (end < off + len && b[end] != 0) {
            end++;
        }
        return new String(b, off, end - off, StandardCharsets.UTF_8);
    }
}
