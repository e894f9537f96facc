package dev.pith.core.sys;

import static dev.pith.core.sys.Linux.CLOCK_MONOTONIC;
import static dev.pith.core.sys.Linux.O_CLOEXEC;
import static dev.pith.core.sys.Linux.POLLIN;
import static org.junit.jupiter.api.Assertions.fail;

import java.lang.foreign.Arena;
import java.lang.foreign.MemorySegment;
import java.lang.reflect.Method;
import java.util.Arrays;
import org.junit.jupiter.api.Test;

/**
 * The per-packet calls allocate no Java heap once compiled (see Scratch).
 *
 * <p>Interpreted, a downcall allocates about 40 bytes in the method-handle machinery whatever this package does, so
 * the test measures batches until the JIT has compiled the loop, and fails only if no batch is allocation-free.
 */
class AllocationTest {
    private static final int ROUNDS_PER_BATCH = 10_000;
    private static final int MAX_BATCHES = 50;
    /**
     * Eager message formatting costs about 24 bytes a call, an exception far more: megabytes a batch. A confined Arena
     * per call would not show: C2 scalar-replaces it and its memory is malloc'd, off the heap.
     */
    private static final long QUIET_BYTES = 1024;

    @Test
    void writePollReadAndClockAllocateNothingOnceCompiled() throws Throwable {
        Object threads = Class.forName("java.lang.management.ManagementFactory")
                .getMethod("getThreadMXBean").invoke(null);
        Method allocatedBytes = Class.forName("com.sun.management.ThreadMXBean")
                .getMethod("getCurrentThreadAllocatedBytes");
        try (TestLibc.Pipe pipe = TestLibc.pipe(O_CLOEXEC); Arena arena = Arena.ofConfined()) {
            MemorySegment packet = arena.allocate(64);
            long[] perBatch = new long[MAX_BATCHES];
            for (int batch = 0; batch < MAX_BATCHES; batch++) {
                long before = (long) allocatedBytes.invoke(threads);
                for (int i = 0; i < ROUNDS_PER_BATCH; i++) {
                    round(pipe, packet);
                }
                perBatch[batch] = (long) allocatedBytes.invoke(threads) - before;
                if (perBatch[batch] < QUIET_BYTES) {
                    return;
                }
            }
            fail("every batch of " + ROUNDS_PER_BATCH + " rounds allocated: " + Arrays.toString(perBatch));
        }
    }

    /** One packet's worth of calls, as an event loop over a TAP device makes them. */
    private static void round(TestLibc.Pipe pipe, MemorySegment packet) throws SyscallException {
        Linux.write(pipe.writeEnd, packet);
        Linux.poll(pipe.readEnd, POLLIN, 0);
        Linux.read(pipe.readEnd, packet);
        Linux.clock_gettime(CLOCK_MONOTONIC);
    }
}
