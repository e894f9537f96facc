package dev.pith.core;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertThrows;

import java.time.Duration;
import org.junit.jupiter.api.Test;

class ManualClockTest {

    @Test
    void movesOnlyWhenToldAndNeverBackwards() {
        ManualClock clock = new ManualClock(5);
        assertEquals(5, clock.nanoTime());
        clock.advance(Duration.ofNanos(10));
        assertEquals(15, clock.nanoTime());
        clock.set(20);
        assertEquals(20, clock.nanoTime());
        assertThrows(IllegalArgumentException.class, () -> clock.set(19));
        assertThrows(IllegalArgumentException.class, () -> clock.advance(Duration.ofNanos(-1)));
    }
}
