package dev.pith.net.internal.tcp;

import dev.pith.core.Clock;
import dev.pith.core.RandomSource;

/**
 * SYN cookies (RFC 4987 §3.6, D. J. Bernstein's design as Linux implements it): when the SYN queue
 * is full, a listener answers a SYN without keeping any state, encoding what it needs in its own
 * ISN; the ACK that completes the handshake returns that ISN plus one, and is accepted only if it
 * carries a valid cookie. A flood of spoofed SYNs then costs no memory.
 *
 * <p>A cookie, the server's ISN, is 32 bits:
 * <pre>
 *   31                               4   3     2   1     0
 *  +----------------------------------+-----------+---------+
 *  |  MAC (28 bits)                   | counter&3 | MSS idx |
 *  +----------------------------------+-----------+---------+
 * </pre>
 * The counter counts 64-second periods of the clock; a cookie is accepted during the period it was
 * issued in and the two after (so for 128 to 192 s). The MSS index selects the largest entry of
 * {@link #MSS_TABLE} not above the client's MSS (536 if the client's is smaller). The MAC is the
 * top 28 bits of SipHash-2-4, keyed with 128 random bits, over the 4-tuple, the client's ISN, the
 * full counter and the MSS index (words {@code local << 32 | remote},
 * {@code localPort << 48 | remotePort << 32 | clientIsn}, {@code counter << 2 | mssIndex}).
 *
 * <p>What a connection set up by cookie loses, because the SYN's options are not kept: window
 * scaling (RFC 7323; the window stays at most 64 KiB), SACK-permitted (RFC 2018), timestamps
 * (RFC 7323; Linux hides these three in the timestamp value, we do not), an exact MSS (rounded down
 * to the table), data carried on the SYN, and SYN-ACK retransmission (no state to retransmit from:
 * the client's SYN retransmission triggers a new SYN-ACK). Its ISN also ignores RFC 6528's clock.
 *
 * <p>Forgery odds: for a chosen 4-tuple and client ISN, 3 counters times 4 MSS values make 12
 * valid cookies among 2^32 acknowledgment numbers, so a blind guess succeeds with probability
 * 12 / 2^32, about 2.8e-9; a million forged ACKs open a connection with probability 0.3%. Not
 * thread-safe: one event loop.
 */
final class SynCookies {

    /** Length of a counter period: 64 s, near Linux's one minute ({@code tcp_cookie_time()}), a power of two. */
    static final long PERIOD_NANOS = 64_000_000_000L;
    /** A cookie is valid in the period it was issued in and this many after. */
    static final int MAX_AGE_PERIODS = 2;
    /** The MSS values a cookie can encode, ascending; index 0 is the RFC 9293 default 536. */
    private static final int[] MSS_TABLE = {536, 1300, 1440, 1460};
    private static final int MAC_BITS = 28;

    private final Clock clock;
    private final RandomSource random;
    private long k0;
    private long k1;
    private boolean keyed;

    /** Creates cookies timed by {@code clock}, keyed on first use from {@code random} (see {@link IsnGenerator}). */
    SynCookies(Clock clock, RandomSource random) {
        this.clock = clock;
        this.random = random;
    }

    /** Returns the MSS encoded by index {@code i}, 0 to 3. */
    static int mssOf(int i) {
        return MSS_TABLE[i];
    }

    /**
     * Returns the cookie to send as our ISN in the SYN-ACK answering a SYN from {@code remote} with
     * sequence number {@code clientIsn} and MSS option {@code mss} (536 if it had none).
     */
    int cookie(int localAddress, int localPort, int remoteAddress, int remotePort, int clientIsn, int mss) {
        long counter = counter();
        int mssIndex = MSS_TABLE.length - 1;
        while (mssIndex > 0 && MSS_TABLE[mssIndex] > mss) {
            mssIndex--;
        }
        int mac = mac(localAddress, localPort, remoteAddress, remotePort, clientIsn, counter, mssIndex);
        return mac << (32 - MAC_BITS) | ((int) counter & 3) << 2 | mssIndex;
    }

    /**
     * Checks the ACK completing a cookie handshake: {@code clientIsn} is the ACK's sequence number
     * minus one, {@code ackNumber} its acknowledgment number. Returns the MSS the cookie encodes, or
     * -1 if {@code ackNumber - 1} is not a cookie issued for this 4-tuple and client ISN in the
     * current period or the {@value #MAX_AGE_PERIODS} before.
     */
    int check(int localAddress, int localPort, int remoteAddress, int remotePort, int clientIsn, int ackNumber) {
        int cookie = ackNumber - 1;
        int counterBits = (cookie >>> 2) & 3;
        int mssIndex = cookie & 3;
        long now = counter();
        // Three consecutive counters have distinct low two bits: at most one candidate matches.
        for (int age = 0; age <= MAX_AGE_PERIODS; age++) {
            long counter = now - age;
            if (((int) counter & 3) == counterBits) {
                int mac = mac(localAddress, localPort, remoteAddress, remotePort, clientIsn, counter, mssIndex);
                return mac == cookie >>> (32 - MAC_BITS) ? MSS_TABLE[mssIndex] : -1;
            }
        }
        return -1;
    }

    private long counter() {
        return Math.floorDiv(clock.nanoTime(), PERIOD_NANOS);
    }

    private int mac(int localAddress, int localPort, int remoteAddress, int remotePort, int clientIsn,
            long counter, int mssIndex) {
        if (!keyed) {
            k0 = random.nextLong();
            k1 = random.nextLong();
            keyed = true;
        }
        long h = SipHash.hash(k0, k1,
                (long) localAddress << 32 | Integer.toUnsignedLong(remoteAddress),
                (long) (localPort & 0xFFFF) << 48 | (long) (remotePort & 0xFFFF) << 32
                        | Integer.toUnsignedLong(clientIsn),
                counter << 2 | mssIndex);
        return (int) (h >>> (64 - MAC_BITS));
    }
}
