package dev.pith.core.guest;

import dev.pith.core.RandomSource;
import java.io.IOException;
import java.io.InputStream;
import java.nio.ByteBuffer;
import java.nio.file.Files;
import java.nio.file.Path;
import java.security.NoSuchAlgorithmException;
import java.security.SecureRandom;
import java.time.Duration;
import java.util.HexFormat;

/**
 * The guest's randomness, which must never make the boot wait (DESIGN.md §3), read with plain Java
 * I/O: a getrandom downcall handle would cost a few hundred milliseconds to make under emulation.
 *
 * <p>A SHA1PRNG is seeded at once. If the kernel's CRNG is initialised ({@code entropy_avail} reads
 * 256, the pool's {@code POOL_READY_BITS}), from {@code /dev/urandom}: full strength. If not, from
 * {@code /proc/sys/kernel/random/uuid}, which the kernel fills with {@code get_random_bytes} and
 * never waits for (122 random bits a read, the same CRNG GRND_INSECURE reads), and the clock; a
 * virtual thread then waits for the CPU to idle (the boot to be over), reads {@code /dev/random},
 * which waits for the pool, and mixes 32 bytes of full-strength entropy in. Values drawn before that
 * are unpredictable to a remote observer but not of cryptographic strength; with RDRAND trusted
 * (-cpu max or host, RANDOM_TRUST_CPU) the pool is ready from the first instruction and this
 * distinction vanishes.
 *
 * <p>Why not {@code /dev/urandom} before the pool is ready: on Linux 6.1 (drivers/char/random.c,
 * {@code urandom_read_iter}) such a read first calls {@code try_to_generate_entropy()}, which spins
 * on timer jitter until the CRNG is ready wherever the cycle counter is fast — TCG's is — so it
 * returns no sooner than a blocking getrandom: about a second here. It never blocks in the sense of
 * sleeping, but it does not return at once either.
 */
final class BootRandom implements RandomSource {

    private static final Path ENTROPY_AVAIL = Path.of("/proc/sys/kernel/random/entropy_avail");
    private static final Path UUID = Path.of("/proc/sys/kernel/random/uuid");
    private static final Path STAT = Path.of("/proc/stat");
    /**
     * How long the CPU's idle share is measured over before the full-strength reseed starts: long enough that the
     * boot's own short waits (DHCP's ARP probes, 300 ms) do not count as idle.
     */
    private static final Duration IDLE_SAMPLE = Duration.ofSeconds(1);
    /** The longest the reseed waits for an idle CPU; then it starts regardless. */
    private static final Duration IDLE_WAIT = Duration.ofSeconds(30);
    /** The input pool's bits when the CRNG becomes ready (POOL_READY_BITS in drivers/char/random.c). */
    private static final int POOL_READY_BITS = 256;

    private final SecureRandom random;
    private volatile boolean full;

    BootRandom() {
        try {
            random = SecureRandom.getInstance("SHA1PRNG"); // seeded by us before first use: it never self-seeds
        } catch (NoSuchAlgorithmException e) {
            throw new IllegalStateException("the runtime has no SHA1PRNG", e);
        }
        byte[] seed = new byte[40];
        full = crngReady() && read("/dev/urandom", seed);
        if (!full) {
            uuidBytes(seed);
        }
        ByteBuffer.wrap(seed, 32, 8).putLong(System.nanoTime());
        random.setSeed(seed);
        if (!full) {
            Thread.ofVirtual().name("pith-entropy").start(() -> {
                try {
                    awaitIdleCpu(); // the wait below spins for about a second: not while the unikernel boots
                } catch (InterruptedException e) {
                    return;
                }
                byte[] strong = new byte[32];
                if (read("/dev/random", strong)) { // waits until the pool is initialised
                    random.setSeed(strong); // supplements, never replaces, the seed
                    full = true;
                }
            });
        }
    }

    /**
     * Waits until the CPU was at least half idle over one {@link #IDLE_SAMPLE} (/proc/stat), or for at most
     * {@link #IDLE_WAIT}. Waiting for the pool, the kernel spins on timer jitter (try_to_generate_entropy) until it
     * has credited 256 bits, at most one a tick: about a second of a CPU that, in a one-vCPU guest, the boot needs.
     * Started at once, that spin delayed the first echo by 0.6–0.9 s here; once the unikernel idles, it costs nothing.
     */
    private static void awaitIdleCpu() throws InterruptedException {
        long deadline = System.nanoTime() + IDLE_WAIT.toNanos();
        long[] before = cpuTimes();
        while (before != null && System.nanoTime() - deadline < 0) {
            Thread.sleep(IDLE_SAMPLE);
            long[] now = cpuTimes();
            if (now == null) {
                return;
            }
            long total = now[0] - before[0];
            if (total > 0 && 2 * (now[1] - before[1]) >= total) {
                return;
            }
            before = now;
        }
    }

    /**
     * Returns all CPUs' time and idle time so far, in ticks, from the first line of /proc/stat
     * ("cpu user nice system idle iowait irq softirq steal guest guest_nice", Documentation/filesystems/proc.rst);
     * null if it cannot be read.
     */
    static long[] cpuTimes() {
        try {
            String stat = Files.readString(STAT);
            String[] fields = stat.substring(0, stat.indexOf('\n')).trim().split(" +");
            long total = 0;
            for (int i = 1; i <= 8 && i < fields.length; i++) { // guest time is already in user time
                total += Long.parseLong(fields[i]);
            }
            return new long[] {total, Long.parseLong(fields[4]) + Long.parseLong(fields[5])};
        } catch (IOException | RuntimeException e) {
            return null;
        }
    }

    /** Returns whether the kernel says its CRNG is ready: entropy_avail is the input pool's init_bits. */
    private static boolean crngReady() {
        try {
            return Integer.parseInt(Sysctl.read(ENTROPY_AVAIL)) >= POOL_READY_BITS;
        } catch (IOException | NumberFormatException e) {
            return false; // no /proc: the uuid and the clock, then /dev/random in the background
        }
    }

    /** Fills {@code bytes} from {@code device}; returns false if it could not be read. */
    private static boolean read(String device, byte[] bytes) {
        try (InputStream in = Files.newInputStream(Path.of(device))) {
            return in.readNBytes(bytes, 0, bytes.length) == bytes.length;
        } catch (IOException e) {
            return false;
        }
    }

    /** Fills the first 32 bytes of {@code seed} from two kernel UUIDs, or from the clock if they cannot be read. */
    static void uuidBytes(byte[] seed) {
        try {
            for (int offset = 0; offset < 32; offset += 16) {
                // "0f5e...-....-4...-....-............\n": 16 bytes, 122 of their bits random (RFC 4122 version 4).
                byte[] bytes = HexFormat.of().parseHex(Sysctl.read(UUID).replace("-", ""));
                System.arraycopy(bytes, 0, seed, offset, 16);
            }
        } catch (IOException | IllegalArgumentException e) {
            ByteBuffer.wrap(seed).putLong(System.nanoTime()).putLong(System.currentTimeMillis());
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
