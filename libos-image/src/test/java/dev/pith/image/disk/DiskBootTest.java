package dev.pith.image.disk;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import dev.pith.image.TestRuntimes;
import dev.pith.image.TestTools;
import dev.pith.image.initramfs.Compression;
import dev.pith.image.initramfs.GuestImage;
import dev.pith.image.kernel.Kernel;
import dev.pith.image.kernel.KernelProvider;
import dev.pith.image.qemu.Accelerator;
import dev.pith.image.qemu.ConsoleLine;
import dev.pith.image.qemu.QemuResult;
import dev.pith.image.qemu.QemuRunner;
import java.io.BufferedReader;
import java.io.IOException;
import java.io.InputStreamReader;
import java.net.InetAddress;
import java.net.ServerSocket;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.Optional;
import java.util.OptionalInt;
import java.util.concurrent.TimeUnit;
import java.util.regex.Pattern;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Tag;
import org.junit.jupiter.api.Test;

/**
 * Boots the guest of {@code GuestBootTest} (Debian's cloud kernel, a jlinked java.base, the
 * HelloPid1 application as PID 1) from a disk built by {@link DiskImage}, under QEMU TCG: once as
 * the plain {@code -drive file=app.img,format=raw} (the first IDE disk, through
 * {@link QemuRunner#bootDisk(Path)}) and once with the talk's command line, where the boot disk is
 * a virtio-blk device (SeaBIOS boots it). Also boots the same triple directly, to measure what the
 * BIOS and syslinux add. The application runs from the initramfs and never touches the disk.
 */
@Tag("guest")
class DiskBootTest {
    private static final Pattern HELLO = Pattern.compile("hello from pid 1 1\\b");
    private static final Duration BOOT_TIMEOUT = Duration.ofSeconds(60);
    private static final List<String> REPORT = new ArrayList<>();

    private static GuestImage image;
    private static DiskImage disk;

    @BeforeAll
    static void buildTheDisk() throws Exception {
        TestTools.requireTool("qemu-system-x86_64", "qemu-system-x86");
        TestTools.requireTool("mkfs.fat", "dosfstools");
        TestTools.requireTool("syslinux", "syslinux");
        TestTools.requireTool("mcopy", "mtools");
        Path work = Files.createDirectories(Path.of("target", "disk-boot-test")).toAbsolutePath();
        Kernel kernel = KernelProvider.fromEnvironment().kernel();
        Path appJar = TestTools.compileJar(work, "HelloPid1", TestTools.resource("guest/HelloPid1.java"));
        image = GuestImage.builder()
                .kernel(kernel.vmlinuz())
                .runtime(TestRuntimes.javaBase())
                .appJar(appJar)
                .mainClass("HelloPid1")
                .addJvmOptions("--enable-native-access=ALL-UNNAMED")
                .compression(Compression.LZ4)
                .build(work.resolve("image"));

        long t0 = System.nanoTime();
        disk = DiskImage.builder().guestImage(image).build(work.resolve("app.img"));
        double seconds = (System.nanoTime() - t0) / 1e9;
        long kernelBytes = Files.size(image.kernel());
        long initrdBytes = Files.size(image.initrd());
        REPORT.add(String.format("disk %s: %.1f MB (FAT%d partition %.1f MB; %.1f MB allocated) for kernel %.1f MB + initrd %.1f MB"
                        + " = %.1f MB; built in %.2f s", disk.path().getFileName(), disk.sizeBytes() / 1e6, disk.fatBits(),
                disk.partitionSizeBytes() / 1e6, allocatedBytes(disk.path()) / 1e6, kernelBytes / 1e6, initrdBytes / 1e6,
                (kernelBytes + initrdBytes) / 1e6, seconds));
    }

    @Test
    void directBootForComparison() throws Exception {
        QemuResult run = QemuRunner.builder().directBoot(image).accelerator(Accelerator.TCG).memoryMb(256)
                .timeout(BOOT_TIMEOUT).build().run();
        report("direct boot (-kernel/-initrd/-append)", assertHelloAnd42(run));
    }

    @Test
    void bootsAsThePlainRawDrive() throws Exception {
        QemuRunner runner = QemuRunner.builder().bootDisk(disk.path()).accelerator(Accelerator.TCG).memoryMb(256)
                .timeout(BOOT_TIMEOUT).build();
        assertTrue(runner.command().contains("file=" + disk.path() + ",format=raw,index=0,media=disk"), runner.command()::toString);
        report("disk, -drive file=app.img,format=raw (IDE)", assertHelloAnd42(runner.run()));
    }

    /**
     * The talk's line, word for word, but for the image's path and the forwarded host port (a free
     * one, bound to loopback only as DESIGN.md §7 asks; the talk's {@code tcp::8080} binds every
     * interface).
     */
    @Test
    void bootsWithTheTalksCommandLineFromAVirtioBlkDisk() throws Exception {
        int port;
        try (ServerSocket s = new ServerSocket(0, 1, InetAddress.getLoopbackAddress())) {
            port = s.getLocalPort();
        }
        List<String> command = List.of("qemu-system-x86_64",
                "-drive", "file=" + disk.path() + ",format=raw,if=none,id=hd0",
                "-device", "virtio-blk,drive=hd0",
                "-device", "virtio-net,netdev=n0",
                "-netdev", "user,id=n0,hostfwd=tcp:127.0.0.1:" + port + "-:8080",
                "-nodefaults", "-no-reboot",
                "-device", "isa-debug-exit",
                "-m", "2G",
                "-display", "none",
                "-serial", "stdio");
        long t0 = System.nanoTime();
        Process qemu = new ProcessBuilder(command).redirectInput(ProcessBuilder.Redirect.from(new java.io.File("/dev/null"))).start();
        List<ConsoleLine> lines = new ArrayList<>();
        Thread reader = Thread.ofPlatform().daemon().start(() -> {
            try (BufferedReader r = new BufferedReader(new InputStreamReader(qemu.getInputStream(), StandardCharsets.UTF_8))) {
                for (String line; (line = r.readLine()) != null; ) {
                    synchronized (lines) {
                        lines.add(new ConsoleLine(Duration.ofNanos(System.nanoTime() - t0), line.replace("\r", "")));
                    }
                }
            } catch (IOException e) {
                // QEMU ended
            }
        });
        StringBuilder stderr = new StringBuilder();
        Thread errors = Thread.ofPlatform().daemon().start(() -> {
            try {
                stderr.append(new String(qemu.getErrorStream().readAllBytes(), StandardCharsets.UTF_8));
            } catch (IOException e) {
                // QEMU ended
            }
        });
        boolean exited = qemu.waitFor(BOOT_TIMEOUT.toSeconds(), TimeUnit.SECONDS);
        if (!exited) {
            qemu.destroyForcibly().waitFor();
        }
        reader.join(5_000);
        errors.join(5_000);
        Duration elapsed = Duration.ofNanos(System.nanoTime() - t0);
        String log;
        Optional<ConsoleLine> hello;
        synchronized (lines) {
            log = String.join("\n", lines.stream().map(ConsoleLine::toString).toList());
            hello = lines.stream().filter(l -> HELLO.matcher(l.text()).find()).findFirst();
        }
        String describe = String.join(" ", command) + "\nexited: " + exited + "\nconsole:\n" + log + "\nstderr: " + stderr;
        assertTrue(exited, () -> "QEMU still ran after " + BOOT_TIMEOUT + "\n" + describe);
        assertTrue(hello.isPresent(), () -> "no hello line\n" + describe);
        assertEquals((42 << 1) | 1, qemu.exitValue(), () -> "isa-debug-exit status 42 makes QEMU exit with 85\n" + describe);
        report("disk, the talk's line (virtio-blk boot disk, 2G)", new Timing(hello.get().at(), elapsed));
    }

    private record Timing(Duration hello, Duration exit) { }

    private static Timing assertHelloAnd42(QemuResult run) {
        ConsoleLine hello = run.firstLine(l -> HELLO.matcher(l).find())
                .orElseThrow(() -> new AssertionError("no hello line\n" + run.describe()));
        assertEquals(OptionalInt.of(42), run.guestExitStatus(), run::describe);
        return new Timing(hello.at(), run.elapsed());
    }

    private static void report(String what, Timing t) {
        String line = String.format("%-48s TCG | QEMU start -> hello %5.2f s, -> exit %5.2f s", what,
                t.hello().toNanos() / 1e9, t.exit().toNanos() / 1e9);
        synchronized (REPORT) {
            REPORT.add(line);
        }
        System.out.println(line);
    }

    private static long allocatedBytes(Path file) {
        try {
            Process p = new ProcessBuilder("du", "-B1", "--", file.toString()).start();
            String out = new String(p.getInputStream().readAllBytes(), StandardCharsets.US_ASCII);
            p.waitFor();
            return Long.parseLong(out.split("\\s+")[0]);
        } catch (Exception e) {
            return -1;
        }
    }

    @AfterAll
    static void printReport() {
        System.out.println("disk boot (QEMU TCG, 1 vCPU):\n  " + String.join("\n  ", REPORT));
    }
}
