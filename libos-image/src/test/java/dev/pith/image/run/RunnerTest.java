package dev.pith.image.run;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertNull;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import dev.pith.image.ImageException;
import dev.pith.image.link.ImageManifest;
import dev.pith.image.qemu.Accelerator;
import dev.pith.image.qemu.ConsoleLine;
import dev.pith.image.qemu.Outcome;
import dev.pith.image.qemu.PortForward;
import dev.pith.image.qemu.QemuResult;
import java.io.IOException;
import java.net.InetAddress;
import java.net.ServerSocket;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import org.junit.jupiter.api.Nested;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/** The runner without QEMU: port specs, image directories, memory, the command line, exit statuses, errors. */
class RunnerTest {

    /** A fake image directory as the linker writes it: 3 MiB initrd, 9 MiB unpacked, plan asking 64 MiB. */
    static Path fakeImage(Path dir, String name, boolean disk) throws IOException {
        Files.createDirectories(dir.resolve("boot"));
        Files.write(dir.resolve("boot/vmlinuz"), new byte[1024]);
        Files.write(dir.resolve("boot/initrd.cpio.lz4"), new byte[3 << 20]);
        Files.writeString(dir.resolve("boot/cmdline"), "console=ttyS0 panic=-1 rdinit=/jre/bin/java -- -cp /app/app.jar Boot\n");
        if (disk) {
            Files.write(dir.resolve(name + ".img"), new byte[4096]);
        }
        new ImageManifest(name, "com.example.App", 64, 1, List.of("8080/tcp"), "boot/vmlinuz", "boot/initrd.cpio.lz4",
                "boot/cmdline", disk ? name + ".img" : "", 9L << 20).write(dir);
        return dir;
    }

    @Nested
    class PortSpecs {
        @Test
        void guestPortAloneForwardsTheSameHostPort() {
            assertEquals(new PortForward(8080, 8080), Runner.parsePort("8080"));
        }

        @Test
        void hostColonGuest() {
            assertEquals(new PortForward(18080, 8080), Runner.parsePort("18080:8080"));
            assertEquals(new PortForward(18080, 8080), Runner.parsePort(" 18080:8080/tcp "));
        }

        @Test
        void malformedSpecsNameTheForm() {
            for (String bad : List.of("", "80x0", "0", "65536", "1:2:3", ":8080", "8080:")) {
                IllegalArgumentException e = assertThrows(IllegalArgumentException.class, () -> Runner.parsePort(bad), bad);
                assertTrue(e.getMessage().contains("-p 18080:8080"), e.getMessage());
            }
        }
    }

    @Nested
    class ImageDirectories {
        @TempDir
        Path dir;

        @Test
        void readsTheManifestAndTheBootFiles() throws IOException {
            BootableImage image = BootableImage.read(fakeImage(dir, "echo", true));
            assertEquals("echo", image.name());
            assertEquals(dir.resolve("boot/vmlinuz"), image.kernel());
            assertEquals(dir.resolve("echo.img"), image.disk());
            assertEquals("console=ttyS0 panic=-1 rdinit=/jre/bin/java -- -cp /app/app.jar Boot", image.commandLine());
            assertEquals(List.of(8080), image.tcpPorts());
            assertEquals("com.example.App", image.composition());
        }

        @Test
        void manifestRoundTrips() throws IOException {
            fakeImage(dir, "echo", false);
            ImageManifest m = ImageManifest.read(dir);
            assertEquals(new ImageManifest("echo", "com.example.App", 64, 1, List.of("8080/tcp"), "boot/vmlinuz",
                    "boot/initrd.cpio.lz4", "boot/cmdline", "", 9L << 20), m);
            assertNull(BootableImage.read(dir).disk());
        }

        @Test
        void aDirectoryWithoutManifestIsNotAnImage() throws IOException {
            ImageException e = assertThrows(ImageException.class, () -> BootableImage.read(dir));
            assertTrue(e.getMessage().contains("has no image.properties"), e.getMessage());
            assertTrue(e.fix().contains("pith build"), e.fix());
        }

        @Test
        void aMissingBootFileNamesIt() throws IOException {
            fakeImage(dir, "echo", false);
            Files.delete(dir.resolve("boot/initrd.cpio.lz4"));
            ImageException e = assertThrows(ImageException.class, () -> BootableImage.read(dir));
            assertTrue(e.getMessage().contains("lacks boot/initrd.cpio.lz4"), e.getMessage());
        }

        @Test
        void memoryIsThePlansRaisedToWhatTheInitramfsNeeds() throws IOException {
            BootableImage image = BootableImage.read(fakeImage(dir, "echo", false));
            // 3 MiB compressed + 9 MiB unpacked + 96 MiB headroom = 108, rounded up to 128.
            assertEquals(128, image.minimumMemoryMib());
            assertEquals(128, image.defaultMemoryMib());
            BootableImage big = new BootableImage("big", dir, image.kernel(), image.initrd(), "", null, 512, 2,
                    List.of(), "", 9L << 20);
            assertEquals(512, big.defaultMemoryMib());
        }
    }

    @Nested
    class CommandLine {
        @TempDir
        Path dir;

        Runner.Builder runner() throws IOException {
            return Runner.builder().imageDirectory(fakeImage(dir, "echo", true)).accelerator(Accelerator.TCG);
        }

        @Test
        void directBootWithForwardsMemoryAndCpus() throws IOException {
            List<String> c = runner().ports(List.of(Runner.parsePort("8080"), Runner.parsePort("18081:9090")))
                    .memoryMib(300).cpus(2).build().command();
            String line = String.join(" ", c);
            assertTrue(line.contains("-accel tcg -m 300 -smp 2"), line);
            assertTrue(line.contains("-kernel " + dir.resolve("boot/vmlinuz")), line);
            assertTrue(line.contains("-initrd " + dir.resolve("boot/initrd.cpio.lz4")), line);
            assertTrue(c.contains("console=ttyS0 panic=-1 rdinit=/jre/bin/java -- -cp /app/app.jar Boot"), line);
            assertTrue(line.contains("hostfwd=tcp:127.0.0.1:8080-:8080,hostfwd=tcp:127.0.0.1:18081-:9090"), line);
            assertTrue(line.contains("isa-debug-exit"), line);
        }

        @Test
        void defaultsComeFromTheImage() throws IOException {
            Runner r = runner().build();
            assertEquals(128, r.memoryMib());
            assertEquals(1, r.cpus());
        }

        @Test
        void diskBootsTheRawImage() throws IOException {
            String line = String.join(" ", runner().disk(true).build().command());
            assertTrue(line.contains("-drive file=" + dir.resolve("echo.img") + ",format=raw"), line);
            assertFalse(line.contains("-kernel"), line);
        }

        @Test
        void diskWithoutADiskNamesTheFix() throws IOException {
            Runner.Builder b = Runner.builder().imageDirectory(fakeImage(dir, "nodisk", false)).disk(true);
            ImageException e = assertThrows(ImageException.class, b::build);
            assertTrue(e.fix().contains("without --disk"), e.fix());
        }

        @Test
        void aHostPortTwiceIsRefused() throws IOException {
            Runner.Builder b = runner().ports(List.of(Runner.parsePort("8080"), Runner.parsePort("8080:9090")));
            assertThrows(ImageException.class, b::build);
        }
    }

    @Nested
    class HostChecks {
        @TempDir
        Path dir;

        @Test
        void aPortInUseNamesAnotherPort() throws IOException {
            try (ServerSocket taken = new ServerSocket(0, 1, InetAddress.getLoopbackAddress())) {
                int port = taken.getLocalPort();
                ImageException e = assertThrows(ImageException.class,
                        () -> Runner.checkHostPortFree(new PortForward(port, 8080)));
                assertTrue(e.getMessage().contains("host port " + port + " is in use"), e.getMessage());
                assertTrue(e.fix().contains(":8080"), e.fix());
                assertTrue(e.fix().contains("-p "), e.fix());
            }
        }

        @Test
        void missingQemuNamesThePackage() throws IOException {
            ImageException e = assertThrows(ImageException.class,
                    () -> Runner.checkQemuInstalled("qemu-system-x86_64-that-is-not-there"));
            assertTrue(e.fix().contains("apt-get install qemu-system-x86"), e.fix());
            ImageException started = assertThrows(ImageException.class, () -> Runner.builder()
                    .imageDirectory(fakeImage(dir, "echo", false)).accelerator(Accelerator.TCG)
                    .qemu("/nonexistent/qemu-system-x86_64").console(null).log(l -> { }).build().start());
            assertTrue(started.fix().contains("apt-get install qemu-system-x86"), started.fix());
        }
    }

    @Nested
    class ExitStatus {
        private RunResult result(Outcome outcome, boolean stopped) {
            return new RunResult(new QemuResult(outcome, 0, Accelerator.TCG, List.<ConsoleLine>of(), "",
                    Duration.ofMillis(1500), new ArrayList<>()), stopped);
        }

        @Test
        void theGuestsStatusIsTheExitStatus() {
            assertEquals(3, result(new Outcome.DebugExit(3), false).exitStatus());
            assertEquals(0, result(new Outcome.DebugExit(0), false).exitStatus());
            assertEquals(0, result(new Outcome.PoweredOff(), false).exitStatus());
            assertEquals(1, result(new Outcome.KernelPanic("Kernel panic - not syncing: x"), false).exitStatus());
            assertEquals(124, result(new Outcome.TimedOut(Duration.ofSeconds(5)), false).exitStatus());
            assertEquals(130, result(new Outcome.Stopped(), false).exitStatus());
            assertEquals(130, result(new Outcome.PoweredOff(), true).exitStatus());
        }

        @Test
        void summariesSayHowItEnded() {
            assertEquals("the guest exited with status 3 (1.5 s, TCG)", result(new Outcome.DebugExit(3), false).summary());
            assertEquals("stopped (1.5 s, TCG)", result(new Outcome.PoweredOff(), true).summary());
            String panic = result(new Outcome.KernelPanic("Kernel panic - not syncing: System is deadlocked on memory"),
                    false).summary();
            assertTrue(panic.contains("--memory"), panic);
        }
    }
}
