package dev.pith.image.initramfs;

import java.io.IOException;
import java.io.OutputStream;
import java.util.Objects;
import net.jpountz.lz4.LZ4Compressor;
import net.jpountz.lz4.LZ4Factory;

/**
 * Writes the LZ4 <em>legacy</em> frame format, the one {@code lz4 -l} writes and the only one
 * Linux's initramfs unpacker reads ({@code lib/decompress_unlz4.c}): the magic number
 * {@code 0x184C2102} (little-endian), then for every 8 MiB of input one block, its compressed
 * length as a little-endian 32-bit number followed by an independent LZ4 block. The last block
 * may be shorter; there is no end mark, no checksum and no content size.
 *
 * <p>lz4-java has no legacy framing (its {@code LZ4FrameOutputStream} writes the newer frame
 * format, which the kernel rejects), so this class frames its block compressor. It uses the
 * pure-Java compressor: no JNI library is loaded (no native-access warning on JDK 25), and the
 * output is the same on every machine.
 *
 * <p>Not thread-safe. {@link #finish()} writes the last block; {@link #close()} finishes and
 * closes the sink.
 */
public final class Lz4LegacyOutputStream extends OutputStream {
    /** The legacy frame's magic number, written little-endian. */
    public static final int MAGIC = 0x184C2102;
    /** Uncompressed bytes per block: fixed at 8 MiB by the format. */
    public static final int BLOCK_SIZE = 8 << 20;
    /** The compression level of {@code lz4 -9}: LZ4 HC, level 9. */
    public static final int DEFAULT_LEVEL = 9;

    private final OutputStream sink;
    private final LZ4Compressor compressor;
    private final byte[] block = new byte[BLOCK_SIZE];
    private final byte[] compressed;
    private int blockLength;
    private boolean finished;

    /**
     * A stream that compresses into {@code sink} at {@code level}: 0 for LZ4's fast compressor
     * ({@code lz4 -1}), 1 to 17 for LZ4 HC at that level ({@code lz4 -9} is 9).
     */
    public Lz4LegacyOutputStream(OutputStream sink, int level) throws IOException {
        this.sink = Objects.requireNonNull(sink, "sink == null");
        if (level < 0 || level > 17) {
            throw new IllegalArgumentException("level < 0 || level > 17: " + level);
        }
        LZ4Factory factory = LZ4Factory.safeInstance();
        this.compressor = level == 0 ? factory.fastCompressor() : factory.highCompressor(level);
        this.compressed = new byte[compressor.maxCompressedLength(BLOCK_SIZE)];
        writeIntLe(MAGIC);
    }

    @Override
    public void write(int b) throws IOException {
        ensureOpen();
        block[blockLength++] = (byte) b;
        if (blockLength == BLOCK_SIZE) {
            writeBlock();
        }
    }

    @Override
    public void write(byte[] b, int off, int len) throws IOException {
        Objects.checkFromIndexSize(off, len, b.length);
        ensureOpen();
        while (len > 0) {
            int n = Math.min(len, BLOCK_SIZE - blockLength);
            System.arraycopy(b, off, block, blockLength, n);
            blockLength += n;
            off += n;
            len -= n;
            if (blockLength == BLOCK_SIZE) {
                writeBlock();
            }
        }
    }

    /** Writes the last, partial block; further writes fail. The sink stays open. */
    public void finish() throws IOException {
        if (finished) {
            return;
        }
        if (blockLength > 0) {
            writeBlock();
        }
        finished = true;
        sink.flush();
    }

    /** Flushes the sink; a partial block stays buffered, since every block but the last is full. */
    @Override
    public void flush() throws IOException {
        sink.flush();
    }

    @Override
    public void close() throws IOException {
        try {
            finish();
        } finally {
            sink.close();
        }
    }

    private void writeBlock() throws IOException {
        int length = compressor.compress(block, 0, blockLength, compressed, 0, compressed.length);
        writeIntLe(length);
        sink.write(compressed, 0, length);
        blockLength = 0;
    }

    private void writeIntLe(int v) throws IOException {
        sink.write(new byte[] {(byte) v, (byte) (v >>> 8), (byte) (v >>> 16), (byte) (v >>> 24)});
    }

    private void ensureOpen() throws IOException {
        if (finished) {
            throw new IOException("LZ4 stream already finished");
        }
    }
}
