package dev.pith.core.virtio;

import java.lang.foreign.MemorySegment;
import java.lang.foreign.ValueLayout;
import java.lang.invoke.VarHandle;
import java.nio.ByteOrder;
import java.util.Objects;

/**
 * {@link Registers} over memory-mapped I/O. Volatile accesses of aligned layouts compile to one
 * load or store of the field's width (a {@code mov} on x86), never to byte-wise copies, and keep
 * their program order with each other: what device registers need (DESIGN.md §3).
 */
final class MmioRegisters implements Registers {

    private static final VarHandle U8 = ValueLayout.JAVA_BYTE.varHandle();
    private static final VarHandle LE16 = ValueLayout.JAVA_SHORT.withOrder(ByteOrder.LITTLE_ENDIAN).varHandle();
    private static final VarHandle LE32 = ValueLayout.JAVA_INT.withOrder(ByteOrder.LITTLE_ENDIAN).varHandle();

    private final MemorySegment window;

    MmioRegisters(MemorySegment window) {
        this.window = Objects.requireNonNull(window, "window == null");
        if (!window.isNative()) {
            throw new IllegalArgumentException("registers must be native memory: " + window);
        }
    }

    @Override
    public long size() {
        return window.byteSize();
    }

    @Override
    public int read8(long offset) {
        return Byte.toUnsignedInt((byte) U8.getVolatile(window, offset));
    }

    @Override
    public int read16(long offset) {
        return Short.toUnsignedInt((short) LE16.getVolatile(window, offset));
    }

    @Override
    public int read32(long offset) {
        return (int) LE32.getVolatile(window, offset);
    }

    @Override
    public void write8(long offset, int value) {
        U8.setVolatile(window, offset, (byte) value);
    }

    @Override
    public void write16(long offset, int value) {
        LE16.setVolatile(window, offset, (short) value);
    }

    @Override
    public void write32(long offset, int value) {
        LE32.setVolatile(window, offset, value);
    }

    @Override
    public String toString() {
        return "MMIO registers at 0x" + Long.toHexString(window.address()) + ", " + window.byteSize() + " bytes";
    }
}
