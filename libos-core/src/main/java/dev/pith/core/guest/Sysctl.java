package dev.pith.core.guest;

import java.io.IOException;
import java.nio.ByteBuffer;
import java.nio.channels.FileChannel;
import java.nio.charset.StandardCharsets;
import java.nio.file.Path;

/**
 * Reads a {@code /proc/sys} file whole, in one read from offset 0. Its numbers must be read that way: the kernel
 * answers a read at a non-zero offset with end of file ({@code __do_proc_dointvec} in kernel/sysctl.c: "*ppos &&
 * !write"), and {@link java.nio.file.Files#readString}, whose first read of a file that stats as empty takes one
 * byte, would return "1" for 12. The random UUID is made anew on every read, so it too wants one read.
 */
final class Sysctl {
    private Sysctl() {}

    /** Returns the file's text, stripped; sysctl values are short, a few numbers or one UUID. */
    static String read(Path file) throws IOException {
        try (FileChannel channel = FileChannel.open(file)) {
            ByteBuffer buffer = ByteBuffer.allocate(256);
            int count = Math.max(0, channel.read(buffer, 0));
            return new String(buffer.array(), 0, count, StandardCharsets.US_ASCII).strip();
        }
    }
}
