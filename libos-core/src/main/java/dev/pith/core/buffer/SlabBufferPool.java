package dev.pith.core.buffer;

import io.netty.buffer.ByteBuf;
import io.netty.buffer.ByteBufAllocator;
import io.netty.buffer.UnpooledDirectByteBuf;
import io.netty.util.ResourceLeakDetector;
import io.netty.util.ResourceLeakDetectorFactory;
import io.netty.util.ResourceLeakTracker;
import java.lang.foreign.MemorySegment;
import java.lang.foreign.ValueLayout;
import java.util.Arrays;
import java.util.Objects;

/**
 * {@code capacity} buffers of {@code bufferSize} bytes carved from one {@link DmaRegion}: buffer
 * {@code i} is the region's bytes {@code [i * bufferSize, (i + 1) * bufferSize)}. In the guest the
 * region is hugepage memory and the buffers are {@link DmaBuffer}s; over a region without a
 * physical address they are not.
 *
 * <pre>{@code
 * DmaRegion region = new DmaRegion(arena.allocate(256 * 2048, 4096), physicalBase);
 * try (var pool = new SlabBufferPool(region, 2048, 256)) {
 *     ByteBuf frame = pool.tryAllocate();   // null when all 256 are out: drop and count
 *     ...
 *     frame.release();                      // back to the pool, on any thread
 * }
 * }</pre>
 *
 * <p>Each buffer is one Netty {@link ByteBuf} object made up front, reused for the life of the
 * pool: its last {@code release()} puts the same object back on the free list instead of freeing
 * memory, and allocation resets it. Its capacity and maximum capacity are {@code bufferSize};
 * it cannot grow or shrink, so writing past the end throws {@link IndexOutOfBoundsException} as
 * Netty does for any buffer at its maximum capacity. Allocating and releasing allocate nothing
 * unless the leak detector samples the buffer (1 in 128 by default, every one at paranoid level).
 *
 * <p>The pool does not own the region's memory: close the pool, then free the memory.
 */
public final class SlabBufferPool implements PacketBufferPool {

    private final DmaRegion region;
    private final int bufferSize;
    private final int capacity;
    private final ResourceLeakDetector<ByteBuf> leakDetector;
    /** Whether {@code touch} records a trace (advanced and paranoid level), as Netty's AdvancedLeakAwareByteBuf does. */
    private final boolean recordTouches;

    // A plain array stack under one lock. Release happens on any thread (frames travel to virtual
    // threads), so the free list must be thread-safe, and a lock is the simplest structure that is
    // also allocation-free: ConcurrentLinkedQueue allocates a node per offer, and a lock-free
    // stack over an int array needs a stamped head against ABA. The critical section is a few
    // instructions, and since JDK 24 a virtual thread blocked on a monitor does not pin its
    // carrier (JEP 491). LIFO order also hands out the buffer most recently used, still in cache.
    private final Object lock = new Object();
    /** Free buffers in {@code free[0 .. freeCount)}; other slots are null so an allocated buffer is reachable only through its holders, and a leaked one can be collected and reported. Guarded by {@code lock}. */
    private final Buffer[] free;
    private int freeCount;
    /** Buffers allocated and not yet returned. Guarded by {@code lock}. */
    private int outstanding;
    /** Guarded by {@code lock}. */
    private long exhaustedCount;
    /** Guarded by {@code lock}. */
    private boolean closed;

    /**
     * Carves {@code capacity} buffers of {@code bufferSize} bytes from the start of {@code region}.
     * A {@code bufferSize} that is a multiple of 64 keeps every buffer cache-line aligned if the
     * region is.
     *
     * @throws IllegalArgumentException if a size is not positive or the region is too small
     */
    public SlabBufferPool(DmaRegion region, int bufferSize, int capacity) {
        this.region = Objects.requireNonNull(region, "region == null");
        if (bufferSize <= 0 || capacity <= 0) {
            throw new IllegalArgumentException("bufferSize <= 0 or capacity <= 0: " + bufferSize + ", " + capacity);
        }
        long needed = (long) bufferSize * capacity;
        if (needed > region.memory().byteSize()) {
            throw new IllegalArgumentException(capacity + " buffers of " + bufferSize + " bytes need " + needed
                    + " bytes; the region has " + region.memory().byteSize());
        }
        this.bufferSize = bufferSize;
        this.capacity = capacity;
        this.leakDetector = ResourceLeakDetectorFactory.instance().newResourceLeakDetector(ByteBuf.class);
        this.recordTouches = leakDetector.isRecordEnabled();
        this.free = new Buffer[capacity];
        for (int i = 0; i < capacity; i++) { // stacked so the first allocation gets buffer 0
            MemorySegment slice = region.memory().asSlice((long) i * bufferSize, bufferSize);
            free[capacity - 1 - i] = region.hasPhysicalAddress()
                    ? new DmaSlabBuffer(slice, region.physicalAddress() + (long) i * bufferSize)
                    : new Buffer(slice);
        }
        this.freeCount = capacity;
    }

    /** Returns the region the buffers are carved from. */
    public DmaRegion region() {
        return region;
    }

    @Override
    public ByteBuf tryAllocate() {
        Buffer buffer;
        synchronized (lock) {
            if (closed) {
                throw new IllegalStateException("pool closed");
            }
            if (freeCount == 0) {
                exhaustedCount++;
                return null;
            }
            buffer = free[--freeCount];
            free[freeCount] = null;
            outstanding++;
        }
        buffer.reuse(leakDetector.track(buffer));
        return buffer;
    }

    /** Puts a buffer whose count reached zero back on the free list. */
    private void recycle(Buffer buffer) {
        synchronized (lock) {
            free[freeCount++] = buffer;
            outstanding--;
        }
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
        synchronized (lock) {
            return outstanding;
        }
    }

    @Override
    public long exhaustedCount() {
        synchronized (lock) {
            return exhaustedCount;
        }
    }

    @Override
    public void close() {
        synchronized (lock) {
            if (closed) {
                return;
            }
            if (outstanding != 0) {
                throw new IllegalStateException(outstanding + " of " + capacity + " buffers still outstanding"
                        + " (not released, or leaked)");
            }
            closed = true;
            Arrays.fill(free, null);
            freeCount = 0;
        }
    }

    @Override
    public String toString() {
        synchronized (lock) {
            return "SlabBufferPool[" + capacity + " x " + bufferSize + " bytes, " + outstanding + " outstanding, "
                    + exhaustedCount + " exhausted" + (closed ? ", closed]" : "]");
        }
    }

    /**
     * One pool buffer over its slice of the region. Fields besides Netty's: {@code leak} is the
     * tracker of the current allocation, or null when the buffer is free or was not sampled.
     */
    private class Buffer extends UnpooledDirectByteBuf {

        private ResourceLeakTracker<ByteBuf> leak;
        /** The same bytes as Netty's ByteBuffer: copies out of them need no duplicate of it. */
        private final MemorySegment memory;

        Buffer(MemorySegment memory) {
            super(ByteBufAllocator.DEFAULT, memory.asByteBuffer(), bufferSize);
            this.memory = memory;
        }

        /**
         * Copies into {@code dst} without allocating: UnpooledDirectByteBuf duplicates its
         * ByteBuffer on every such call (about 64 B), and TCP copies each received segment's payload
         * into its receive buffer this way.
         */
        @Override
        public final ByteBuf getBytes(int index, byte[] dst, int dstIndex, int length) {
            checkDstIndex(index, length, dstIndex, dst.length);
            MemorySegment.copy(memory, ValueLayout.JAVA_BYTE, index, dst, dstIndex, length);
            return this;
        }

        /** Makes a free buffer new: count 1, indices and marks 0, tracked by {@code leak}. */
        final void reuse(ResourceLeakTracker<ByteBuf> leak) {
            // The count stays 0 from the last release until here, so a second release() throws
            // instead of putting the buffer on the free list twice.
            resetRefCnt();
            setIndex(0, 0);
            markReaderIndex();
            markWriterIndex();
            this.leak = leak;
        }

        @Override
        protected final void deallocate() {
            ResourceLeakTracker<ByteBuf> tracker = leak;
            if (tracker != null) {
                leak = null;
                tracker.close(this);
            }
            recycle(this);
        }

        @Override
        public final ByteBuf capacity(int newCapacity) {
            checkNewCapacity(newCapacity); // IllegalArgumentException beyond maxCapacity, as Netty's
            if (newCapacity != capacity()) {
                // UnpooledDirectByteBuf would move to new memory; a pool buffer is its slice of the region.
                throw new UnsupportedOperationException("a pool buffer's capacity is fixed at " + capacity() + " bytes");
            }
            return this;
        }

        @Override
        public final ByteBuf touch() {
            return touch(null);
        }

        @Override
        public final ByteBuf touch(Object hint) {
            ResourceLeakTracker<ByteBuf> tracker = leak;
            if (tracker != null && recordTouches) {
                if (hint == null) {
                    tracker.record();
                } else {
                    tracker.record(hint);
                }
            }
            return this;
        }
    }

    /** A pool buffer over DMA memory. {@code physicalAddress} is that of index 0. */
    private final class DmaSlabBuffer extends Buffer implements DmaBuffer {

        private final long physicalAddress;

        DmaSlabBuffer(MemorySegment memory, long physicalAddress) {
            super(memory);
            this.physicalAddress = physicalAddress;
        }

        @Override
        public long physicalAddress() {
            return physicalAddress;
        }

        @Override
        public long physicalAddress(int index) {
            return physicalAddress + Objects.checkIndex(index, capacity());
        }
    }
}
