package dev.pith.core;

import java.security.SecureRandom;
import java.util.SplittableRandom;

/**
 * Randomness as an injected device, like the clock (MirageOS passes {@code Random} to its stack
 * the same way). Security-relevant values — TCP initial sequence numbers, ephemeral ports, DHCP
 * transaction ids — come from here, so tests can replay them with a seed.
 *
 * <p>Implementations are used from the event loop thread only unless they say otherwise.
 */
public interface RandomSource {

    /** Returns 64 random bits. */
    long nextLong();

    /** Returns 32 random bits. */
    default int nextInt() {
        return (int) (nextLong() >>> 32);
    }

    /** Returns a uniformly distributed value in {@code [0, bound)}; {@code bound} must be positive. */
    default int nextInt(int bound) {
        if (bound <= 0) {
            throw new IllegalArgumentException("bound <= 0: " + bound);
        }
        // Lemire's unbiased bounded draw: reject the few low products that would skew the result.
        long product = (nextLong() >>> 32) * bound;
        int low = (int) product;
        if (Integer.compareUnsigned(low, bound) < 0) {
            int threshold = (int) (0x1_0000_0000L % bound);
            while (Integer.compareUnsigned(low, threshold) < 0) {
                product = (nextLong() >>> 32) * bound;
                low = (int) product;
            }
        }
        return (int) (product >>> 32);
    }

    /** Fills {@code bytes} with random bytes. */
    default void nextBytes(byte[] bytes) {
        for (int i = 0; i < bytes.length; i += 8) {
            long r = nextLong();
            for (int j = i; j < Math.min(i + 8, bytes.length); j++, r >>>= 8) {
                bytes[j] = (byte) r;
            }
        }
    }

    /**
     * Returns a cryptographically strong source, seeded by the operating system. The seed is
     * drawn on first use, not here, so that creating a unikernel never blocks on early-boot
     * entropy (DESIGN.md §3).
     */
    static RandomSource secure() {
        return new RandomSource() {
            private SecureRandom random;

            @Override
            public long nextLong() {
                if (random == null) {
                    random = new SecureRandom();
                }
                return random.nextLong();
            }
        };
    }

    /** Returns a reproducible, NOT secure source for tests and simulations. */
    static RandomSource seeded(long seed) {
        SplittableRandom random = new SplittableRandom(seed);
        return random::nextLong;
    }
}
