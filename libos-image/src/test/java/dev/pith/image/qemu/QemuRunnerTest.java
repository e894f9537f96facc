package dev.pith.image.qemu;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertInstanceOf;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import dev.pith.image.ImageException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.util.List;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

class QemuRunnerTest {
    @TempDir
    Path tmp;

    @Test
    void commandAttachesModernOnlyVirtioAndTheDebugExitPort() throws Exception {
        Path kernel = Files.writeString(tmp.resolve("vmlinuz"), "k");
        Path initrd = Files.writeString(tmp.resolve("initrd"), "i");
        Path disk = Files.write(tmp.resolve("disk.img"), new byte[512]);
        QemuRunner runner = QemuRunner.builder()
                .directBoot(kernel, initrd, "console=ttyS0 rdinit=/jre/bin/java")
                .accelerator(Accelerator.TCG)
                .memoryMb(128)
                .network(new PortForward(18080, 8080))
                .blockDevice(disk, "pith-data")
                .build();
        String line = String.join(" ", runner.command());
        assertEquals(Accelerator.TCG, runner.accelerator());
        for (String expected : List.of("-machine pc", "-accel tcg", "-m 128", "-smp 1", "-nodefaults", "-no-reboot",
                "-display none", "-serial stdio", "-device isa-debug-exit,iobase=0x501,iosize=2",
                "-kernel " + kernel, "-initrd " + initrd, "-append console=ttyS0 rdinit=/jre/bin/java",
                "-netdev user,id=n0,hostfwd=tcp:127.0.0.1:18080-:8080",
                "-device virtio-net-pci,netdev=n0,disable-legacy=on",
                "-drive file=" + disk + ",if=none,format=raw,id=d0",
                "-device virtio-blk-pci,drive=d0,serial=pith-data,disable-legacy=on")) {
            assertTrue(line.contains(expected), expected + " in " + line);
        }
        int append = runner.command().indexOf("-append");
        assertEquals("console=ttyS0 rdinit=/jre/bin/java", runner.command().get(append + 1), "one argument, no shell quoting");
    }

    @Test
    void exitStatusIsDecodedFromQemusExitCode() {
        assertEquals(new Outcome.DebugExit(42), QemuProcess.decode(85, "", List.of()));
        assertEquals(new Outcome.DebugExit(0), QemuProcess.decode(1, "", List.of()));
        assertEquals(new Outcome.PoweredOff(), QemuProcess.decode(0, "", List.of()));
        ConsoleLine panic = new ConsoleLine(Duration.ofSeconds(2),
                "[    2.1] Kernel panic - not syncing: Attempted to kill init! exitcode=0x00000100");
        assertInstanceOf(Outcome.KernelPanic.class, QemuProcess.decode(0, "", List.of(panic)));
        assertInstanceOf(Outcome.Failed.class,
                QemuProcess.decode(1, "qemu-system-x86_64: -device foo: 'foo' is not a valid device model name\n", List.of()));
        assertEquals(new Outcome.DebugExit(0),
                QemuProcess.decode(1, "qemu-system-x86_64: warning: host doesn't support requested feature\n", List.of()));
    }

    @Test
    void missingInputsAndBadSettingsFailBeforeQemuStarts() {
        ImageException e = assertThrows(ImageException.class, () -> QemuRunner.builder()
                .directBoot(tmp.resolve("vmlinuz"), null, "").accelerator(Accelerator.TCG).build());
        assertTrue(e.getMessage().contains("vmlinuz"), e.getMessage());
        assertThrows(IllegalStateException.class, () -> QemuRunner.builder().accelerator(Accelerator.TCG).build());
        assertThrows(IllegalArgumentException.class, () -> new PortForward(0, 80));
        assertThrows(IllegalArgumentException.class, () -> new QemuRunner.BlockDevice(tmp, "a,b", false));
    }

    @Test
    void acceleratorOverrideIsReadFromTheProperty() {
        String old = System.getProperty(Accelerator.PROPERTY);
        try {
            System.setProperty(Accelerator.PROPERTY, "tcg");
            assertEquals(Accelerator.TCG, Accelerator.fromEnvironment());
            System.setProperty(Accelerator.PROPERTY, "fast");
            assertThrows(IllegalArgumentException.class, Accelerator::fromEnvironment);
        } finally {
            if (old == null) {
                System.clearProperty(Accelerator.PROPERTY);
            } else {
                System.setProperty(Accelerator.PROPERTY, old);
            }
        }
    }
}
