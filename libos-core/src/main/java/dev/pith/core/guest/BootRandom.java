package dev.pith.core.guest;

import dev.pith.core.RandomSource;
import dev.pith.core.sys.Linux;
import dev.pith.core.sys.SyscallException;
import java.lang.foreign.Arena;
import java.lang.foreign.MemorySegment;
import java.lang.foreign.ValueLayout;
import java.nio.ByteBuffer;
import java.security.NoSuchAlgorithmException;
import java.security.SecureRandom;

/**
 * The guest's randomness, which must never make the boot wait (DESIGN.md §3). Early in boot on a
 * CPU without RDRAND (QEMU's default) the kernel's pool is not ready, and a blocking getrandom —
 * what {@code new SecureRandom()} ends up doing — stalls for seconds under emulation. So a
 * SHA1PRNG is seeded at once from getrandom(GRND_NONBLOCK), or, while the pool is still
 * initialising, from getrandom(GRND_INSECURE) and the clock; a daemon thread then waits for the
 * pool and mixes 32 bytes of full-strength entropy in. Values drawn before that are unpredictable
 * to a remote observer but not of cryptographic strength; with RDRAND trusted (-cpu max or host,
 * RANDOM_TRUST_CPU) the pool is ready from the first instruction and this distinction vanishes.
 */
final class BootRandom implements RandomSource {

    private final SecureRandom random;
    private volatile boolean full;

    BootRandom() {
        try {
            random = SecureRandom.getInstance("SHA1PRNG"); // seeded by us before first use: it never self-seeds
        } catch (NoSuchAlgorithmException e) {
            throw new IllegalStateException("the runtime has no SHA1PRNG", e);
        }
        byte[] seed = new byte[40];
        full = fill(seed, Linux.GRND_NONBLOCK);
        if (!full && !fill(seed, Linux.GRND_INSECURE)) {
            ByteBuffer.wrap(seed).putLong(System.nanoTime()).putLong(System.currentTimeMillis());
        }
        ByteBuffer.wrap(seed, 32, 8).putLong(System.nanoTime());
        random.setSeed(seed);
        if (!full) {
            Thread.ofVirtual().name("pith-entropy").start(() -> {
                byte[] strong = new byte[32];
                if (fill(strong, 0)) { // blocks until the pool is initialised
                    random.setSeed(strong); // supplements, never replaces, the seed
                    full = true;
                }
            });
        }
    }

    /** Fills {@code bytes} with getrandom(flags); returns false if the kernel would not. */
    private static boolean fill(byte[] bytes, int flags) {
        try (Arena arena = Arena.ofConfined()) {
            MemorySegment buffer = arena.allocate(bytes.length);
            long n = Linux.getrandom(buffer, flags);
            if (n != bytes.length) {
                return false;
            }
            MemorySegment.copy(buffer, ValueLayout.JAVA_BYTE, 0, bytes, 0, bytes.length);
            return true;
        } catch (SyscallException e) {
            // EAGAIN: not initialised yet; EINVAL: a kernel before 5.6 without GRND_INSECURE.
            return false;
        }
    }

    /** Returns whether the kernel's fully initialised pool has been mixed in. */
    boolean fullStrength() {
        return full;
    }

    @Override
    public long nextLong() {
        return random.nextLong();
    }

    @Override
    public void nextBytes(byte[] bytes) {
        random.nextBytes(bytes);
    }
}
