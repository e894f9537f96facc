package dev.pith.block.virtio;

import static dev.pith.block.virtio.VirtioBlkProtocol.HEADER_LENGTH;
import static dev.pith.block.virtio.VirtioBlkProtocol.HEADER_RESERVED;
import static dev.pith.block.virtio.VirtioBlkProtocol.HEADER_SECTOR;
import static dev.pith.block.virtio.VirtioBlkProtocol.HEADER_TYPE;
import static dev.pith.block.virtio.VirtioBlkProtocol.S_NOT_WRITTEN;

import dev.pith.core.buffer.DmaRegion;
import dev.pith.core.dma.DmaArena;
import java.lang.foreign.MemorySegment;
import java.lang.foreign.ValueLayout;
import java.lang.invoke.VarHandle;
import java.nio.ByteOrder;

/**
 * One virtio-blk request in flight, preallocated: its 16-byte header and 1-byte status in DMA
 * memory (§5.2.6 struct virtio_blk_req without the data), and which part of which caller request
 * it carries. The driver owns {@code maxInFlight} of them for good and reuses them; the token of
 * each exposed chain is its slot.
 */
final class RequestSlot {

    /** Bytes of DMA memory per slot: the header, then the status byte, padded to keep headers 16-aligned. */
    static final int BYTES = 32;
    private static final int STATUS_OFFSET = HEADER_LENGTH;

    private static final VarHandle LE32 = ValueLayout.JAVA_INT.withOrder(ByteOrder.LITTLE_ENDIAN).varHandle();
    private static final VarHandle LE64 = ValueLayout.JAVA_LONG.withOrder(ByteOrder.LITTLE_ENDIAN).varHandle();
    private static final VarHandle U8 = ValueLayout.JAVA_BYTE.varHandle();

    final int index;
    private final MemorySegment memory;
    final long headerAddress;
    final long statusAddress;

    /** The caller's request this chain carries part of; null while the slot is free. */
    BlockRequest request;
    /** Where this chain's data starts within the request, in bytes. */
    int offset;
    /** This chain's data bytes; 0 for a flush. */
    int length;
    /** The bounce buffer the data goes through, or -1 when the device reaches the caller's buffer directly. */
    int bounce = -1;
    /** The loop clock's reading when the chain was exposed, for the request timeout. */
    long exposedAt;

    private RequestSlot(int index, MemorySegment memory, long physicalAddress) {
        this.index = index;
        this.memory = memory;
        this.headerAddress = physicalAddress;
        this.statusAddress = physicalAddress + STATUS_OFFSET;
    }

    /** Carves {@code count} slots from {@code dma}, as many per region as fit one physically contiguous chunk. */
    static RequestSlot[] allocate(DmaArena dma, int count) {
        RequestSlot[] slots = new RequestSlot[count];
        int perRegion = (int) Math.min(count, dma.chunkSize() / BYTES);
        for (int first = 0; first < count; first += perRegion) {
            int inRegion = Math.min(perRegion, count - first);
            DmaRegion region = dma.allocate((long) inRegion * BYTES, BYTES);
            for (int i = 0; i < inRegion; i++) {
                slots[first + i] = new RequestSlot(first + i, region.memory().asSlice((long) i * BYTES, BYTES),
                        region.physicalAddress() + (long) i * BYTES);
            }
        }
        return slots;
    }

    /** Writes the header for a request of {@code type} at 512-byte {@code sector}, and marks the status unwritten. */
    void prepare(int type, long sector) {
        LE32.set(memory, (long) HEADER_TYPE, type);
        LE32.set(memory, (long) HEADER_RESERVED, 0);
        LE64.set(memory, (long) HEADER_SECTOR, sector);
        // No device writes 0xff: if it is still there when the chain comes back, the device never wrote a status.
        U8.set(memory, (long) STATUS_OFFSET, (byte) S_NOT_WRITTEN);
    }

    /** Returns the status byte the device wrote, 0–255. */
    int status() {
        return Byte.toUnsignedInt((byte) U8.get(memory, (long) STATUS_OFFSET));
    }

    /** Marks the slot free. */
    void clear() {
        request = null;
        offset = 0;
        length = 0;
        bounce = -1;
    }
}
