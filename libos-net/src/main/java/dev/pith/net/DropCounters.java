package dev.pith.net;

import java.util.EnumMap;
import java.util.Map;

/**
 * One counter per {@link DropReason}. Written by the event loop thread; read from anywhere (a
 * reader on another thread may see a count a moment old, never a torn one).
 */
public final class DropCounters {

    private static final DropReason[] REASONS = DropReason.values();
    private final long[] counts = new long[REASONS.length];

    /** Counts one drop for {@code reason}. */
    public void count(DropReason reason) {
        counts[reason.ordinal()]++;
    }

    /** Returns the number of drops for {@code reason}. */
    public long get(DropReason reason) {
        return counts[reason.ordinal()];
    }

    /** Returns the number of drops for all reasons. */
    public long total() {
        long total = 0;
        for (long count : counts) {
            total += count;
        }
        return total;
    }

    /** Returns the drops of received frames: every reason but the {@link DropReason#outgoing() outgoing} ones and reassembly timeouts. */
    public long received() {
        long total = 0;
        for (DropReason reason : REASONS) {
            if (!reason.outgoing() && reason != DropReason.IPV4_REASSEMBLY_TIMEOUT) {
                total += counts[reason.ordinal()];
            }
        }
        return total;
    }

    /** Returns the reasons with a non-zero count, and their counts. */
    public Map<DropReason, Long> snapshot() {
        Map<DropReason, Long> snapshot = new EnumMap<>(DropReason.class);
        for (DropReason reason : REASONS) {
            long count = counts[reason.ordinal()];
            if (count != 0) {
                snapshot.put(reason, count);
            }
        }
        return snapshot;
    }

    @Override
    public String toString() {
        return snapshot().toString();
    }
}
