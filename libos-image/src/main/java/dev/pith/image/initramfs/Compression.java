package dev.pith.image.initramfs;

import java.io.IOException;
import java.io.OutputStream;
import java.util.zip.Deflater;
import java.util.zip.GZIPOutputStream;

/**
 * How an initramfs is compressed. Linux detects the format by its magic number; each needs its
 * decompressor built into the kernel ({@link #kernelConfig()}). Debian's cloud kernel has both.
 *
 * <p>Measured on the cloud kernel under TCG (DESIGN.md §3): a plain archive unpacks fastest but
 * is largest, and the compressed archive and the unpacked tree are both in RAM while unpacking;
 * LZ4 costs little over none; gzip adds about 0.5–0.7 s.
 */
public enum Compression {
    /** A plain cpio archive. */
    NONE(".cpio", "CONFIG_BLK_DEV_INITRD"),
    /** gzip (RFC 1952) at level 9, through {@code java.util.zip}; what {@code gzip -9} writes. */
    GZIP(".cpio.gz", "CONFIG_RD_GZIP"),
    /**
     * LZ4 in the legacy frame format that {@code lz4 -l -9} writes and the kernel's unlz4 reads (LZ4
     * HC, level 9): a 75 MB JVM tree becomes 27.9 MB in about 4 s.
     */
    LZ4(".cpio.lz4", "CONFIG_RD_LZ4"),
    /**
     * The same format from LZ4's fast compressor ({@code lz4 -l -1}): about 12 times faster to
     * write, 25 % larger (35.3 MB for the same tree); as fast to unpack.
     */
    LZ4_FAST(".cpio.lz4", "CONFIG_RD_LZ4");

    private final String fileSuffix;
    private final String kernelConfig;

    Compression(String fileSuffix, String kernelConfig) {
        this.fileSuffix = fileSuffix;
        this.kernelConfig = kernelConfig;
    }

    /** The usual file name suffix of an archive in this format, such as {@code .cpio.lz4}. */
    public String fileSuffix() {
        return fileSuffix;
    }

    /** The kernel option that lets Linux unpack an initramfs in this format. */
    public String kernelConfig() {
        return kernelConfig;
    }

    /**
     * Wraps {@code sink} in a compressing stream; {@link #finish(OutputStream)} ends the
     * compressed stream without closing the sink.
     */
    OutputStream wrap(OutputStream sink) throws IOException {
        return switch (this) {
            case NONE -> sink;
            case GZIP -> new Gzip9OutputStream(sink);
            case LZ4 -> new Lz4LegacyOutputStream(sink, Lz4LegacyOutputStream.DEFAULT_LEVEL);
            case LZ4_FAST -> new Lz4LegacyOutputStream(sink, 0);
        };
    }

    /** Writes what ends the compressed stream that {@link #wrap} returned, and flushes it. */
    void finish(OutputStream wrapped) throws IOException {
        switch (this) {
            case NONE -> { }
            case GZIP -> ((Gzip9OutputStream) wrapped).finish();
            case LZ4, LZ4_FAST -> ((Lz4LegacyOutputStream) wrapped).finish();
        }
        wrapped.flush();
    }

    /** gzip at the best compression; the header has no name and mtime 0, so output is reproducible. */
    private static final class Gzip9OutputStream extends GZIPOutputStream {
        Gzip9OutputStream(OutputStream sink) throws IOException {
            super(sink, 1 << 16);
            def.setLevel(Deflater.BEST_COMPRESSION);
        }
    }
}
