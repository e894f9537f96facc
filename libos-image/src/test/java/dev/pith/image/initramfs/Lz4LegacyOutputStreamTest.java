package dev.pith.image.initramfs;

import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import dev.pith.image.TestTools;
import java.io.ByteArrayOutputStream;
import java.io.OutputStream;
import java.nio.ByteBuffer;
import java.nio.ByteOrder;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.Random;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.ValueSource;

class Lz4LegacyOutputStreamTest {
    @TempDir
    Path tmp;

    /** 8 MiB blocks: one full block, one partial, written in odd-sized pieces; half random, half compressible. */
    private static byte[] input() {
        byte[] data = new byte[Lz4LegacyOutputStream.BLOCK_SIZE + 1_234_567];
        Random r = new Random(7);
        for (int i = 0; i < data.length; i += 4096) {
            if ((i / 4096) % 2 == 0) {
                byte[] chunk = new byte[Math.min(4096, data.length - i)];
                r.nextBytes(chunk);
                System.arraycopy(chunk, 0, data, i, chunk.length);
            } else {
                for (int j = i; j < Math.min(i + 4096, data.length); j++) {
                    data[j] = (byte) ("pith".charAt(j % 4));
                }
            }
        }
        return data;
    }

    @ParameterizedTest
    @ValueSource(ints = {0, 9})
    void lz4ToolDecompressesIt(int level) throws Exception {
        TestTools.requireTool("lz4", "lz4");
        byte[] data = input();
        Path compressed = tmp.resolve("data.lz4");
        try (OutputStream out = new Lz4LegacyOutputStream(Files.newOutputStream(compressed), level)) {
            int off = 0;
            for (int piece = 1; off < data.length; piece = piece * 3 + 1) {
                int n = Math.min(piece, data.length - off);
                out.write(data, off, n);
                off += n;
            }
        }
        Path raw = tmp.resolve("data");
        TestTools.run(tmp, null, "lz4", "-d", "-f", "-q", compressed.toString(), raw.toString()).check();
        assertArrayEquals(data, Files.readAllBytes(raw));
        assertTrue(Files.size(compressed) < data.length * 0.8, "compressed: " + Files.size(compressed));
    }

    @Test
    void framingIsMagicThenLengthPrefixedBlocks() throws Exception {
        byte[] data = input();
        ByteArrayOutputStream out = new ByteArrayOutputStream();
        try (Lz4LegacyOutputStream lz4 = new Lz4LegacyOutputStream(out, 0)) {
            lz4.write(data);
        }
        ByteBuffer b = ByteBuffer.wrap(out.toByteArray()).order(ByteOrder.LITTLE_ENDIAN);
        assertEquals(0x184C2102, b.getInt());
        int blocks = 0;
        while (b.hasRemaining()) {
            int length = b.getInt();
            assertTrue(length > 0 && length <= b.remaining(), "block length " + length);
            b.position(b.position() + length);
            blocks++;
        }
        assertEquals(2, blocks, "one full 8 MiB block and the rest");
    }

    @Test
    void matchesTheSizeOfLz4ToolOutput() throws Exception {
        TestTools.requireTool("lz4", "lz4");
        byte[] data = input();
        Path raw = tmp.resolve("in");
        Files.write(raw, data);
        TestTools.run(tmp, null, "lz4", "-l", "-9", "-f", "-q", raw.toString(), tmp.resolve("cli.lz4").toString()).check();
        ByteArrayOutputStream ours = new ByteArrayOutputStream();
        try (Lz4LegacyOutputStream lz4 = new Lz4LegacyOutputStream(ours, 9)) {
            lz4.write(data);
        }
        long cli = Files.size(tmp.resolve("cli.lz4"));
        assertTrue(Math.abs(ours.size() - cli) < cli / 50, "ours " + ours.size() + " vs lz4 -l -9 " + cli);
    }
}
