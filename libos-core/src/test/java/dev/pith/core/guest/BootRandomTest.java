package dev.pith.core.guest;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

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

    @Test
    void twoInstancesDiffer() {
        assertTrue(new BootRandom().nextLong() != new BootRandom().nextLong());
    }
}
