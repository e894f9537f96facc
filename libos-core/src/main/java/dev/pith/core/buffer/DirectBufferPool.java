package dev.pith.core.buffer;

import io.netty.buffer.ByteBuf;
import java.lang.foreign.Arena;

/**
 * Packet buffers for the hosted platform: a {@link SlabBufferPool} over memory from its own shared
 * {@link Arena}, without physical addresses, so its buffers are not {@link DmaBuffer}s.
 *
 * <p>Why not Netty's {@code PooledByteBufAllocator}: bounding the number of outstanding buffers
 * needs to see each buffer's last release, and a pooled buffer's {@code deallocate} cannot be
 * overridden. A wrapper would not do either: slices of a wrapper are slices of the buffer inside,
 * so their release bypasses it, and catching those means wrapping every derived buffer too (what
 * Netty's own leak-aware wrappers do), an allocation per buffer and per slice. A slab is bounded by
 * construction and is the same code the guest runs; the cost is that all
 * {@code capacity * bufferSize} bytes are reserved up front (2 MiB for 1024 buffers of 2 KiB).
 */
public final class DirectBufferPool implements PacketBufferPool {

    private final Arena arena = Arena.ofShared();
    private final SlabBufferPool slab;
    /** Guarded by {@code this}. */
    private boolean closed;

    /**
     * Reserves {@code capacity} buffers of {@code bufferSize} bytes.
     *
     * @throws IllegalArgumentException if a size is not positive
     */
    public DirectBufferPool(int bufferSize, int capacity) {
        if (bufferSize <= 0 || capacity <= 0) {
            throw new IllegalArgumentException("bufferSize <= 0 or capacity <= 0: " + bufferSize + ", " + capacity);
        }
        try {
            DmaRegion region = new DmaRegion(arena.allocate((long) bufferSize * capacity, 4096), DmaRegion.NO_PHYSICAL_ADDRESS);
            this.slab = new SlabBufferPool(region, bufferSize, capacity);
        } catch (RuntimeException | Error e) {
            arena.close();
            throw e;
        }
    }

    @Override
    public ByteBuf tryAllocate() {
        return slab.tryAllocate();
    }

    @Override
    public int bufferSize() {
        return slab.bufferSize();
    }

    @Override
    public int capacity() {
        return slab.capacity();
    }

    @Override
    public int outstanding() {
        return slab.outstanding();
    }

    @Override
    public long exhaustedCount() {
        return slab.exhaustedCount();
    }

    /** Frees the memory, unless buffers are outstanding: then it throws and the memory stays valid. */
    @Override
    public synchronized void close() {
        if (closed) {
            return;
        }
        slab.close(); // throws if buffers are outstanding, before the memory goes
        arena.close();
        closed = true;
    }

    @Override
    public String toString() {
        return "DirectBufferPool[" + capacity() + " x " + bufferSize() + " bytes, " + outstanding() + " outstanding, "
                + exhaustedCount() + " exhausted]";
    }
}
