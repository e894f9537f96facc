package dev.pith.core;

import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertNotEquals;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import org.junit.jupiter.api.Test;

class RandomSourceTest {

    @Test
    void aSeedReplaysTheSameValues() {
        RandomSource a = RandomSource.seeded(7);
        RandomSource b = RandomSource.seeded(7);
        for (int i = 0; i < 100; i++) {
            assertEquals(a.nextLong(), b.nextLong());
        }
        byte[] x = new byte[13];
        byte[] y = new byte[13];
        a.nextBytes(x);
        b.nextBytes(y);
        assertArrayEquals(x, y);
    }

    @Test
    void boundedDrawsStayInRangeAndCoverIt() {
        RandomSource random = RandomSource.seeded(1);
        int[] seen = new int[7];
        for (int i = 0; i < 70_000; i++) {
            seen[random.nextInt(7)]++;
        }
        for (int count : seen) {
            assertTrue(count > 9_000 && count < 11_000, "roughly uniform: " + count);
        }
        assertThrows(IllegalArgumentException.class, () -> random.nextInt(0));
    }

    @Test
    void theSecureSourceProducesDifferentValues() {
        RandomSource random = RandomSource.secure();
        assertNotEquals(random.nextLong(), random.nextLong());
    }
}
