package dev.pith.net.internal.tcp;

/**
 * SipHash-2-4 (J.-P. Aumasson and D. J. Bernstein, "SipHash: a fast short-input PRF", 2012), the
 * keyed function F of RFC 6528's ISNs and the MAC of {@link SynCookies}; Linux uses it for both.
 *
 * <p>What is hashed: the message is the given 64-bit words, each as 8 bytes little-endian, in
 * argument order, so {@code hash(k0, k1, m)} equals the reference {@code siphash(in, 8, k)} with
 * {@code in} the little-endian bytes of {@code m}, and {@code k} the little-endian bytes of
 * {@code k0} then {@code k1}. The result is the reference's 8 output bytes read little-endian.
 * Fixed arities instead of varargs, so hashing allocates nothing.
 */
final class SipHash {

    private SipHash() {}

    /** Returns SipHash-2-4 of the 8-byte message {@code a}. */
    static long hash(long k0, long k1, long a) {
        return hash(k0, k1, a, 0, 0, 1);
    }

    /** Returns SipHash-2-4 of the 16-byte message {@code a, b}. */
    static long hash(long k0, long k1, long a, long b) {
        return hash(k0, k1, a, b, 0, 2);
    }

    /** Returns SipHash-2-4 of the 24-byte message {@code a, b, c}. */
    static long hash(long k0, long k1, long a, long b, long c) {
        return hash(k0, k1, a, b, c, 3);
    }

    private static long hash(long k0, long k1, long m0, long m1, long m2, int words) {
        long v0 = k0 ^ 0x736f6d6570736575L; // "somepseudorandomlygeneratedbytes"
        long v1 = k1 ^ 0x646f72616e646f6dL;
        long v2 = k0 ^ 0x6c7967656e657261L;
        long v3 = k1 ^ 0x7465646279746573L;
        // Compression: the message words, then the final word holding the length in bytes in its
        // top byte (no partial word remains, the message being whole words).
        for (int i = 0; i <= words; i++) {
            long m = i == words ? (long) (8 * words) << 56 : i == 0 ? m0 : i == 1 ? m1 : m2;
            v3 ^= m;
            for (int r = 0; r < 2; r++) {
                v0 += v1; v1 = Long.rotateLeft(v1, 13); v1 ^= v0; v0 = Long.rotateLeft(v0, 32);
                v2 += v3; v3 = Long.rotateLeft(v3, 16); v3 ^= v2;
                v0 += v3; v3 = Long.rotateLeft(v3, 21); v3 ^= v0;
                v2 += v1; v1 = Long.rotateLeft(v1, 17); v1 ^= v2; v2 = Long.rotateLeft(v2, 32);
            }
            v0 ^= m;
        }
        // Finalization: 4 rounds.
        v2 ^= 0xff;
        for (int r = 0; r < 4; r++) {
            v0 += v1; v1 = Long.rotateLeft(v1, 13); v1 ^= v0; v0 = Long.rotateLeft(v0, 32);
            v2 += v3; v3 = Long.rotateLeft(v3, 16); v3 ^= v2;
            v0 += v3; v3 = Long.rotateLeft(v3, 21); v3 ^= v0;
            v2 += v1; v1 = Long.rotateLeft(v1, 17); v1 ^= v2; v2 = Long.rotateLeft(v2, 32);
        }
        return v0 ^ v1 ^ v2 ^ v3;
    }
}
