package dev.pith.core.buffer;

import java.lang.foreign.MemorySegment;
import java.util.Objects;

/**
 * A range of memory and the physical address of its first byte, as ixy's
 * {@code struct dma_memory { virt, phy }}. The range is physically contiguous: byte {@code i} is at
 * {@code physicalAddress + i}.
 *
 * <p>The record does not own the memory: whoever allocated it (the guest's hugepage allocator, a
 * test's {@code Arena}) frees it, after the pools carved from it are closed.
 *
 * @param memory native memory
 * @param physicalAddress the address a device uses for {@code memory}'s first byte, or -1 when the
 *     memory has none a device could use (ordinary memory in hosted mode)
 */
public record DmaRegion(MemorySegment memory, long physicalAddress) {

    /** The {@code physicalAddress} of memory a device cannot address. */
    public static final long NO_PHYSICAL_ADDRESS = -1;

    public DmaRegion {
        Objects.requireNonNull(memory, "memory == null");
        if (!memory.isNative()) {
            throw new IllegalArgumentException("memory must be native, not on the Java heap: " + memory);
        }
        if (physicalAddress < NO_PHYSICAL_ADDRESS) {
            throw new IllegalArgumentException("physicalAddress < -1: " + physicalAddress);
        }
        if (physicalAddress != NO_PHYSICAL_ADDRESS && physicalAddress > Long.MAX_VALUE - memory.byteSize()) {
            throw new IllegalArgumentException("physicalAddress 0x" + Long.toHexString(physicalAddress) + " + "
                    + memory.byteSize() + " bytes overflows");
        }
    }

    /** Returns whether a device can address this memory. */
    public boolean hasPhysicalAddress() {
        return physicalAddress != NO_PHYSICAL_ADDRESS;
    }
}
