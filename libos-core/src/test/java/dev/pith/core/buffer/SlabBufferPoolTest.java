package dev.pith.core.buffer;

import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertInstanceOf;
import static org.junit.jupiter.api.Assertions.assertNotNull;
import static org.junit.jupiter.api.Assertions.assertNull;
import static org.junit.jupiter.api.Assertions.assertSame;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import dev.pith.testing.LeakDetection;
import io.netty.buffer.ByteBuf;
import io.netty.buffer.Unpooled;
import io.netty.util.IllegalReferenceCountException;
import io.netty.util.ResourceLeakDetector;
import java.lang.foreign.Arena;
import java.lang.foreign.MemorySegment;
import java.lang.foreign.ValueLayout;
import java.lang.reflect.Method;
import java.nio.charset.StandardCharsets;
import java.util.ArrayList;
import java.util.Collections;
import java.util.IdentityHashMap;
import java.util.List;
import java.util.Set;
import java.util.TreeSet;
import java.util.concurrent.ArrayBlockingQueue;
import java.util.concurrent.BlockingQueue;
import java.util.concurrent.ConcurrentLinkedQueue;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.AtomicInteger;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.Timeout;
import org.junit.jupiter.api.extension.ExtendWith;

@ExtendWith(LeakDetection.class)
class SlabBufferPoolTest {

    /** A made-up physical base, as a hugepage's would be. */
    private static final long BASE = 0x4000_0000L;

    private Arena arena;

    @BeforeEach
    void openArena() {
        arena = Arena.ofShared();
    }

    @AfterEach
    void closeArena() {
        arena.close();
    }

    private DmaRegion region(long bytes, long physicalAddress) {
        return new DmaRegion(arena.allocate(bytes, 4096), physicalAddress);
    }

    private SlabBufferPool pool(int bufferSize, int capacity) {
        return new SlabBufferPool(region((long) bufferSize * capacity, BASE), bufferSize, capacity);
    }

    /** Where {@code buf}'s memory starts in the pool's region, found without asking the pool. */
    private static long offsetInRegion(SlabBufferPool pool, ByteBuf buf) {
        return MemorySegment.ofBuffer(buf.nioBuffer(0, 1)).address() - pool.region().memory().address();
    }

    // ---- allocation and exhaustion -------------------------------------------------------------

    @Test
    void exhaustedPoolReturnsNullAndCountsUntilABufferIsReleased() {
        SlabBufferPool pool = pool(256, 4);
        List<ByteBuf> taken = new ArrayList<>();
        for (int i = 0; i < 4; i++) {
            ByteBuf buf = pool.tryAllocate();
            assertNotNull(buf);
            taken.add(buf);
        }
        assertEquals(4, pool.outstanding());

        assertNull(pool.tryAllocate());
        assertNull(pool.tryAllocate());
        assertEquals(2, pool.exhaustedCount());

        ByteBuf dirty = taken.removeFirst();
        dirty.writeLong(42).readInt();
        dirty.markReaderIndex().markWriterIndex();
        assertTrue(dirty.release());
        assertEquals(3, pool.outstanding());

        ByteBuf again = pool.tryAllocate();
        assertSame(dirty, again, "the pool reuses its buffer objects");
        assertEquals(0, again.readerIndex());
        assertEquals(0, again.writerIndex());
        assertEquals(1, again.refCnt());
        again.resetWriterIndex().resetReaderIndex(); // marks were reset to 0 too
        assertEquals(0, again.readerIndex());
        assertEquals(0, again.writerIndex());
        assertEquals(256, again.capacity());
        assertEquals(256, again.maxCapacity());
        assertEquals(2, pool.exhaustedCount());

        again.release();
        taken.forEach(ByteBuf::release);
        assertEquals(0, pool.outstanding());
        pool.close();
    }

    @Test
    void copiesOutToAnArrayWithNettysBoundsChecks() {
        SlabBufferPool pool = pool(64, 1);
        ByteBuf buf = pool.tryAllocate();
        for (int i = 0; i < 64; i++) {
            buf.writeByte(i);
        }
        byte[] out = new byte[10];
        buf.getBytes(60, out, 3, 4);
        assertArrayEquals(new byte[] {0, 0, 0, 60, 61, 62, 63, 0, 0, 0}, out);
        assertEquals(0, buf.readerIndex(), "getBytes leaves the indices alone");
        assertThrows(IndexOutOfBoundsException.class, () -> buf.getBytes(61, out, 0, 4));
        assertThrows(IndexOutOfBoundsException.class, () -> buf.getBytes(0, out, 8, 4));
        buf.release();
        assertThrows(io.netty.util.IllegalReferenceCountException.class, () -> buf.getBytes(0, out, 0, 1));
    }

    @Test
    void bufferCannotGrowPastBufferSize() {
        SlabBufferPool pool = pool(64, 1);
        ByteBuf buf = pool.tryAllocate();
        buf.writeBytes(new byte[64]);
        assertFalse(buf.isWritable());
        assertThrows(IndexOutOfBoundsException.class, () -> buf.writeByte(1));
        assertThrows(IndexOutOfBoundsException.class, () -> buf.ensureWritable(1));
        assertThrows(IllegalArgumentException.class, () -> buf.capacity(65));
        assertThrows(UnsupportedOperationException.class, () -> buf.capacity(32), "shrinking would move it off the region");
        assertSame(buf, buf.capacity(64));
        assertEquals(64, buf.capacity());
        buf.release();
        pool.close();
    }

    @Test
    void constructorRefusesARegionTooSmall() {
        DmaRegion region = region(1000, BASE);
        var e = assertThrows(IllegalArgumentException.class, () -> new SlabBufferPool(region, 256, 4));
        assertEquals("4 buffers of 256 bytes need 1024 bytes; the region has 1000", e.getMessage());
        assertThrows(IllegalArgumentException.class, () -> new SlabBufferPool(region, 0, 4));
        assertThrows(IllegalArgumentException.class, () -> new SlabBufferPool(region, 256, 0));
    }

    // ---- memory and physical addresses ---------------------------------------------------------

    @Test
    void physicalAddressIsTheBasePlusTheOffsetOfTheSliceUsed() {
        SlabBufferPool pool = pool(256, 8);
        List<ByteBuf> all = new ArrayList<>();
        Set<Long> offsets = new TreeSet<>();
        for (ByteBuf buf; (buf = pool.tryAllocate()) != null; ) {
            all.add(buf);
            ByteBuf current = buf;
            long offset = offsetInRegion(pool, buf);
            assertEquals(0, offset % 256);
            assertTrue(offset >= 0 && offset < 8 * 256, "offset " + offset);
            assertTrue(offsets.add(offset), "two buffers share offset " + offset);

            DmaBuffer dma = assertInstanceOf(DmaBuffer.class, buf);
            assertEquals(BASE + offset, dma.physicalAddress());
            assertEquals(BASE + offset + 17, dma.physicalAddress(17));
            assertEquals(BASE + offset + 255, PacketBuffers.physicalAddress(buf, 255));
            assertThrows(IndexOutOfBoundsException.class, () -> dma.physicalAddress(256));
            assertThrows(IndexOutOfBoundsException.class, () -> PacketBuffers.physicalAddress(current, -1));
        }
        assertEquals(8, offsets.size());
        all.forEach(ByteBuf::release);
        pool.close();
    }

    @Test
    void dataWrittenThroughTheBufferIsInTheRegionAtItsOffset() {
        SlabBufferPool pool = pool(128, 4);
        ByteBuf other = pool.tryAllocate();
        ByteBuf buf = pool.tryAllocate();
        long offset = ((DmaBuffer) buf).physicalAddress() - BASE; // what a device would DMA to
        MemorySegment region = pool.region().memory();

        buf.writeBytes("hello".getBytes(StandardCharsets.US_ASCII));
        buf.setInt(100, 0xCAFEBABE);
        assertEquals("hello", new String(region.asSlice(offset, 5).toArray(ValueLayout.JAVA_BYTE), StandardCharsets.US_ASCII));
        assertEquals(0xCAFEBABE, region.get(ValueLayout.JAVA_INT_UNALIGNED.withOrder(java.nio.ByteOrder.BIG_ENDIAN), offset + 100));

        // And the other way: what the device writes, the stack reads.
        region.set(ValueLayout.JAVA_SHORT_UNALIGNED.withOrder(java.nio.ByteOrder.BIG_ENDIAN), offset + 20, (short) 0x0800);
        assertEquals(0x0800, buf.getUnsignedShort(20));

        buf.release();
        other.release();
        pool.close();
    }

    @Test
    void regionWithoutPhysicalAddressGivesBuffersThatAreNotDmaBuffers() {
        SlabBufferPool pool = new SlabBufferPool(region(4 * 256, DmaRegion.NO_PHYSICAL_ADDRESS), 256, 4);
        ByteBuf buf = pool.tryAllocate();
        assertFalse(buf instanceof DmaBuffer);
        assertEquals(-1, PacketBuffers.physicalAddress(buf, 0));
        assertEquals(-1, PacketBuffers.physicalAddress(buf.slice(8, 8), 0));
        buf.release();
        pool.close();
    }

    @Test
    void derivedBufferAddressIsFoundThroughItsRoot() {
        SlabBufferPool pool = pool(256, 2);
        ByteBuf root = pool.tryAllocate();
        long base = ((DmaBuffer) root).physicalAddress();
        ByteBuf slice = root.slice(10, 100);
        assertFalse(slice instanceof DmaBuffer);
        assertEquals(base + 13, PacketBuffers.physicalAddress(slice, 3));
        assertEquals(base + 15, PacketBuffers.physicalAddress(slice.slice(2, 50), 3));
        assertEquals(base + 3, PacketBuffers.physicalAddress(root.duplicate(), 3));
        assertEquals(base + 3, PacketBuffers.physicalAddress(root.asReadOnly(), 3));
        ByteBuf retained = root.retainedSlice(40, 10);
        assertEquals(base + 40, PacketBuffers.physicalAddress(retained, 0));
        retained.release();

        ByteBuf direct = Unpooled.directBuffer(16);
        assertEquals(-1, PacketBuffers.physicalAddress(direct, 0));
        assertEquals(-1, PacketBuffers.physicalAddress(direct.slice(0, 16), 0));
        direct.release();
        assertEquals(-1, PacketBuffers.physicalAddress(Unpooled.wrappedBuffer(new byte[4]), 0));

        root.release();
        pool.close();
    }

    // ---- reference counts ----------------------------------------------------------------------

    @Test
    void retainedSliceKeepsTheRootOutOfThePool() {
        SlabBufferPool pool = pool(256, 1);
        ByteBuf root = pool.tryAllocate();
        root.writeBytes(new byte[20]);
        ByteBuf slice = root.readRetainedSlice(8);

        assertFalse(root.release());
        assertEquals(1, pool.outstanding());
        assertNull(pool.tryAllocate());

        assertTrue(slice.release());
        assertEquals(0, pool.outstanding());
        ByteBuf again = pool.tryAllocate();
        assertSame(root, again);
        assertEquals(1, again.refCnt());
        again.release();
        pool.close();
    }

    @Test
    void doubleReleaseThrowsAndDoesNotReturnTheBufferTwice() {
        SlabBufferPool pool = pool(256, 2);
        ByteBuf buf = pool.tryAllocate();
        assertTrue(buf.release());
        assertThrows(IllegalReferenceCountException.class, buf::release);
        assertThrows(IllegalReferenceCountException.class, () -> buf.writeByte(1), "a free buffer is not accessible");
        assertEquals(0, pool.outstanding());

        ByteBuf a = pool.tryAllocate();
        ByteBuf b = pool.tryAllocate();
        assertNotNull(a);
        assertNotNull(b);
        assertFalse(a == b, "the free list held one buffer twice");
        assertNull(pool.tryAllocate());
        a.release();
        b.release();
        pool.close();
    }

    @Test
    @Timeout(60)
    void buffersReleasedOnOtherThreadsAllReturn() throws InterruptedException {
        int threads = 4;
        int cycles = 10_000;
        int capacity = 16;
        SlabBufferPool pool = pool(64, capacity);
        // Thread t sends what it allocates to queue t + 1, whose thread releases it. Queues hold the
        // whole pool, so offers never fail. A thread that finds the pool empty drains every queue,
        // so buffers sent to a thread that has finished come back too.
        List<BlockingQueue<ByteBuf>> queues = new ArrayList<>();
        for (int t = 0; t < threads; t++) {
            queues.add(new ArrayBlockingQueue<>(capacity));
        }
        AtomicInteger released = new AtomicInteger();
        ConcurrentLinkedQueue<Throwable> failures = new ConcurrentLinkedQueue<>();
        List<Thread> workers = new ArrayList<>();
        for (int t = 0; t < threads; t++) {
            int self = t;
            workers.add(Thread.ofPlatform().name("pool-worker-" + t).start(() -> {
                try {
                    for (int i = 0; i < cycles; i++) {
                        ByteBuf buf;
                        while ((buf = pool.tryAllocate()) == null) {
                            for (int q = 0; q < threads; q++) {
                                drain(queues.get(q), q, threads, released);
                            }
                            Thread.onSpinWait();
                        }
                        buf.writeInt(self);
                        assertTrue(queues.get((self + 1) % threads).offer(buf));
                        drain(queues.get(self), self, threads, released);
                    }
                } catch (Throwable e) {
                    failures.add(e);
                }
            }));
        }
        for (Thread worker : workers) {
            worker.join();
        }
        for (int q = 0; q < threads; q++) {
            drain(queues.get(q), q, threads, released);
        }
        assertTrue(failures.isEmpty(), () -> "worker failed: " + failures);
        assertEquals(threads * cycles, released.get());
        assertEquals(0, pool.outstanding());

        Set<ByteBuf> all = Collections.newSetFromMap(new IdentityHashMap<>());
        for (ByteBuf buf; (buf = pool.tryAllocate()) != null; ) {
            assertTrue(all.add(buf), "the free list held one buffer twice");
        }
        assertEquals(capacity, all.size());
        all.forEach(ByteBuf::release);
        pool.close();
    }

    private static void drain(BlockingQueue<ByteBuf> queue, int owner, int threads, AtomicInteger released) {
        for (ByteBuf buf; (buf = queue.poll()) != null; ) {
            assertEquals((owner + threads - 1) % threads, buf.readInt(), "sender");
            assertTrue(buf.release());
            released.incrementAndGet();
        }
    }

    @Test
    void steadyStateAllocatesNothing() throws ReflectiveOperationException {
        ResourceLeakDetector.Level level = ResourceLeakDetector.getLevel();
        // The leak detector allocates a tracker for each buffer it samples (all of them at
        // paranoid level, as tests run); production runs sample 1 in 128 or none.
        ResourceLeakDetector.setLevel(ResourceLeakDetector.Level.DISABLED);
        try {
            SlabBufferPool pool = pool(256, 8);
            cycle(pool, 20_000); // warm up: class loading, the monitor, the MXBean
            allocatedBytes();
            long before = allocatedBytes();
            cycle(pool, 100_000);
            long allocated = allocatedBytes() - before;
            assertTrue(allocated < 4096, allocated + " bytes allocated in 100000 allocate/release cycles");
            pool.close();
        } finally {
            ResourceLeakDetector.setLevel(level);
        }
    }

    /**
     * Returns the bytes this thread has allocated. Reflective because test sources compile inside
     * module dev.pith.core, which does not read jdk.management; tests run on the class path.
     */
    private static long allocatedBytes() throws ReflectiveOperationException {
        if (threadMXBean == null) {
            threadMXBean = Class.forName("java.lang.management.ManagementFactory").getMethod("getThreadMXBean").invoke(null);
            currentThreadAllocatedBytes = Class.forName("com.sun.management.ThreadMXBean").getMethod("getCurrentThreadAllocatedBytes");
        }
        return (long) currentThreadAllocatedBytes.invoke(threadMXBean);
    }

    private static Object threadMXBean;
    private static Method currentThreadAllocatedBytes;

    private static void cycle(SlabBufferPool pool, int times) {
        for (int i = 0; i < times; i++) {
            ByteBuf buf = pool.tryAllocate();
            buf.writeInt(i);
            buf.release();
        }
    }

    // ---- close and leaks -----------------------------------------------------------------------

    @Test
    void closeWithAnOutstandingBufferThrowsAndNamesTheCount() {
        SlabBufferPool pool = pool(256, 4);
        ByteBuf buf = pool.tryAllocate();
        var e = assertThrows(IllegalStateException.class, pool::close);
        assertEquals("1 of 4 buffers still outstanding (not released, or leaked)", e.getMessage());

        buf.writeInt(1); // the pool stayed open: the buffer is still good
        buf.release();
        pool.close();
        pool.close(); // again: nothing
        assertThrows(IllegalStateException.class, pool::tryAllocate);
    }

    @Test
    void bufferDroppedWithoutReleaseIsReported(LeakDetection.Reports leaks) throws InterruptedException {
        // Expect Netty to log "LEAK: ByteBuf.release() was not called" for this test: that is the point.
        SlabBufferPool pool = pool(256, 4);
        allocateAndDrop(pool);
        // Netty reports when the detector tracks a buffer after the collector found the leak.
        for (int attempt = 0; attempt < 100 && leaks.isEmpty(); attempt++) {
            System.gc();
            Thread.sleep(10);
            pool.tryAllocate().release();
        }
        List<LeakDetection.Leak> reported = leaks.take();
        assertEquals(1, reported.size(), "leak reports");
        assertEquals("ByteBuf", reported.getFirst().resourceType());
        String records = reported.getFirst().records();
        assertTrue(records.contains("Hint: dropped by allocateAndDrop"), records);
        assertTrue(records.contains("SlabBufferPoolTest.allocateAndDrop"), records);

        assertEquals(1, pool.outstanding(), "a leaked buffer is lost to the pool");
        assertThrows(IllegalStateException.class, pool::close);
    }

    private static void allocateAndDrop(SlabBufferPool pool) {
        pool.tryAllocate().writeInt(7).touch("dropped by allocateAndDrop");
    }
}
