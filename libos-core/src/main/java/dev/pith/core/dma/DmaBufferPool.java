package dev.pith.core.dma;

import dev.pith.core.buffer.PacketBufferPool;
import dev.pith.core.buffer.SlabBufferPool;
import io.netty.buffer.ByteBuf;

/**
 * Packet buffers from several physically contiguous regions of one {@link DmaArena}: a
 * {@link SlabBufferPool} per region, tried in turn starting from the one that last had a buffer.
 * Each buffer is a {@link dev.pith.core.buffer.DmaBuffer}; it goes back to its own slab on release.
 *
 * <p>When buffers are plentiful an allocation asks one slab; near exhaustion it may ask them all,
 * which on 4 KiB locked pages (two 2 KiB buffers per slab) is the price of not having hugepages.
 */
final class DmaBufferPool implements PacketBufferPool {

    private final SlabBufferPool[] slabs;
    private final int bufferSize;
    private final int capacity;
    /** The slab to try first; racy on purpose, any value is correct. */
    private volatile int next;
    /** Guarded by {@code this}. */
    private long exhaustedCount;

    DmaBufferPool(SlabBufferPool[] slabs) {
        this.slabs = slabs.clone();
        this.bufferSize = slabs[0].bufferSize();
        int total = 0;
        for (SlabBufferPool slab : slabs) {
            total += slab.capacity();
        }
        this.capacity = total;
    }

    @Override
    public ByteBuf tryAllocate() {
        int start = next;
        for (int i = 0; i < slabs.length; i++) {
            int index = start + i < slabs.length ? start + i : start + i - slabs.length;
            ByteBuf buffer = slabs[index].tryAllocate();
            if (buffer != null) {
                if (index != start) {
                    next = index;
                }
                return buffer;
            }
        }
        synchronized (this) {
            exhaustedCount++;
        }
        return null;
    }

    @Override
    public int bufferSize() {
        return bufferSize;
    }

    @Override
    public int capacity() {
        return capacity;
    }

    @Override
    public int outstanding() {
        int outstanding = 0;
        for (SlabBufferPool slab : slabs) {
            outstanding += slab.outstanding();
        }
        return outstanding;
    }

    @Override
    public synchronized long exhaustedCount() {
        return exhaustedCount;
    }

    @Override
    public void close() {
        int outstanding = outstanding();
        if (outstanding != 0) {
            throw new IllegalStateException(outstanding + " of " + capacity + " buffers still outstanding"
                    + " (not released, or leaked)");
        }
        for (SlabBufferPool slab : slabs) {
            slab.close();
        }
    }

    @Override
    public String toString() {
        return "DmaBufferPool[" + capacity + " x " + bufferSize + " bytes in " + slabs.length + " regions, "
                + outstanding() + " outstanding, " + exhaustedCount() + " exhausted]";
    }
}
