package dev.pith.image;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import dev.pith.image.initramfs.Compression;
import dev.pith.image.initramfs.GuestImage;
import dev.pith.image.kernel.Kernel;
import dev.pith.image.kernel.KernelProvider;
import dev.pith.image.qemu.ConsoleLine;
import dev.pith.image.qemu.QemuResult;
import dev.pith.image.qemu.QemuRunner;
import dev.pith.image.runtime.RuntimeImage;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.OptionalInt;
import java.util.regex.Matcher;
import java.util.regex.Pattern;
import java.util.stream.Stream;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Tag;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.MethodSource;

/**
 * Boots a real guest: Debian's cloud kernel, an initramfs from {@code InitramfsBuilder} holding a
 * jlinked java.base runtime, glibc and a tiny application, under QEMU (TCG unless KVM passes the
 * probe). The application runs as PID 1, prints "hello from pid 1 <pid>" and hands 42 to QEMU
 * through isa-debug-exit.
 *
 * <p>Boots the LZ4 and the plain archive; {@code -Dpith.guest.compressions=LZ4,LZ4_FAST,GZIP,NONE}
 * boots others too, to compare unpacking costs. Needs qemu-system-x86 and network to Debian's
 * archive (once: the kernel is cached in ~/.cache/pith).
 */
@Tag("guest")
class GuestBootTest {
    private static final Pattern HELLO = Pattern.compile("hello from pid 1 (\\d+)");
    private static final List<String> REPORT = new ArrayList<>();

    private static Kernel kernel;
    private static RuntimeImage runtime;
    private static Path appJar;
    private static Path work;

    @BeforeAll
    static void buildTheParts() throws Exception {
        TestTools.requireTool("qemu-system-x86_64", "qemu-system-x86");
        work = Files.createDirectories(Path.of("target", "guest-boot-test"));
        long t0 = System.nanoTime();
        kernel = KernelProvider.fromEnvironment().kernel();
        REPORT.add(String.format("kernel %s (%.1f MB), ready in %.1f s", kernel.release().orElse(kernel.vmlinuz().toString()),
                Files.size(kernel.vmlinuz()) / 1e6, (System.nanoTime() - t0) / 1e9));
        runtime = TestRuntimes.javaBase();
        appJar = TestTools.compileJar(work, "HelloPid1", TestTools.resource("guest/HelloPid1.java"));
    }

    static Stream<Compression> compressions() {
        return Stream.of(System.getProperty("pith.guest.compressions", "LZ4,NONE").split(","))
                .map(String::strip).map(Compression::valueOf);
    }

    @ParameterizedTest
    @MethodSource("compressions")
    void jvmRunsAsPid1AndHandsItsExitStatusToQemu(Compression compression) throws Exception {
        long t0 = System.nanoTime();
        GuestImage image = GuestImage.builder()
                .kernel(kernel.vmlinuz())
                .runtime(runtime)
                .appJar(appJar)
                .mainClass("HelloPid1")
                .addJvmOptions("--enable-native-access=ALL-UNNAMED")
                .compression(compression)
                .build(work.resolve(compression.name().toLowerCase()));
        double buildSeconds = (System.nanoTime() - t0) / 1e9;

        QemuResult run = QemuRunner.builder()
                .directBoot(image)
                .memoryMb(256)
                .timeout(Duration.ofSeconds(90))
                .build()
                .run();

        ConsoleLine hello = run.firstLine(l -> HELLO.matcher(l).find())
                .orElseThrow(() -> new AssertionError("no hello line\n" + run.describe()));
        Matcher m = HELLO.matcher(hello.text());
        assertTrue(m.find());
        assertEquals("1", m.group(1), "the JVM is PID 1\n" + run.describe());
        assertEquals(OptionalInt.of(42), run.guestExitStatus(), run::describe);

        String line = String.format("%-8s initramfs %5.1f MB (tree %5.1f MB, written in %4.1f s) | %s | QEMU start -> hello %5.2f s,"
                        + " -> exit %5.2f s", compression, image.initramfs().bytes() / 1e6,
                image.initramfs().uncompressedBytes() / 1e6, buildSeconds, run.accelerator(),
                hello.at().toNanos() / 1e9, run.elapsed().toNanos() / 1e9);
        REPORT.add(line);
        System.out.println(line);
    }

    @AfterAll
    static void report() {
        System.out.println("guest boot (QEMU, 1 vCPU, 256 MB):\n  " + String.join("\n  ", REPORT));
    }
}
