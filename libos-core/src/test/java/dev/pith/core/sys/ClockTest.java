package dev.pith.core.sys;

import static dev.pith.core.sys.Linux.CLOCK_BOOTTIME;
import static dev.pith.core.sys.Linux.CLOCK_MONOTONIC;
import static dev.pith.core.sys.Linux.CLOCK_REALTIME;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import org.junit.jupiter.api.Test;

/** clock_gettime against the JDK's own clocks. */
class ClockTest {
    private static final long SECOND = 1_000_000_000L;

    @Test
    void monotonicClockAdvancesAndAgreesWithNanoTime() throws Exception {
        long first = Linux.clock_gettime(CLOCK_MONOTONIC);
        long jdk = System.nanoTime(); // HotSpot on Linux reads CLOCK_MONOTONIC too
        Thread.sleep(2); // the clock may tick coarsely under emulation
        long second = Linux.clock_gettime(CLOCK_MONOTONIC);

        assertTrue(second > first, first + " then " + second);
        assertTrue(Math.abs(jdk - first) < SECOND, "nanoTime " + jdk + " vs CLOCK_MONOTONIC " + first);
    }

    @Test
    void realtimeAgreesWithCurrentTimeMillisAndBoottimeIncludesMonotonic() throws Exception {
        long realtime = Linux.clock_gettime(CLOCK_REALTIME);
        assertTrue(Math.abs(System.currentTimeMillis() * 1_000_000L - realtime) < SECOND);

        long monotonic = Linux.clock_gettime(CLOCK_MONOTONIC);
        assertTrue(Linux.clock_gettime(CLOCK_BOOTTIME) >= monotonic, "boot time adds suspended time");
    }

    @Test
    void unknownClockThrowsEinval() {
        SyscallException e = assertThrows(SyscallException.class, () -> Linux.clock_gettime(999));
        assertEquals("clock_gettime(clock 999) failed: EINVAL (Invalid argument)", e.getMessage());
    }
}
