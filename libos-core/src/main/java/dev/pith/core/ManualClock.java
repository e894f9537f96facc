package dev.pith.core;

import java.time.Duration;
import java.util.Objects;

/**
 * A clock for tests that moves only when told. With it, timers fire in a deterministic order
 * at exact deadlines: see {@link EventLoop#advance(Duration)}.
 *
 * <p>Safe to read from any thread; moved by the test's thread.
 */
public final class ManualClock implements Clock {

    private volatile long now;

    /** Creates a clock that reads {@code start} nanoseconds. */
    public ManualClock(long start) {
        this.now = start;
    }

    /** Creates a clock that reads zero. */
    public ManualClock() {
        this(0);
    }

    @Override
    public long nanoTime() {
        return now;
    }

    /** Moves the clock forward by {@code delta}; a negative delta is refused (clocks never go back). */
    public void advance(Duration delta) {
        Objects.requireNonNull(delta, "delta == null");
        if (delta.isNegative()) {
            throw new IllegalArgumentException("delta < 0: " + delta + "; a clock never goes back");
        }
        now = Math.addExact(now, delta.toNanos());
    }

    /** Sets the reading to {@code nanos}, which must not be earlier than the current reading. */
    public void set(long nanos) {
        if (nanos < now) {
            throw new IllegalArgumentException("set(" + nanos + ") is earlier than now (" + now + ")");
        }
        now = nanos;
    }
}
