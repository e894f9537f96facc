package dev.pith.block.virtio;

import dev.pith.core.buffer.DmaRegion;
import dev.pith.core.dma.DmaArena;
import dev.pith.core.virtio.VirtioException;
import java.nio.ByteBuffer;

/**
 * DMA buffers for requests whose caller buffer the device cannot reach (heap memory, or direct
 * memory without a physical address): the data is copied through one of these, which costs a copy
 * per byte and is counted. Each buffer is one region, so physically contiguous.
 */
final class BouncePool {

    private final DmaRegion[] regions;
    /** A reusable view of each region for ByteBuf.getBytes/setBytes; position and limit are set per use. */
    private final ByteBuffer[] views;
    private final int[] free;
    private int freeCount;
    private final int bufferBytes;

    private BouncePool(DmaRegion[] regions, int bufferBytes) {
        this.regions = regions;
        this.bufferBytes = bufferBytes;
        this.views = new ByteBuffer[regions.length];
        this.free = new int[regions.length];
        for (int i = 0; i < regions.length; i++) {
            views[i] = regions[i].memory().asByteBuffer();
            free[i] = i;
        }
        this.freeCount = regions.length;
    }

    /**
     * Carves {@code count} buffers of {@code bytes} (rounded down to whole sectors, at most one DMA
     * chunk, at least one sector) from {@code dma}.
     */
    static BouncePool allocate(String name, DmaArena dma, int count, int bytes, int sectorSize)
            throws VirtioException {
        long size = Math.min(Math.max(bytes, sectorSize), dma.chunkSize());
        size -= size % sectorSize;
        if (size < sectorSize) {
            throw new VirtioException(name + ": a sector of " + sectorSize + " bytes does not fit one physically"
                    + " contiguous chunk of the DMA arena (" + dma.chunkSize() + " bytes)");
        }
        DmaRegion[] regions = new DmaRegion[count];
        for (int i = 0; i < count; i++) {
            regions[i] = dma.allocate(size, Math.min(Math.min(size & -size, 4096), dma.chunkSize()));
        }
        return new BouncePool(regions, (int) size);
    }

    /** Returns a free buffer's number, or -1 if all are in use. */
    int take() {
        return freeCount == 0 ? -1 : free[--freeCount];
    }

    void give(int buffer) {
        free[freeCount++] = buffer;
    }

    long address(int buffer) {
        return regions[buffer].physicalAddress();
    }

    /** Returns buffer {@code buffer}'s view with position 0 and limit {@code length}. */
    ByteBuffer view(int buffer, int length) {
        return views[buffer].clear().limit(length);
    }

    int bufferBytes() {
        return bufferBytes;
    }

    int capacity() {
        return regions.length;
    }

    int available() {
        return freeCount;
    }
}
