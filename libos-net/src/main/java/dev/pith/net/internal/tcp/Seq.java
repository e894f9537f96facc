package dev.pith.net.internal.tcp;

/**
 * Sequence-number arithmetic modulo 2^32 (RFC 9293 §3.4), on raw {@code int}s so that no object
 * is made per comparison. {@code a} is "less than" {@code b} when {@code b} lies less than 2^31
 * ahead of it, which is what {@code (a - b) < 0} computes with Java's wrapping subtraction; this
 * is meaningful only while the two numbers are within 2^31 of each other, which TCP's windows
 * (at most 2^30 bytes, RFC 7323 §2.3) guarantee.
 */
final class Seq {

    private Seq() {}

    /** Returns whether {@code a} precedes {@code b}. */
    static boolean lt(int a, int b) {
        return a - b < 0;
    }

    /** Returns whether {@code a} precedes or equals {@code b}. */
    static boolean le(int a, int b) {
        return a - b <= 0;
    }

    /** Returns whether {@code a} follows {@code b}. */
    static boolean gt(int a, int b) {
        return a - b > 0;
    }

    /** Returns whether {@code a} follows or equals {@code b}. */
    static boolean ge(int a, int b) {
        return a - b >= 0;
    }

    /** Returns the later of {@code a} and {@code b}. */
    static int max(int a, int b) {
        return a - b >= 0 ? a : b;
    }

    /** Returns the earlier of {@code a} and {@code b}. */
    static int min(int a, int b) {
        return a - b <= 0 ? a : b;
    }

    /**
     * Returns whether {@code start <= seq < start + length} modulo 2^32, the acceptability test of
     * RFC 9293 §3.10.7.4. A window of length 0 contains nothing; {@code length} counts bytes and
     * must not be negative.
     */
    static boolean inWindow(int seq, int start, int length) {
        // Unsigned distance from the window's left edge: wraps correctly for any start.
        return length > 0 && Integer.compareUnsigned(seq - start, length) < 0;
    }

    /** Returns {@code seq} as the unsigned number it is on the wire, for logs and messages. */
    static long unsigned(int seq) {
        return Integer.toUnsignedLong(seq);
    }
}
