package dev.pith.core.guest;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.util.Arrays;
import java.util.HashSet;
import java.util.Set;
import org.junit.jupiter.api.Test;

class BootRandomTest {

    @Test
    void seedsWithoutBlockingAndDrawsDistinctValues() {
        long start = System.nanoTime();
        BootRandom random = new BootRandom();
        Set<Long> seen = new HashSet<>();
        for (int i = 0; i < 10_000; i++) {
            seen.add(random.nextLong());
        }
        assertEquals(10_000, seen.size());
        assertTrue(System.nanoTime() - start < 5_000_000_000L, "no waiting for entropy");
        // On a host that has been up for a while the pool is initialised: the seed is full-strength at once.
        assertTrue(random.fullStrength());
    }

    /** The seed used while the kernel's pool is not ready: /proc/sys/kernel/random/uuid, which never waits. */
    @Test
    void kernelUuidsSeedThirtyTwoBytesThatDiffer() {
        byte[] a = new byte[40];
        byte[] b = new byte[40];
        BootRandom.uuidBytes(a);
        BootRandom.uuidBytes(b);
        assertFalse(Arrays.equals(a, b));
        assertTrue(Arrays.equals(new byte[8], Arrays.copyOfRange(a, 32, 40)), "only the first 32 bytes are filled");
        // RFC 4122 version 4: the version nibble of byte 6 is 4, and the variant bits of byte 8 are 10.
        assertEquals(0x40, a[6] & 0xf0);
        assertEquals(0x80, a[8] & 0xc0);
        assertEquals(0x40, a[16 + 6] & 0xf0);
    }

    /** What the full-strength reseed watches to start only once the boot is over: CPU and idle ticks, rising. */
    @Test
    void cpuTimesComeFromProcStat() throws InterruptedException {
        long[] before = BootRandom.cpuTimes();
        Thread.sleep(50);
        long[] after = BootRandom.cpuTimes();
        assertTrue(before != null && after != null, "/proc/stat is readable on Linux");
        assertTrue(before[0] > 0 && before[1] >= 0 && before[1] <= before[0], Arrays.toString(before));
        assertTrue(after[0] >= before[0] && after[1] >= before[1], Arrays.toString(before) + " " + Arrays.toString(after));
    }

    @Test
    void twoInstancesDiffer() {
        assertTrue(new BootRandom().nextLong() != new BootRandom().nextLong());
    }
}
