package dev.pith.net.internal.tcp;

import static org.junit.jupiter.api.Assertions.assertEquals;

import java.util.SplittableRandom;
import org.junit.jupiter.api.Test;

class SipHashTest {

    /** The reference key 00 01 .. 0f, as two little-endian words. */
    private static final long K0 = 0x0706050403020100L;
    private static final long K1 = 0x0f0e0d0c0b0a0908L;
    /** Message bytes 00 01 02 .., as little-endian words. */
    private static final long M0 = 0x0706050403020100L;
    private static final long M1 = 0x0f0e0d0c0b0a0908L;
    private static final long M2 = 0x1716151413121110L;

    @Test
    void matchesTheReferenceVectorsForWholeWords() {
        // vectors.h of the reference implementation (github.com/veorq/SipHash), entries 8, 16 and 24,
        // read as little-endian 64-bit numbers.
        assertEquals(0x93f5f5799a932462L, SipHash.hash(K0, K1, M0));
        assertEquals(0x3f2acc7f57c29bdbL, SipHash.hash(K0, K1, M0, M1));
        assertEquals(0xb8ad50c6f649af94L, SipHash.hash(K0, K1, M0, M1, M2));
    }

    @Test
    void referenceByteImplementationReproducesThePaperExample() {
        // Appendix A of the paper: key 00..0f, message 00..0e (15 bytes) gives a129ca6149be45e5.
        byte[] message = new byte[15];
        for (int i = 0; i < message.length; i++) {
            message[i] = (byte) i;
        }
        assertEquals(0xa129ca6149be45e5L, reference(K0, K1, message));
        assertEquals(0x726fdb47dd0e0e31L, reference(K0, K1, new byte[0]));
    }

    @Test
    void wordsAreHashedAsLittleEndianBytes() {
        SplittableRandom random = new SplittableRandom(3);
        for (int i = 0; i < 1000; i++) {
            long k0 = random.nextLong();
            long k1 = random.nextLong();
            long a = random.nextLong();
            long b = random.nextLong();
            long c = random.nextLong();
            assertEquals(reference(k0, k1, bytes(a)), SipHash.hash(k0, k1, a));
            assertEquals(reference(k0, k1, bytes(a, b)), SipHash.hash(k0, k1, a, b));
            assertEquals(reference(k0, k1, bytes(a, b, c)), SipHash.hash(k0, k1, a, b, c));
        }
    }

    private static byte[] bytes(long... words) {
        byte[] out = new byte[words.length * 8];
        for (int w = 0; w < words.length; w++) {
            for (int i = 0; i < 8; i++) {
                out[w * 8 + i] = (byte) (words[w] >>> (8 * i));
            }
        }
        return out;
    }

    /** A byte-oriented SipHash-2-4 written from the paper, independent of the class under test. */
    private static long reference(long k0, long k1, byte[] in) {
        long[] v = {
            k0 ^ 0x736f6d6570736575L, k1 ^ 0x646f72616e646f6dL,
            k0 ^ 0x6c7967656e657261L, k1 ^ 0x7465646279746573L};
        int blocks = in.length / 8;
        for (int i = 0; i <= blocks; i++) {
            long m = 0;
            if (i < blocks) {
                for (int j = 7; j >= 0; j--) {
                    m = m << 8 | (in[i * 8 + j] & 0xFF);
                }
            } else {
                m = (long) (in.length & 0xFF) << 56;
                for (int j = in.length % 8 - 1; j >= 0; j--) {
                    m |= (long) (in[i * 8 + j] & 0xFF) << (8 * j);
                }
            }
            v[3] ^= m;
            round(v);
            round(v);
            v[0] ^= m;
        }
        v[2] ^= 0xff;
        for (int r = 0; r < 4; r++) {
            round(v);
        }
        return v[0] ^ v[1] ^ v[2] ^ v[3];
    }

    private static void round(long[] v) {
        v[0] += v[1]; v[1] = Long.rotateLeft(v[1], 13); v[1] ^= v[0]; v[0] = Long.rotateLeft(v[0], 32);
        v[2] += v[3]; v[3] = Long.rotateLeft(v[3], 16); v[3] ^= v[2];
        v[0] += v[3]; v[3] = Long.rotateLeft(v[3], 21); v[3] ^= v[0];
        v[2] += v[1]; v[1] = Long.rotateLeft(v[1], 17); v[1] ^= v[2]; v[2] = Long.rotateLeft(v[2], 32);
    }
}
