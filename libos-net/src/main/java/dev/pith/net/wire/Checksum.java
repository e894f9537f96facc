package dev.pith.net.wire;

import io.netty.buffer.ByteBuf;

/**
 * The Internet checksum (RFC 1071): the 16-bit one's-complement of the one's-complement sum of
 * 16-bit big-endian words, used by IPv4, ICMP, UDP and TCP.
 *
 * <p>Build a checksum from partial sums, each passed as {@code initial} to the next, then
 * {@link #finish}: {@code finish(sum(buf, i, n, pseudoHeader(src, dst, IpProtocol.TCP, n)))}. A
 * partial sum is folded to 16 bits, so {@code 0 <= sum <= 0xFFFF}. Every piece but the last must
 * have an even length, since words are counted from each piece's first byte.
 *
 * <p>To verify, sum a received packet including its checksum field: a correct packet gives
 * {@code 0xFFFF} before finishing (and so {@code finish} gives 0), RFC 1071 §1 step (3).
 */
public final class Checksum {

    private Checksum() {}

    /** Adds {@code length} bytes at {@code index} to the partial sum {@code initial}, without moving the buffer's indices. */
    public static int sum(ByteBuf buf, int index, int length, int initial) {
        long sum = initial & 0xFFFF_FFFFL;
        int end = index + length;
        int i = index;
        // Two 32-bit words per read: since 2^16 = 1 (mod 2^16 - 1), adding 32-bit big-endian words and
        // folding later gives the one's-complement sum of their 16-bit halves (RFC 1071 §2 (B), (C)).
        // Each step adds < 2^33, so the long cannot overflow below 2^30 steps (8 GiB).
        for (; end - i >= 8; i += 8) {
            long words = buf.getLong(i);
            sum += (words >>> 32) + (words & 0xFFFF_FFFFL);
        }
        if (end - i >= 4) {
            sum += buf.getUnsignedInt(i);
            i += 4;
        }
        if (end - i >= 2) {
            sum += buf.getUnsignedShort(i);
            i += 2;
        }
        if (i < end) {
            sum += buf.getUnsignedByte(i) << 8; // an odd last byte is padded with a zero octet (RFC 1071 §1 (1))
        }
        return fold(sum);
    }

    /** Returns the partial sum of the IPv4 pseudo-header for TCP and UDP (RFC 9293 §3.1, RFC 768). */
    public static int pseudoHeader(int srcAddrBits, int dstAddrBits, int protocol, int length) {
        long sum = (srcAddrBits >>> 16) + (srcAddrBits & 0xFFFF) + (dstAddrBits >>> 16) + (dstAddrBits & 0xFFFF)
                + (protocol & 0xFFFF) + (length & 0xFFFF);
        return fold(sum);
    }

    /** Returns the checksum to write for a partial sum: its one's complement, as 16 bits. */
    public static int finish(int sum) {
        return ~fold(sum & 0xFFFF_FFFFL) & 0xFFFF;
    }

    /** Adds the carries back in (end-around carry) until 16 bits remain. */
    private static int fold(long sum) {
        while ((sum >>> 16) != 0) {
            sum = (sum & 0xFFFF) + (sum >>> 16);
        }
        return (int) sum;
    }
}
