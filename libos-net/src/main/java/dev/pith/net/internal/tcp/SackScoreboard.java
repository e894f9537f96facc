package dev.pith.net.internal.tcp;

/**
 * The sender's record of what the peer has SACKed (RFC 6675 §2's "scoreboard"): disjoint,
 * sorted ranges of sequence numbers above SND.UNA that the peer holds out of order. Bounded:
 * a block that would need more than {@link #MAX_RANGES} ranges is ignored, which only makes
 * recovery less precise, never wrong (SACK information is advisory, RFC 2018 §8).
 *
 * <p>Sequence numbers are raw 32-bit ints compared with {@link Seq}.
 */
final class SackScoreboard {

    static final int MAX_RANGES = 32;

    private final int[] starts = new int[MAX_RANGES];
    private final int[] ends = new int[MAX_RANGES];
    private int count;

    void clear() {
        count = 0;
    }

    boolean isEmpty() {
        return count == 0;
    }

    int rangeCount() {
        return count;
    }

    /**
     * Records the block [left, right) if it lies in (una, max] and is well formed; returns
     * whether it covered any byte not SACKed before. Blocks outside the window are ignored (they
     * are either stale or forged).
     */
    boolean add(int left, int right, int una, int max) {
        if (!Seq.lt(left, right) || Seq.lt(left, una) || Seq.gt(right, max)) {
            return false;
        }
        // Find the first range that ends at or after left; merge everything that touches [left, right).
        int i = 0;
        while (i < count && Seq.lt(ends[i], left)) {
            i++;
        }
        if (i < count && Seq.le(starts[i], left) && Seq.ge(ends[i], right)) {
            return false; // nothing new
        }
        int j = i;
        int newStart = left;
        int newEnd = right;
        while (j < count && Seq.le(starts[j], right)) {
            newStart = Seq.min(newStart, starts[j]);
            newEnd = Seq.max(newEnd, ends[j]);
            j++;
        }
        int merged = j - i;
        if (merged == 0 && count == MAX_RANGES) {
            return false;
        }
        // Replace ranges [i, j) by one.
        int shift = 1 - merged;
        if (shift != 0) {
            System.arraycopy(starts, j, starts, j + shift, count - j);
            System.arraycopy(ends, j, ends, j + shift, count - j);
            count += shift;
        }
        starts[i] = newStart;
        ends[i] = newEnd;
        return true;
    }

    /** Forgets what the cumulative ACK now covers. */
    void advance(int una) {
        int drop = 0;
        while (drop < count && Seq.le(ends[drop], una)) {
            drop++;
        }
        if (drop > 0) {
            System.arraycopy(starts, drop, starts, 0, count - drop);
            System.arraycopy(ends, drop, ends, 0, count - drop);
            count -= drop;
        }
        if (count > 0 && Seq.lt(starts[0], una)) {
            starts[0] = una;
        }
    }

    /** Returns the highest SACKed sequence number plus one, or {@code una} when nothing is SACKed. */
    int highSacked(int una) {
        return count == 0 ? una : ends[count - 1];
    }

    /** Returns how many bytes are SACKed above {@code seq}. */
    int sackedAbove(int seq) {
        int bytes = 0;
        for (int i = count - 1; i >= 0 && Seq.gt(ends[i], seq); i--) {
            bytes += ends[i] - Seq.max(starts[i], seq + 1);
        }
        return bytes;
    }

    /** Returns how many disjoint SACKed ranges lie wholly above {@code seq}. */
    int rangesAbove(int seq) {
        int n = 0;
        for (int i = count - 1; i >= 0 && Seq.gt(starts[i], seq); i--) {
            n++;
        }
        return n;
    }

    /** Returns the end of the SACKed range holding {@code seq}, or {@code seq} itself when it is not SACKed. */
    int skipSacked(int seq) {
        for (int i = 0; i < count; i++) {
            if (Seq.le(starts[i], seq) && Seq.lt(seq, ends[i])) {
                return ends[i];
            }
        }
        return seq;
    }

    /** Returns the start of the first SACKed range above {@code seq}, or {@code limit} when none is below it. */
    int nextSackedStart(int seq, int limit) {
        for (int i = 0; i < count; i++) {
            if (Seq.gt(starts[i], seq)) {
                return Seq.min(starts[i], limit);
            }
        }
        return limit;
    }

    /**
     * Returns the bytes in [from, to) that are not SACKed. Holes are what may be lost: every byte
     * of one hole has the same SACKed bytes above it, so IsLost is the same for the whole hole.
     */
    int unsackedBetween(int from, int to) {
        int bytes = 0;
        int at = from;
        while (Seq.lt(at, to)) {
            int sackedEnd = skipSacked(at);
            if (sackedEnd != at) {
                at = sackedEnd;
                continue;
            }
            int holeEnd = nextSackedStart(at, to);
            bytes += holeEnd - at;
            at = holeEnd;
        }
        return bytes;
    }

    int start(int i) {
        return starts[i];
    }

    int end(int i) {
        return ends[i];
    }
}
