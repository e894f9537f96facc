package dev.pith.core.sys;

import static dev.pith.core.sys.Linux.O_CLOEXEC;
import static dev.pith.core.sys.Linux.POLLHUP;
import static dev.pith.core.sys.Linux.POLLIN;
import static dev.pith.core.sys.Linux.POLLOUT;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.lang.foreign.Arena;
import org.junit.jupiter.api.Test;

/** poll on the ends of a pipe. */
class PollTest {
    @Test
    void emptyPipeTimesOutThenTurnsReadableAfterAWrite() throws Throwable {
        try (TestLibc.Pipe pipe = TestLibc.pipe(O_CLOEXEC); Arena arena = Arena.ofConfined()) {
            long start = System.nanoTime();
            assertEquals(0, Linux.poll(pipe.readEnd, POLLIN, 50));
            assertTrue(System.nanoTime() - start >= 40_000_000L, "poll waited for its timeout");

            Linux.write(pipe.writeEnd, arena.allocate(1));

            assertEquals(POLLIN, Linux.poll(pipe.readEnd, POLLIN, 1000));
        }
    }

    @Test
    void writeEndIsWritableAndClosedWriteEndReadsAsHangUp() throws Throwable {
        try (TestLibc.Pipe pipe = TestLibc.pipe(O_CLOEXEC); Arena arena = Arena.ofConfined()) {
            assertEquals(POLLOUT, Linux.poll(pipe.writeEnd, POLLOUT, 0));

            pipe.closeWriteEnd();

            // POLLHUP is reported whether asked for or not (man 2 poll).
            assertEquals(POLLHUP, Linux.poll(pipe.readEnd, POLLIN, 1000));
            assertEquals(0, Linux.read(pipe.readEnd, arena.allocate(1)), "end of file");
        }
    }
}
