package dev.pith.core.virtio;

import java.lang.foreign.MemorySegment;

/**
 * A window of device registers: little-endian fields read and written one access at a time, of
 * exactly the field's width (virtio 1.2 §4.1.3.1: 8-bit accesses for 8-bit fields, aligned 16-
 * and 32-bit accesses for wider ones; a 64-bit field is two 32-bit halves, low first).
 *
 * <p>{@link #mmio} is the real thing over a mapped BAR; tests implement this interface with a
 * device written in Java ({@code dev.pith.core.virtio.testing}), so the transport's handshake runs
 * unchanged against both. Values are unsigned: {@link #read8} returns 0–255, {@link #read16}
 * 0–65535; writes use the low bits of their argument.
 */
public interface Registers {

    /** Returns the window's size in bytes. */
    long size();

    int read8(long offset);

    int read16(long offset);

    int read32(long offset);

    void write8(long offset, int value);

    void write16(long offset, int value);

    void write32(long offset, int value);

    /** Reads a 64-bit field as two 32-bit accesses, low half first (§4.1.3.1). */
    default long read64(long offset) {
        long low = Integer.toUnsignedLong(read32(offset));
        return low | (long) read32(offset + 4) << 32;
    }

    /** Writes a 64-bit field as two 32-bit accesses, low half first (§4.1.3.1). */
    default void write64(long offset, long value) {
        write32(offset, (int) value);
        write32(offset + 4, (int) (value >>> 32));
    }

    /**
     * Returns registers over {@code window}, a mapped BAR slice or any native memory: each access
     * is one volatile load or store of exactly its width, through a {@code static final}
     * VarHandle, and a misaligned offset throws instead of splitting the access.
     */
    static Registers mmio(MemorySegment window) {
        return new MmioRegisters(window);
    }
}
