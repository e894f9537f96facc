package dev.pith.core;

import java.time.Duration;

/**
 * A reusable one-shot timer on an {@link EventLoop}: arm it for a deadline, re-arm or cancel it
 * as often as needed, without allocation. A TCP connection keeps one per purpose (retransmit,
 * delayed ACK, keepalive, TIME-WAIT) for its whole life.
 *
 * <p>Arming and cancelling cost O(log n) in the number of armed timers; the action runs on the
 * loop thread once the loop's clock reaches the deadline. Timers with equal deadlines fire in the
 * order they were armed. Use from the loop thread only.
 */
public final class Timer {

    private final EventLoop loop;
    private final Runnable action;

    // Owned by TimerQueue: position in the heap (-1 when not armed), deadline, and a tie-breaker.
    int index = -1;
    long deadline;
    long sequence;

    Timer(EventLoop loop, Runnable action) {
        this.loop = loop;
        this.action = action;
    }

    /** Arms the timer for the absolute clock reading {@code deadlineNanos}, replacing any earlier deadline. */
    public void schedule(long deadlineNanos) {
        loop.timers().schedule(this, deadlineNanos);
    }

    /** Arms the timer to fire {@code delayNanos} after now; a negative delay means "as soon as possible". */
    public void scheduleAfterNanos(long delayNanos) {
        long now = loop.clock().nanoTime();
        schedule(delayNanos <= 0 ? now : saturatedAdd(now, delayNanos));
    }

    /** Arms the timer to fire {@code delay} after now. */
    public void scheduleAfter(Duration delay) {
        scheduleAfterNanos(delay.toNanos());
    }

    /** Disarms the timer; does nothing when it is not armed. */
    public void cancel() {
        loop.timers().cancel(this);
    }

    /** Returns whether the timer is armed. */
    public boolean isScheduled() {
        return index >= 0;
    }

    /** Returns the deadline of the armed timer; meaningless when it is not armed. */
    public long deadline() {
        return deadline;
    }

    void fire() {
        action.run();
    }

    private static long saturatedAdd(long a, long b) {
        long sum = a + b;
        return ((a ^ sum) & (b ^ sum)) < 0 ? Long.MAX_VALUE : sum;
    }
}
