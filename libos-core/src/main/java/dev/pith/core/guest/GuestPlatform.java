package dev.pith.core.guest;

import dev.pith.core.Clock;
import dev.pith.core.EventLoop;
import dev.pith.core.RandomSource;
import dev.pith.core.buffer.PacketBufferPool;
import dev.pith.core.dma.DmaArena;
import dev.pith.core.platform.Platform;
import dev.pith.core.sys.Errno;
import dev.pith.core.sys.Linux;
import dev.pith.core.sys.SyscallException;
import java.io.IOException;
import java.io.PrintStream;
import java.io.UncheckedIOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.util.Map;
import java.util.Objects;

/**
 * The platform of a unikernel that is PID 1 of its own virtual machine (DESIGN.md §2–3): a stock
 * Linux kernel started the JVM, and this class does the rest of init's work.
 *
 * <pre>{@code
 * public static void main(String[] args) {
 *     GuestPlatform.runAsInit(() -> {          // whatever happens next, the machine powers off
 *         GuestPlatform platform = GuestPlatform.boot();
 *         ... drivers over platform.dmaArena(), the stack over platform.eventLoop() ...
 *     });
 * }
 * }</pre>
 *
 * <ul>
 *   <li>{@link #boot()} mounts proc, sysfs, devtmpfs and hugetlbfs, reads the {@code pith.*}
 *       settings from the kernel command line, and reserves the hugepages DMA memory will need.
 *   <li>Time is {@link System#nanoTime()}. Randomness is a {@link BootRandom}, made on first use,
 *       which never waits for the kernel's pool: with QEMU's default CPU (no RDRAND) the pool is not
 *       ready when the JVM starts and the first blocking read waited about 1 s here; with RDRAND
 *       ({@code -cpu max} under TCG, the host CPU under KVM) and RANDOM_TRUST_CPU it was ready
 *       0.04 s into boot (DESIGN.md §3). Loading the kernel's virtio-rng driver is no option: it
 *       would bring virtio_pci, which would take Pith's devices.
 *   <li>The event loop spins 250 µs after its last work, then parks at most 1 ms at a time: polled
 *       devices cannot wake it ({@code pith.spin_us}, {@code pith.park_us}).
 *   <li>Packet buffers and rings come from one {@link DmaArena}: hugepages if reserved (a file on
 *       the hugetlbfs mount), else locked 4 KiB pages.
 *   <li>The boot path makes one FFM downcall handle, mount's: sysfs, /proc, the DMA memory, PCI
 *       configuration space and BARs, and randomness are plain Java I/O, because under TCG each
 *       handle costs a few hundred milliseconds to make. reboot, sync and port I/O link theirs at
 *       exit.
 *   <li>{@link #exit} syncs, reports the status through QEMU's isa-debug-exit device and powers off.
 * </ul>
 *
 * <p>Settings read here: {@code pith.dma_mib} (DMA memory, default {@value #DEFAULT_DMA_MIB} MiB),
 * {@code pith.exit_port} (isa-debug-exit's I/O port, default 0x501, or "none"), {@code pith.spin_us}
 * and {@code pith.park_us} (the event loop's idle spin and longest park, µs), {@code pith.log}
 * ("debug" prints each boot step and each phase's time, see {@link BootTrace}). The guest cannot
 * detect isa-debug-exit; on a machine without it the write goes to an unclaimed port, which QEMU
 * ignores.
 */
public final class GuestPlatform implements Platform {

    /** isa-debug-exit's default I/O port (QEMU's {@code iobase=0x501}). */
    public static final int DEFAULT_DEBUG_EXIT_PORT = 0x501;
    /**
     * How long the event loop busy-polls after its last work before it parks, in µs: long enough
     * for a request's answer to reach the host and its next request to come back under TCG, so a
     * conversation never waits for a park to end (warm echo round trip 0.25 ms instead of 0.25 or
     * 1.4 ms by chance with 50 µs); short enough that a quiet guest sleeps.
     */
    public static final long DEFAULT_SPIN_MICROS = 250;
    /** The longest the event loop parks at a time, in µs: the latency of a packet that arrives while it sleeps. */
    public static final long DEFAULT_PARK_MICROS = 1000;
    /** Default size of the DMA arena in MiB: four 2 MiB hugepages. */
    public static final int DEFAULT_DMA_MIB = 8;

    private final Map<String, String> settings;
    private final Clock clock = Clock.system();
    /** Made on first use: its seeding is a system call, and a platform made in a test never needs it. */
    private RandomSource random;
    private final Shutdown shutdown;
    private final long dmaBytes;
    private final BootTrace trace;
    /** Where hugetlbfs is mounted, for the DMA arena's file; null if it is not. */
    private final Path hugetlbfs;
    /** Made on first use. Guarded by {@code this}. */
    private DmaArena dmaArena;

    GuestPlatform(Map<String, String> settings, Shutdown shutdown) {
        this(settings, shutdown, BootTrace.OFF, null);
    }

    private GuestPlatform(Map<String, String> settings, Shutdown shutdown, BootTrace trace, Path hugetlbfs) {
        this.settings = Map.copyOf(settings);
        this.shutdown = Objects.requireNonNull(shutdown, "shutdown == null");
        this.trace = trace;
        this.hugetlbfs = hugetlbfs;
        this.dmaBytes = dmaMib(this.settings) << 20;
    }

    /**
     * Does PID 1's work and returns the platform: mounts /proc, /sys, /dev (devtmpfs) and
     * /dev/hugepages (skipping what is mounted already), reads the settings from /proc/cmdline and
     * reserves hugepages for the DMA arena if the kernel command line did not.
     *
     * @throws IllegalStateException if this process is not PID 1: mounting over a host's /dev is never wanted
     * @throws IOException if proc, sysfs or devtmpfs cannot be mounted
     */
    public static GuestPlatform boot() throws IOException {
        if (ProcessHandle.current().pid() != 1) {
            throw new IllegalStateException("GuestPlatform.boot() is for PID 1 of a guest; this is PID "
                    + ProcessHandle.current().pid() + " (use GuestPlatform.attach() or the hosted platform)");
        }
        long start = System.nanoTime();
        mount("proc", "/proc", "proc", Linux.MS_NOSUID | Linux.MS_NODEV | Linux.MS_NOEXEC, null, true);
        Map<String, String> settings = KernelCommandLine.read().pithSettings();
        BootTrace trace = BootTrace.of(settings);
        trace.kernelUptimeAt(start);
        trace.phase("proc", start);
        long phase = System.nanoTime();
        boolean debug = trace.enabled();
        if (!System.getProperty("java.vm.info", "").contains("sharing")) {
            System.out.println("pith: the JVM mapped no AOT cache or CDS archive; every class is parsed and linked at boot");
        }
        String mounted = Files.readString(Path.of("/proc/self/mounts"));
        mountUnlessMounted(mounted, "sysfs", "/sys", "sysfs", Linux.MS_NOSUID | Linux.MS_NODEV | Linux.MS_NOEXEC, null,
                true, debug);
        mountUnlessMounted(mounted, "devtmpfs", "/dev", "devtmpfs", Linux.MS_NOSUID, "mode=0755", true, debug);
        // hugetlbfs holds the DMA arena's file (DmaArena.hugepages). Optional: the kernel may lack it.
        boolean hugetlbfs = mountUnlessMounted(mounted, "hugetlbfs", DmaArena.HUGETLBFS.toString(), "hugetlbfs",
                Linux.MS_NOSUID | Linux.MS_NODEV, null, false, debug);
        trace.phase("mounts", phase);
        phase = System.nanoTime();
        GuestPlatform platform = new GuestPlatform(settings, Shutdown.SYSTEM, trace,
                hugetlbfs ? DmaArena.HUGETLBFS : null);
        platform.reserveHugepages(debug);
        trace.phase("hugepages", phase);
        trace.phase("platform", start);
        return platform;
    }

    /**
     * Returns the platform of a guest whose file systems someone else mounted (a test harness,
     * an init shell): settings from /proc/cmdline, nothing mounted, nothing reserved.
     */
    public static GuestPlatform attach() throws IOException {
        Map<String, String> settings = KernelCommandLine.read().pithSettings();
        String mounts = Files.readString(Path.of("/proc/self/mounts"));
        return new GuestPlatform(settings, Shutdown.SYSTEM, BootTrace.of(settings),
                isMounted(mounts, DmaArena.HUGETLBFS.toString(), "hugetlbfs") ? DmaArena.HUGETLBFS : null);
    }

    /** The body of an init process; may throw. */
    @FunctionalInterface
    public interface Main {
        void run() throws Exception;
    }

    /**
     * Runs {@code main} as PID 1 should: whatever happens the machine syncs and powers off, with
     * status 0 after a normal end and 1 after a failure, reported on the console (the serial port).
     * <ul>
     *   <li>{@code main} returns: once every other non-daemon thread has ended (an event loop
     *       thread keeps the machine up, as it would keep a JVM), power off with 0.
     *   <li>{@code main} throws anything: print it, power off with 1.
     *   <li>another thread dies of a {@link VirtualMachineError} (out of memory, stack overflow):
     *       print it, power off with 1; other uncaught exceptions are printed, as the JVM does.
     *   <li>{@link System#exit}: a shutdown hook powers off with 0 — the JVM does not tell hooks the
     *       status; call {@link #exit} to choose one.
     * </ul>
     * Never returns. A process that is not PID 1 is not a guest: it says so and exits the JVM with 2,
     * running nothing, so that an image's jar started on a host cannot mount or power off anything.
     */
    public static void runAsInit(Main main) {
        long pid = ProcessHandle.current().pid();
        if (pid != 1) {
            // Not a guest: powering off at the end would power off this host.
            System.err.println("pith: this is the boot code of a Pith image, for PID 1 of its virtual machine, and this"
                    + " is PID " + pid + "; boot the image (pith run, mvn pith:run, QEMU), or run the application hosted");
            Runtime.getRuntime().exit(2);
        }
        Init.run(main, Shutdown.SYSTEM, System.out, true);
    }

    // ---- Platform.

    @Override
    public String name() {
        return "guest";
    }

    @Override
    public Clock clock() {
        return clock;
    }

    @Override
    public synchronized RandomSource random() {
        if (random == null) {
            long start = System.nanoTime();
            random = new BootRandom(); // never blocks the boot on the kernel's entropy pool
            trace.phase("random", start);
        }
        return random;
    }

    @Override
    public EventLoop.Builder eventLoop() {
        // Virtqueues are polled and cannot wake a parked loop: spin a while after the last work for
        // latency, then park at most 1 ms at a time (BENCHMARKS.md, "The event loop's idle spin").
        long spinMicros = micros(settings, "spin_us", DEFAULT_SPIN_MICROS);
        long parkMicros = micros(settings, "park_us", DEFAULT_PARK_MICROS);
        return EventLoop.builder().clock(clock).spin(Duration.ofNanos(spinMicros * 1000))
                .maxPark(Duration.ofNanos(parkMicros * 1000));
    }

    @Override
    public PacketBufferPool packetBuffers(int bufferSize, int count) {
        try {
            return dmaArena().packetBuffers(bufferSize, count);
        } catch (IOException e) {
            throw new UncheckedIOException(e);
        }
    }

    @Override
    public Map<String, String> settings() {
        return settings;
    }

    /**
     * Syncs, writes {@code status} to isa-debug-exit (QEMU then exits with {@link #qemuExitStatus}),
     * and powers off with reboot(RB_POWER_OFF). Never returns.
     */
    @Override
    public void exit(int status) {
        shutdown.exit(status);
    }

    /**
     * Returns the DMA arena of this guest, made on first use: {@code pith.dma_mib} MiB of
     * hugepages if enough are free, else of locked 4 KiB pages (regions of at most 4 KiB then).
     */
    @SuppressWarnings("exports") // DmaArena is exported to the driver modules only, which are this method's callers
    public synchronized DmaArena dmaArena() throws IOException {
        if (dmaArena == null) {
            dmaArena = DmaArena.allocate(dmaBytes, hugetlbfs);
            if (dmaArena.backing() != DmaArena.Backing.HUGEPAGES) {
                System.out.println("pith: no free hugepages for " + (dmaBytes >> 20) + " MiB of DMA memory; using"
                        + " 4 KiB locked pages (regions of at most 4 KiB); reserve hugepages=N to avoid this");
            }
        }
        return dmaArena;
    }

    /** Returns the boot-phase trace: prints with {@code pith.log=debug}, else does nothing. */
    public BootTrace bootTrace() {
        return trace;
    }

    /** Returns the I/O port isa-debug-exit listens on, or -1 if {@code pith.exit_port=none}. */
    public int debugExitPort() {
        return debugExitPort(settings);
    }

    // ---- Exit status encoding.

    /**
     * Returns the byte written to isa-debug-exit for {@code status}: the status itself from 0 to
     * 127, else 127. QEMU exits with {@code (value << 1) | 1}, and a process status has 8 bits, so
     * larger values would wrap — 128 would look like success.
     */
    public static int debugExitValue(int status) {
        return status >= 0 && status <= 127 ? status : 127;
    }

    /** Returns the status QEMU exits with when the guest exits with {@code status}: {@code (value << 1) | 1}. */
    public static int qemuExitStatus(int status) {
        return debugExitValue(status) << 1 | 1;
    }

    /** Returns the guest's status from QEMU's exit status, or -1 if QEMU did not exit through isa-debug-exit (even). */
    public static int guestStatus(int qemuExitStatus) {
        return (qemuExitStatus & 1) == 1 && qemuExitStatus >= 1 && qemuExitStatus <= 255 ? qemuExitStatus >> 1 : -1;
    }

    // ---- Helpers.

    static int debugExitPort(Map<String, String> settings) {
        String value = settings.get("exit_port");
        if (value == null) {
            return DEFAULT_DEBUG_EXIT_PORT;
        }
        if (value.equals("none") || value.equals("off")) {
            return -1;
        }
        try {
            int port = Integer.decode(value);
            if (port < 0 || port > 0xffff) {
                throw new NumberFormatException("outside 0..0xffff");
            }
            return port;
        } catch (NumberFormatException e) {
            throw new IllegalArgumentException("pith.exit_port must be an I/O port (e.g. 0x501) or none: \"" + value
                    + "\"", e);
        }
    }

    /** The event loop's spin or park setting in µs, 0 to 1 s. */
    static long micros(Map<String, String> settings, String name, long fallback) {
        return number(settings, name, fallback, 0, 1_000_000, "microseconds");
    }

    static long dmaMib(Map<String, String> settings) {
        return number(settings, "dma_mib", DEFAULT_DMA_MIB, 1, 1 << 20, "MiB");
    }

    /**
     * A number setting: {@code pith.NAME} on the kernel command line, else {@code -Dpith.NAME}, else
     * {@code fallback}; one outside {@code min..max} or not a number is an error naming the setting.
     */
    private static long number(Map<String, String> settings, String name, long fallback, long min, long max, String unit) {
        String value = settings.getOrDefault(name, System.getProperty("pith." + name));
        if (value == null) {
            return fallback;
        }
        try {
            long n = Long.parseLong(value.strip());
            if (n < min || n > max) {
                throw new NumberFormatException("outside " + min + ".." + max);
            }
            return n;
        } catch (NumberFormatException e) {
            throw new IllegalArgumentException("pith." + name + " must be a number of " + unit + " from " + min + " to "
                    + max + ": \"" + value + "\"", e);
        }
    }

    /** Makes sure enough 2 MiB hugepages are free for the DMA arena, asking the kernel for more early in boot. */
    private void reserveHugepages(boolean debug) {
        long needed = (dmaBytes + DmaArena.HUGEPAGE_SIZE - 1) / DmaArena.HUGEPAGE_SIZE;
        long free = DmaArena.freeHugepages();
        if (free >= needed) {
            return;
        }
        Path sysctl = Path.of("/proc/sys/vm/nr_hugepages");
        try {
            long total = Long.parseLong(Sysctl.read(sysctl));
            Files.writeString(sysctl, Long.toString(total + needed - free));
            // Locked-page fallback: keep compaction from moving pages a device holds addresses of.
            if (DmaArena.freeHugepages() < needed) {
                Files.writeString(Path.of("/proc/sys/vm/compact_unevictable_allowed"), "0");
            }
        } catch (IOException | NumberFormatException e) {
            System.out.println("pith: cannot reserve hugepages: " + e);
        }
        if (debug) {
            System.out.println("pith: hugepages free " + DmaArena.freeHugepages() + ", wanted " + needed);
        }
    }

    /** Mounts {@code type} on {@code target} unless /proc/self/mounts shows it there; returns whether it is there. */
    private static boolean mountUnlessMounted(String mounts, String source, String target, String type, long flags,
            String data, boolean required, boolean debug) throws IOException {
        if (isMounted(mounts, target, type)) {
            if (debug) {
                System.out.println("pith: " + target + " already mounted");
            }
            return true;
        }
        boolean mounted = mount(source, target, type, flags, data, required);
        if (debug && mounted) {
            System.out.println("pith: mounted " + type + " on " + target);
        }
        return mounted;
    }

    /** Returns whether {@code mounts}, /proc/self/mounts' text, has a file system of {@code type} on {@code target}. */
    private static boolean isMounted(String mounts, String target, String type) {
        // /proc/self/mounts: "source target type options 0 0" per line.
        for (String line : mounts.split("\n")) {
            String[] fields = line.split(" ");
            if (fields.length > 2 && fields[1].equals(target) && fields[2].equals(type)) {
                return true;
            }
        }
        return false;
    }

    /** Mounts; returns false if an optional mount failed (said on the console), throws if a required one did. */
    private static boolean mount(String source, String target, String type, long flags, String data,
            boolean required) throws IOException {
        try {
            Files.createDirectories(Path.of(target));
            Linux.mount(source, target, type, flags, data);
            return true;
        } catch (SyscallException e) {
            if (e.errnoValue() == Errno.EBUSY) {
                return true; // already mounted there
            }
            if (required) {
                throw e;
            }
            System.out.println("pith: " + e.getMessage() + " (continuing without " + target + ")");
            return false;
        } catch (IOException e) {
            if (required) {
                throw e;
            }
            System.out.println("pith: cannot create " + target + ": " + e);
            return false;
        }
    }

    @Override
    public String toString() {
        return "GuestPlatform[settings " + settings + "]";
    }

    /** How {@link #runAsInit} runs the main body; separate so tests drive it with a fake machine. */
    static final class Init {
        private Init() {}

        static void run(Main main, Shutdown shutdown, PrintStream console, boolean asProcess) {
            if (asProcess) {
                Thread.setDefaultUncaughtExceptionHandler((thread, failure) -> {
                    console.println("pith: uncaught exception in thread \"" + thread.getName() + "\":");
                    failure.printStackTrace(console);
                    if (failure instanceof VirtualMachineError) {
                        shutdown.exit(1);
                    }
                });
                Runtime.getRuntime().addShutdownHook(new Thread(() -> shutdown.exit(0), "pith-power-off"));
            }
            int status;
            try {
                main.run();
                if (asProcess) {
                    awaitOtherNonDaemonThreads();
                }
                status = 0;
            } catch (Throwable failure) {
                try {
                    console.println("pith: init failed:");
                    failure.printStackTrace(console);
                } catch (Throwable ignored) {
                    // out of memory, most likely: power off all the same
                }
                status = 1;
            }
            shutdown.exit(status);
        }

        /** Waits, as the JVM's DestroyJavaVM does, until no other non-daemon platform thread is alive. */
        private static void awaitOtherNonDaemonThreads() throws InterruptedException {
            Thread self = Thread.currentThread();
            for (;;) {
                Thread other = null;
                for (Thread thread : Thread.getAllStackTraces().keySet()) {
                    if (thread != self && thread.isAlive() && !thread.isDaemon()) {
                        other = thread;
                        break;
                    }
                }
                if (other == null) {
                    return;
                }
                other.join();
            }
        }
    }
}
