package dev.pith.net.internal.tcp;

import dev.pith.core.Clock;
import dev.pith.core.RandomSource;

/**
 * Initial sequence numbers as RFC 6528 §3 specifies: {@code ISN = M + F(localip, localport,
 * remoteip, remoteport, secretkey)}, M a timer ticking every 4 microseconds (RFC 9293 §3.4.1's ISN
 * clock) and F SipHash-2-4 keyed with 128 random bits. Per 4-tuple, ISNs keep increasing with time,
 * so a new incarnation of a connection starts above the old one's sequence space; across tuples
 * they are unpredictable, so an off-path attacker cannot guess one to inject or spoof segments.
 *
 * <p>What F hashes: the words {@code localAddress << 32 | remoteAddress} and
 * {@code localPort << 16 | remotePort}, addresses and ports unsigned (see {@link SipHash}). The key
 * is drawn from the {@link RandomSource} on the first {@link #next} rather than in the constructor,
 * so building a stack never waits for early-boot entropy (DESIGN.md §3). It never changes: a new
 * key would break the per-tuple monotonicity RFC 6528 wants. Not thread-safe: one event loop.
 */
final class IsnGenerator {

    /** RFC 9293 §3.4.1: the ISN clock's low bit increments about every 4 microseconds. */
    static final long TICK_NANOS = 4_000;

    private final Clock clock;
    private final RandomSource random;
    private long k0;
    private long k1;
    private boolean keyed;

    /** Creates a generator timed by {@code clock} that draws its secret key from {@code random}. */
    IsnGenerator(Clock clock, RandomSource random) {
        this.clock = clock;
        this.random = random;
    }

    /** Returns the ISN for a connection between the given endpoints (addresses as IPv4 ints, ports 0..65535). */
    int next(int localAddress, int localPort, int remoteAddress, int remotePort) {
        if (!keyed) {
            k0 = random.nextLong();
            k1 = random.nextLong();
            keyed = true;
        }
        long m = Math.floorDiv(clock.nanoTime(), TICK_NANOS);
        long f = SipHash.hash(k0, k1,
                (long) localAddress << 32 | Integer.toUnsignedLong(remoteAddress),
                (long) (localPort & 0xFFFF) << 16 | (remotePort & 0xFFFF));
        return (int) (m + f);
    }
}
