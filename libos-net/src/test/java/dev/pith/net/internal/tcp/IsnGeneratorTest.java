package dev.pith.net.internal.tcp;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import dev.pith.core.ManualClock;
import dev.pith.core.RandomSource;
import java.time.Duration;
import java.util.concurrent.atomic.AtomicInteger;
import org.junit.jupiter.api.Test;

class IsnGeneratorTest {

    private static final int LOCAL = 0x0A000001; // 10.0.0.1
    private static final int REMOTE = 0xC0A80102; // 192.168.1.2

    @Test
    void sameTupleAdvancesOneStepPerFourMicroseconds() {
        ManualClock clock = new ManualClock(123_456_789);
        IsnGenerator isn = new IsnGenerator(clock, RandomSource.seeded(1));
        int first = isn.next(LOCAL, 80, REMOTE, 40000);
        assertEquals(first, isn.next(LOCAL, 80, REMOTE, 40000));
        clock.advance(Duration.ofMillis(1));
        assertEquals(first + 250, isn.next(LOCAL, 80, REMOTE, 40000));
        clock.advance(Duration.ofSeconds(10_000)); // 2.5e9 ticks: the 32-bit ISN wraps
        assertEquals((int) (first + 250 + 2_500_000_000L), isn.next(LOCAL, 80, REMOTE, 40000));
    }

    @Test
    void differentTuplesAreFarApart() {
        ManualClock clock = new ManualClock();
        IsnGenerator isn = new IsnGenerator(clock, RandomSource.seeded(2));
        int base = isn.next(LOCAL, 80, REMOTE, 40000);
        int[] neighbours = {
            isn.next(LOCAL, 80, REMOTE, 40001),
            isn.next(LOCAL, 81, REMOTE, 40000),
            isn.next(LOCAL + 1, 80, REMOTE, 40000),
            isn.next(LOCAL, 80, REMOTE + 1, 40000),
            isn.next(REMOTE, 40000, LOCAL, 80), // the reverse direction
        };
        for (int other : neighbours) {
            // A random 32-bit difference is this close with probability 2^-11.
            assertTrue(Math.abs((long) (other - base)) > 1 << 20, Integer.toHexString(other - base));
        }
    }

    @Test
    void differentSecretsGiveDifferentIsns() {
        ManualClock clock = new ManualClock();
        int a = new IsnGenerator(clock, RandomSource.seeded(3)).next(LOCAL, 80, REMOTE, 40000);
        int b = new IsnGenerator(clock, RandomSource.seeded(4)).next(LOCAL, 80, REMOTE, 40000);
        assertTrue(Math.abs((long) (a - b)) > 1 << 20);
    }

    @Test
    void drawsTheKeyOnFirstUseOnly() {
        AtomicInteger draws = new AtomicInteger();
        RandomSource counting = () -> {
            draws.incrementAndGet();
            return 42;
        };
        IsnGenerator isn = new IsnGenerator(new ManualClock(), counting);
        assertEquals(0, draws.get());
        isn.next(LOCAL, 80, REMOTE, 40000);
        isn.next(LOCAL, 80, REMOTE, 40001);
        assertEquals(2, draws.get());
    }
}
