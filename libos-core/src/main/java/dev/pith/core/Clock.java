package dev.pith.core;

/**
 * The time source of a unikernel: a monotonic count of nanoseconds, injected into everything
 * that needs time so that protocol code can run on {@link ManualClock virtual time} in tests.
 *
 * <p>The origin is arbitrary; only differences between two readings mean something, as with
 * {@link System#nanoTime()}. Readings never decrease.
 */
@FunctionalInterface
public interface Clock {

    /** Returns the current reading in nanoseconds. */
    long nanoTime();

    /** Returns the clock of the running system, backed by {@link System#nanoTime()}. */
    static Clock system() {
        return SystemClock.INSTANCE;
    }
}
