package dev.pith.core;

import java.util.Arrays;

/**
 * The armed timers of one loop: a binary min-heap ordered by (deadline, arming order) in which
 * each {@link Timer} knows its own index, so that cancel and re-arm are O(log n) in place and
 * no entry object is allocated. A hashed timing wheel would make arming O(1) but rounds
 * deadlines to its tick; exact deadlines keep virtual-time tests exact. BENCHMARKS.md has the
 * measured cost of both operations with many timers armed.
 */
final class TimerQueue {

    private final int capacity;
    private Timer[] heap = new Timer[64];
    private int size;
    private long nextSequence;

    TimerQueue(int capacity) {
        this.capacity = capacity;
    }

    int size() {
        return size;
    }

    /** Returns the earliest deadline, or {@link Long#MAX_VALUE} when no timer is armed. */
    long nextDeadline() {
        return size == 0 ? Long.MAX_VALUE : heap[0].deadline;
    }

    void schedule(Timer timer, long deadline) {
        timer.deadline = deadline;
        timer.sequence = nextSequence++;
        if (timer.index >= 0) {
            // Re-arming: the new key may be smaller or larger than the old one.
            siftUp(timer.index, timer);
            siftDown(timer.index, timer);
            return;
        }
        if (size == capacity) {
            throw new IllegalStateException("too many armed timers: the limit is " + capacity);
        }
        if (size == heap.length) {
            heap = Arrays.copyOf(heap, Math.min(capacity, size * 2));
        }
        siftUp(size++, timer);
    }

    void cancel(Timer timer) {
        int i = timer.index;
        if (i < 0) {
            return;
        }
        timer.index = -1;
        Timer last = heap[--size];
        heap[size] = null;
        if (i != size) {
            siftUp(i, last);
            siftDown(last.index, last);
        }
    }

    /** Fires every timer whose deadline is at or before {@code now}; returns how many fired. */
    int runExpired(long now, EventLoop loop) {
        int fired = 0;
        while (size > 0 && heap[0].deadline <= now) {
            Timer timer = heap[0];
            cancel(timer);
            fired++;
            try {
                timer.fire();
            } catch (Throwable failure) {
                loop.reportError(failure);
            }
        }
        return fired;
    }

    private static boolean less(Timer a, Timer b) {
        return a.deadline < b.deadline || (a.deadline == b.deadline && a.sequence < b.sequence);
    }

    private void siftUp(int i, Timer timer) {
        while (i > 0) {
            int parent = (i - 1) >>> 1;
            Timer p = heap[parent];
            if (!less(timer, p)) {
                break;
            }
            heap[i] = p;
            p.index = i;
            i = parent;
        }
        heap[i] = timer;
        timer.index = i;
    }

    private void siftDown(int i, Timer timer) {
        int half = size >>> 1;
        while (i < half) {
            int child = 2 * i + 1;
            int right = child + 1;
            if (right < size && less(heap[right], heap[child])) {
                child = right;
            }
            Timer c = heap[child];
            if (!less(c, timer)) {
                break;
            }
            heap[i] = c;
            c.index = i;
            i = child;
        }
        heap[i] = timer;
        timer.index = i;
    }
}
