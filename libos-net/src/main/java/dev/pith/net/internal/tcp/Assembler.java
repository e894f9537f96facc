package dev.pith.net.internal.tcp;

/**
 * Which out-of-order bytes have been received beyond RCV.NXT, for reassembly (RFC 9293 §3.10.7.4:
 * segments beyond RCV.NXT are held) and for the SACK option (RFC 2018). The bytes themselves sit
 * in the receive {@link ByteRing}, written there with {@link ByteRing#writeAt}; this class only
 * keeps the ranges, as offsets from RCV.NXT, so it stays small and allocation-free (smoltcp's
 * {@code storage::Assembler} does the same).
 *
 * <p>At most {@code maxRanges} disjoint, non-adjacent ranges {@code [start, end)} with
 * {@code 0 <= start < end}, kept sorted (a range at 0 is contiguous already; the next
 * {@link #advance} collects it). A segment that would need one more range is refused whole,
 * so a peer that sprays tiny segments with gaps cannot make us track unbounded state. Each range
 * remembers when data was last added to it, for RFC 2018 §4's ordering of SACK blocks.
 * Not thread-safe: one event loop.
 */
final class Assembler {

    /** The most SACK blocks that fit in a TCP header (RFC 2018 §3: 4 without timestamps). */
    static final int MAX_SACK_BLOCKS = 4;

    private final int[] starts;
    private final int[] ends;
    /** Value of {@link #clock} when data last landed in each range: larger is more recent. */
    private final long[] touched;
    private int count;
    private long clock;

    /** Creates an empty assembler tracking at most {@code maxRanges} ranges. */
    Assembler(int maxRanges) {
        if (maxRanges < 1) {
            throw new IllegalArgumentException("maxRanges < 1: " + maxRanges);
        }
        starts = new int[maxRanges];
        ends = new int[maxRanges];
        touched = new long[maxRanges];
    }

    /**
     * Records that bytes {@code [start, end)} past RCV.NXT arrived, merging with overlapping and
     * adjacent ranges. Returns false, changing nothing, if that would need more than
     * {@code maxRanges} ranges. An empty range is accepted and changes nothing.
     */
    boolean add(int start, int end) {
        if (start < 0 || end < start) {
            throw new IllegalArgumentException("bad range [" + start + ", " + end + ")");
        }
        if (start == end) {
            return true;
        }
        // first: the first range ending at or after start; last: the last starting at or before end.
        // Ranges first..last overlap or touch [start, end) and collapse into one.
        int first = 0;
        while (first < count && ends[first] < start) {
            first++;
        }
        int last = first - 1;
        while (last + 1 < count && starts[last + 1] <= end) {
            last++;
        }
        long now = ++clock;
        if (last < first) {
            if (count == starts.length) {
                return false;
            }
            shift(first, first + 1, count - first);
            starts[first] = start;
            ends[first] = end;
            touched[first] = now;
            count++;
            return true;
        }
        starts[first] = Math.min(start, starts[first]);
        ends[first] = Math.max(end, ends[last]);
        touched[first] = now;
        int merged = last - first;
        shift(last + 1, first + 1, count - last - 1);
        count -= merged;
        return true;
    }

    /**
     * Records that RCV.NXT moved by {@code n}: a segment at offset 0 of length {@code n} arrived.
     * Ranges that it reaches or covers become contiguous and are removed; returns how many bytes
     * beyond {@code n} thereby became contiguous, so RCV.NXT advances by {@code n} plus the result.
     * The remaining ranges are re-based on that new RCV.NXT.
     */
    int advance(int n) {
        if (n < 0) {
            throw new IllegalArgumentException("advance(" + n + ")");
        }
        // Ranges starting at or before n touch the new front; since ranges are disjoint and not
        // adjacent, only the last of them can reach beyond it.
        int reached = 0;
        while (reached < count && starts[reached] <= n) {
            reached++;
        }
        int extra = reached == 0 ? 0 : Math.max(0, ends[reached - 1] - n);
        shift(reached, 0, count - reached);
        count -= reached;
        int moved = n + extra;
        for (int i = 0; i < count; i++) {
            starts[i] -= moved;
            ends[i] -= moved;
        }
        return extra;
    }

    /** Returns whether no out-of-order data is held. */
    boolean isEmpty() {
        return count == 0;
    }

    /** Returns the number of ranges held. */
    int rangeCount() {
        return count;
    }

    /** Returns the start offset of range {@code i}, ranges in ascending order. */
    int start(int i) {
        checkIndex(i);
        return starts[i];
    }

    /** Returns the end offset (exclusive) of range {@code i}. */
    int end(int i) {
        checkIndex(i);
        return ends[i];
    }

    /**
     * Writes up to {@code max} (at most 4) SACK blocks as offsets past RCV.NXT into {@code lefts}
     * and {@code rights} and returns how many: first the block holding the most recently received
     * data, then the others from most to least recently updated (RFC 2018 §4: "the first SACK block
     * ... MUST specify the contiguous block of data containing the segment which triggered this
     * ACK", and later blocks SHOULD repeat the most recently reported ones).
     */
    int sackBlocks(int[] lefts, int[] rights, int max) {
        int wanted = Math.min(Math.min(max, MAX_SACK_BLOCKS), count);
        // Selection by recency: O(wanted * count) with count small, and no sort buffer to allocate.
        long below = Long.MAX_VALUE;
        for (int k = 0; k < wanted; k++) {
            int best = -1;
            for (int i = 0; i < count; i++) {
                if (touched[i] < below && (best < 0 || touched[i] > touched[best])) {
                    best = i;
                }
            }
            lefts[k] = starts[best];
            rights[k] = ends[best];
            below = touched[best];
        }
        return wanted;
    }

    /** Forgets every range. */
    void clear() {
        count = 0;
    }

    private void shift(int from, int to, int n) {
        System.arraycopy(starts, from, starts, to, n);
        System.arraycopy(ends, from, ends, to, n);
        System.arraycopy(touched, from, touched, to, n);
    }

    private void checkIndex(int i) {
        if (i < 0 || i >= count) {
            throw new IndexOutOfBoundsException("range " + i + " of " + count);
        }
    }
}
