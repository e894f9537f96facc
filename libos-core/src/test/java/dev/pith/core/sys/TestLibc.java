package dev.pith.core.sys;

import static java.lang.foreign.ValueLayout.ADDRESS;
import static java.lang.foreign.ValueLayout.JAVA_INT;

import java.lang.foreign.Arena;
import java.lang.foreign.FunctionDescriptor;
import java.lang.foreign.Linker;
import java.lang.foreign.MemorySegment;
import java.lang.invoke.MethodHandle;

/** Calls only the tests need, kept out of {@link Linux}: pipe2 for a pair of descriptors, getuid for root checks. */
@SuppressWarnings("restricted") // downcallHandle, as in Libc
final class TestLibc {
    private TestLibc() {}

    private static final Linker LINKER = Linker.nativeLinker();

    /** {@code int pipe2(int pipefd[2], int flags);} man 2 pipe2. */
    private static final MethodHandle PIPE2 = LINKER.downcallHandle(
            LINKER.defaultLookup().find("pipe2").orElseThrow(), FunctionDescriptor.of(JAVA_INT, ADDRESS, JAVA_INT));

    /** {@code uid_t getuid(void);} man 2 getuid. */
    private static final MethodHandle GETUID = LINKER.downcallHandle(
            LINKER.defaultLookup().find("getuid").orElseThrow(), FunctionDescriptor.of(JAVA_INT));

    /**
     * A pipe's two descriptors, closed once each: closing a number twice could close a descriptor another thread has
     * since been given.
     */
    static final class Pipe implements AutoCloseable {
        final int readEnd;
        final int writeEnd;
        private boolean writeEndOpen = true;

        Pipe(int readEnd, int writeEnd) {
            this.readEnd = readEnd;
            this.writeEnd = writeEnd;
        }

        void closeWriteEnd() throws SyscallException {
            writeEndOpen = false;
            Linux.close(writeEnd);
        }

        @Override
        public void close() throws SyscallException {
            Linux.close(readEnd);
            if (writeEndOpen) {
                Linux.close(writeEnd);
            }
        }
    }

    static Pipe pipe(int flags) throws Throwable {
        try (Arena arena = Arena.ofConfined()) {
            MemorySegment fds = arena.allocate(JAVA_INT, 2);
            int result = (int) PIPE2.invokeExact(fds, flags);
            if (result != 0) {
                throw new AssertionError("pipe2 failed: " + result);
            }
            return new Pipe(fds.getAtIndex(JAVA_INT, 0), fds.getAtIndex(JAVA_INT, 1));
        }
    }

    static boolean isRoot() throws Throwable {
        return (int) GETUID.invokeExact() == 0;
    }
}
