package dev.pith.core.buffer;

/**
 * A buffer whose memory a device can address: a root buffer over a {@link DmaRegion} with a
 * physical address. Derived buffers (slices, duplicates) never implement it; see
 * {@link PacketBuffers#physicalAddress}.
 */
public interface DmaBuffer {

    /** Returns the physical address of index 0; never -1. */
    long physicalAddress();

    /** Returns the physical address of {@code index}, which implementations check against the buffer's capacity. */
    default long physicalAddress(int index) {
        return physicalAddress() + index;
    }
}
