package dev.pith.kernel;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertInstanceOf;
import static org.junit.jupiter.api.Assertions.assertTrue;
import static org.junit.jupiter.api.Assertions.fail;

import dev.pith.image.initramfs.Compression;
import dev.pith.image.initramfs.GuestImage;
import dev.pith.image.initramfs.KernelCommandLine;
import dev.pith.image.kernel.KernelProvider;
import dev.pith.image.qemu.ConsoleLine;
import dev.pith.image.qemu.Outcome;
import dev.pith.image.qemu.QemuResult;
import dev.pith.image.qemu.QemuRunner;
import dev.pith.image.runtime.RuntimeImage;
import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.Optional;
import java.util.OptionalInt;
import java.util.regex.Matcher;
import java.util.regex.Pattern;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.Assumptions;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.MethodOrderer;
import org.junit.jupiter.api.Order;
import org.junit.jupiter.api.Tag;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.TestMethodOrder;

/**
 * Boots Pith's kernel (this module's bzImage) with a jlinked java.base runtime and a small probe
 * ({@code guest/KernelProbe.java}) as PID 1, under QEMU: the JVM says hello and hands its exit
 * status to isa-debug-exit through /dev/port; the probe finds everything Pith's guest platform
 * takes from the kernel; reboot(RB_POWER_OFF) ends QEMU through ACPI. Then it measures the boot
 * beside Debian's cloud kernel with the same initramfs (LZ4), and the smallest {@code -m} each
 * kernel boots the JVM in, and prints a report (also written to target/kernel-boot-report.txt).
 *
 * <p>Settings: {@code -Dpith.kernel.rounds=N} boots per kernel and kind of run for the medians
 * (default 1, to keep the test suite short; the figures in README.md are medians of 5); {@code -Dpith.kernel.memories=64,96,128,192} the sizes tried, in MiB. Needs
 * qemu-system-x86 and binutils (objcopy), and Debian's archive once for the cloud kernel.
 */
@Tag("guest")
@TestMethodOrder(MethodOrderer.OrderAnnotation.class)
class PithKernelBootTest {
    private static final Pattern HELLO = Pattern.compile("hello from pid 1 (\\d+)");
    private static final Pattern PRINTK_TIME = Pattern.compile("^\\[\\s*(\\d+\\.\\d+)\\]");
    private static final String RUN_INIT = "Run /jre/bin/java as init process";
    private static final List<String> QUIET = KernelCommandLine.defaultKernelParameters();
    private static final List<String> VERBOSE = List.of("console=ttyS0", "panic=-1", "printk.time=1", "rootfstype=ramfs");
    private static final Duration TIMEOUT = Duration.ofSeconds(90);
    private static final List<String> REPORT = new ArrayList<>();

    private static Path pithKernel;
    private static Path debianKernel;
    private static GuestImage image;

    @BeforeAll
    static void buildTheGuest() throws IOException {
        requireTool("qemu-system-x86_64", "qemu-system-x86");
        requireTool("objcopy", "binutils");
        pithKernel = Path.of(System.getProperty("pith.kernel.bzImage", "target/kernel/bzImage")).toAbsolutePath();
        if (!Files.isRegularFile(pithKernel)) {
            fail(pithKernel + " does not exist: build it first (mvn -pl libos-kernel compile)");
        }
        Path work = Files.createDirectories(Path.of("target", "kernel-boot-test"));
        RuntimeImage runtime = RuntimeImage.builder().build(work.resolve("java.base"));
        image = GuestImage.builder()
                .kernel(pithKernel)
                .runtime(runtime)
                .appJar(GuestJar.build(work, "KernelProbe"))
                .mainClass("KernelProbe")
                .addJvmOptions("--enable-native-access=ALL-UNNAMED")
                .appArguments("hello")
                .compression(Compression.LZ4)
                .build(work.resolve("image"));
        REPORT.add(String.format("initramfs: LZ4, %.1f MB (tree %.1f MB): java.base runtime, glibc, the probe",
                image.initramfs().bytes() / 1e6, image.initramfs().uncompressedBytes() / 1e6));
    }

    @Test
    @Order(1)
    void jvmRunsAsPid1AndExitsThroughDevPort() throws Exception {
        QemuResult run = boot(pithKernel, QUIET, "hello", 256, QemuRunner.builder());
        Matcher hello = HELLO.matcher(line(run, HELLO).text());
        assertTrue(hello.find());
        assertEquals("1", hello.group(1), () -> "the JVM is PID 1\n" + run.describe());
        assertTrue(run.firstLineContaining("exit 42 through /dev/port").isPresent(), run::describe);
        assertEquals(OptionalInt.of(42), run.guestExitStatus(), run::describe);
    }

    @Test
    @Order(2)
    void everythingTheGuestPlatformTakesFromTheKernelIsThere() throws Exception {
        // Two vCPUs (SMP through ACPI), RDRAND for the entropy check, and a modern virtio-net
        // device for the PCI sysfs, BAR mmap and uio_pci_generic checks.
        QemuRunner.Builder qemu = QemuRunner.builder().cpus(2).cpu("max").network();
        QemuResult run = boot(pithKernel, QUIET, "platform", 256, qemu, "-Dprobe.cpus=2");
        List<String> checks = run.lines().stream().map(ConsoleLine::text).filter(l -> l.startsWith("check ")).toList();
        REPORT.add("guest platform checks (-smp 2 -cpu max, virtio-net):\n    " + String.join("\n    ", checks));
        assertTrue(checks.size() >= 13, () -> "not every check ran\n" + run.describe());
        assertTrue(checks.stream().noneMatch(l -> l.contains("FAILED")), run::describe);
        assertEquals(OptionalInt.of(0), run.guestExitStatus(), run::describe);
    }

    @Test
    @Order(3)
    void powerOffEndsQemuThroughAcpi() throws Exception {
        QemuResult run = boot(pithKernel, QUIET, "poweroff", 256, QemuRunner.builder());
        assertInstanceOf(Outcome.PoweredOff.class, run.outcome(), run::describe);
    }

    @Test
    @Order(4)
    void bootsFasterThanDebiansCloudKernel() throws Exception {
        debianKernel = KernelProvider.debianCloud().kernel().vmlinuz();
        int rounds = Integer.getInteger("pith.kernel.rounds", 1);
        Map<String, List<Timing>> timings = new LinkedHashMap<>();
        timings.put("pith", new ArrayList<>());
        timings.put("debian", new ArrayList<>());
        for (int round = 0; round < rounds; round++) { // interleaved, so a busy host slows both alike
            timings.get("pith").add(time(pithKernel));
            timings.get("debian").add(time(debianKernel));
        }
        REPORT.add(String.format("boot times, median of %d (QEMU %s, 1 vCPU, 256 MB; s from QEMU's start):", rounds,
                accelerator()));
        REPORT.add("    kernel   size     first line  Run /init (printk)  hello (quiet)  QEMU exit (quiet)");
        for (Map.Entry<String, List<Timing>> e : timings.entrySet()) {
            List<Timing> t = e.getValue();
            Path kernel = e.getKey().equals("pith") ? pithKernel : debianKernel;
            REPORT.add(String.format("    %-7s %5.1f MB  %6.2f      %6.2f (%5.2f)      %6.2f         %6.2f",
                    e.getKey(), Files.size(kernel) / 1e6, median(t, Timing::firstLine), median(t, Timing::runInit),
                    median(t, Timing::runInitPrintk), median(t, Timing::hello), median(t, Timing::exit)));
        }
        assertTrue(median(timings.get("pith"), Timing::hello) < median(timings.get("debian"), Timing::hello),
                "Pith's kernel starts the JVM sooner than Debian's");
    }

    @Test
    @Order(5)
    void smallestMemoryThatBootsTheJvm() throws Exception {
        if (debianKernel == null) {
            debianKernel = KernelProvider.debianCloud().kernel().vmlinuz();
        }
        List<Integer> sizes = java.util.Arrays.stream(System.getProperty("pith.kernel.memories", "64,96,128,192").split(","))
                .map(String::strip).map(Integer::valueOf).sorted().toList();
        Map<String, String> floors = new LinkedHashMap<>();
        OptionalInt pithFloor = OptionalInt.empty();
        Map<String, Path> kernels = new LinkedHashMap<>();
        kernels.put("pith", pithKernel);
        kernels.put("debian", debianKernel);
        for (Map.Entry<String, Path> kernel : kernels.entrySet()) {
            StringBuilder tried = new StringBuilder();
            OptionalInt floor = OptionalInt.empty();
            for (int mb : sizes) {
                QemuResult run = boot(kernel.getValue(), QUIET, "hello", mb, QemuRunner.builder());
                boolean booted = run.guestExitStatus().equals(OptionalInt.of(42));
                tried.append(String.format(" %d:%s", mb, booted ? "ok" : why(run)));
                if (booted) {
                    floor = OptionalInt.of(mb);
                    break;
                }
            }
            floors.put(kernel.getKey(), (floor.isPresent() ? floor.getAsInt() + " MB" : "none") + " (tried" + tried + ")");
            if (kernel.getKey().equals("pith")) {
                pithFloor = floor;
            }
        }
        REPORT.add("smallest -m that boots the JVM:");
        floors.forEach((k, v) -> REPORT.add(String.format("    %-7s %s", k, v)));
        assertTrue(pithFloor.isPresent() && pithFloor.getAsInt() <= 128, "Pith's kernel boots the JVM in 128 MB: " + floors);
    }

    @AfterAll
    static void report() throws IOException {
        String text = "Pith kernel " + (pithKernel == null ? "" : pithKernel) + "\n  " + String.join("\n  ", REPORT) + "\n";
        System.out.println(text);
        Files.writeString(Path.of("target", "kernel-boot-report.txt"), text);
    }

    // ---- Booting and timing.

    /** One boot's times in seconds from QEMU's start; NaN where the line did not appear. */
    record Timing(double firstLine, double runInit, double runInitPrintk, double hello, double exit) {
    }

    private static Timing time(Path kernel) throws Exception {
        QemuResult verbose = boot(kernel, VERBOSE, "hello", 256, QemuRunner.builder());
        QemuResult quiet = boot(kernel, QUIET, "hello", 256, QemuRunner.builder());
        for (QemuResult r : List.of(verbose, quiet)) {
            assertEquals(OptionalInt.of(42), r.guestExitStatus(), r::describe);
        }
        ConsoleLine runInit = verbose.firstLineContaining(RUN_INIT).orElseThrow(() -> new AssertionError(verbose.describe()));
        Matcher stamp = PRINTK_TIME.matcher(runInit.text());
        return new Timing(seconds(verbose.lines().getFirst().at()), seconds(runInit.at()),
                stamp.find() ? Double.parseDouble(stamp.group(1)) : Double.NaN,
                seconds(line(quiet, HELLO).at()), seconds(quiet.elapsed()));
    }

    private static QemuResult boot(Path kernel, List<String> kernelParameters, String mode, int memoryMb,
                                   QemuRunner.Builder qemu, String... jvmProperties) throws Exception {
        KernelCommandLine base = image.commandLine();
        List<String> arguments = new ArrayList<>(base.arguments());
        arguments.removeLast(); // the mode the image was built with
        int main = arguments.indexOf("KernelProbe");
        arguments.addAll(main, List.of(jvmProperties));
        arguments.add(mode);
        KernelCommandLine line = new KernelCommandLine(kernelParameters, base.init(), base.environment(), arguments);
        return qemu.directBoot(kernel, image.initrd(), line.toString())
                .memoryMb(memoryMb)
                .timeout(TIMEOUT)
                .build()
                .run();
    }

    private static String accelerator() {
        return QemuRunner.builder().directBoot(pithKernel, image.initrd(), "").build().accelerator().toString();
    }

    private static ConsoleLine line(QemuResult run, Pattern pattern) {
        Optional<ConsoleLine> line = run.firstLine(l -> pattern.matcher(l).find());
        return line.orElseThrow(() -> new AssertionError("no line matching " + pattern + "\n" + run.describe()));
    }

    private static String why(QemuResult run) {
        return switch (run.outcome()) {
            case Outcome.KernelPanic(String panic) -> "panic(" + PRINTK_TIME.matcher(panic.strip()).replaceFirst("").strip() + ")";
            // Kernel and initrd did not fit: the CPU reset before the kernel printed anything.
            case Outcome.PoweredOff() when run.lines().isEmpty() -> "no output, QEMU exited 0";
            default -> run.outcome().getClass().getSimpleName();
        };
    }

    private static double seconds(Duration d) {
        return d.toNanos() / 1e9;
    }

    private static double median(List<Timing> timings, java.util.function.ToDoubleFunction<Timing> field) {
        double[] values = timings.stream().mapToDouble(field).sorted().toArray();
        return values.length == 0 ? Double.NaN : values[values.length / 2];
    }

    /** Fails in CI (which must install {@code debianPackage}), skips elsewhere. */
    private static void requireTool(String program, String debianPackage) {
        for (String dir : System.getenv().getOrDefault("PATH", "/usr/bin:/bin").split(":")) {
            if (!dir.isEmpty() && Files.isExecutable(Path.of(dir, program))) {
                return;
            }
        }
        String message = program + " is not installed: apt-get install " + debianPackage;
        if (System.getenv("CI") != null) {
            fail(message);
        }
        Assumptions.abort(message);
    }
}
