package dev.pith.core.sys;

import java.lang.foreign.Arena;
import java.lang.foreign.MemorySegment;

/**
 * Per-thread native memory the calls reuse: the errno capture segment, one {@code struct pollfd} and one
 * {@code struct timespec}.
 *
 * <p>Why per thread and not per call: read, write, pread, pwrite, poll and clock_gettime sit on the event loop's hot
 * path (a TAP device reads and writes once per packet), and a confined Arena per call would allocate and free native
 * memory each time. Why not caller-provided: it would put a capture segment in every signature for a saving the
 * thread-local lookup already gives. A thread's segments live in an automatic arena and are freed by the GC after the
 * thread ends; a virtual thread gets its own, allocated on its first call. Reuse is safe because no call nests
 * another: each reads its results out of the segment before it returns.
 */
final class Scratch {
    private static final ThreadLocal<Scratch> PER_THREAD = ThreadLocal.withInitial(Scratch::new);

    /** Receives errno from handles linked with captureCallState("errno"). */
    final MemorySegment callState;
    /** The single {@code struct pollfd} that {@link Linux#poll} passes. */
    final MemorySegment pollfd;
    /** The {@code struct timespec} that {@link Linux#clock_gettime} fills. */
    final MemorySegment timespec;

    private Scratch() {
        Arena arena = Arena.ofAuto();
        callState = arena.allocate(Libc.CALL_STATE);
        pollfd = arena.allocate(Libc.POLLFD);
        timespec = arena.allocate(Libc.TIMESPEC);
    }

    static Scratch get() {
        return PER_THREAD.get();
    }

    /** Returns the errno that the last capturing call on this thread left. */
    int errno() {
        return callState.get(Libc.C_INT, Libc.CALL_STATE_ERRNO);
    }
}
