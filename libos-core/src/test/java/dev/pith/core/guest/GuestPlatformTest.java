package dev.pith.core.guest;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;
import static org.junit.jupiter.api.Assumptions.assumeTrue;

import dev.pith.core.buffer.DmaBuffer;
import dev.pith.core.buffer.PacketBufferPool;
import io.netty.buffer.ByteBuf;
import java.io.ByteArrayOutputStream;
import java.io.IOException;
import java.io.PrintStream;
import java.nio.charset.StandardCharsets;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import org.junit.jupiter.api.Test;

/**
 * What can be tested of PID 1's platform on a host without harm: settings, the exit-status
 * encoding, and the power-off sequence against a fake machine. Mounting and real power-off run in QEMU.
 */
class GuestPlatformTest {

    /** Records what the platform asks of the machine; "halt" ends the sequence by throwing, as nothing returns from it. */
    private static final class FakeMachine implements Machine {
        final List<String> steps = new ArrayList<>();
        final ByteArrayOutputStream output = new ByteArrayOutputStream();
        final PrintStream console = new PrintStream(output, true, StandardCharsets.UTF_8);
        boolean failSync;
        boolean failPowerOff = true;

        @Override
        public PrintStream console() {
            return console;
        }

        @Override
        public void sync() {
            steps.add("sync");
            if (failSync) {
                throw new IllegalStateException("disk gone");
            }
        }

        @Override
        public void writeIoPort(int port, int value) {
            steps.add(String.format("outb 0x%x %d", port, value));
        }

        @Override
        public void powerOff() throws IOException {
            steps.add("power off");
            if (failPowerOff) { // a real power-off does not return; this one does, so the test can go on
                throw new IOException("reboot(0x4321fedc) failed: EPERM");
            }
        }

        @Override
        public void halt(int status) {
            steps.add("halt " + status);
            throw new Halted();
        }

        String printed() {
            return output.toString(StandardCharsets.UTF_8);
        }
    }

    private static final class Halted extends RuntimeException {
        @java.io.Serial
        private static final long serialVersionUID = 1L;

        Halted() {
            super(null, null, false, false);
        }
    }

    private static GuestPlatform platform(Map<String, String> settings, FakeMachine machine) {
        return new GuestPlatform(settings, new Shutdown(machine, () -> GuestPlatform.debugExitPort(settings)));
    }

    @Test
    void exitStatusEncodingIsQemusDebugExit() {
        assertEquals(1, GuestPlatform.qemuExitStatus(0), "(0 << 1) | 1");
        assertEquals(3, GuestPlatform.qemuExitStatus(1));
        assertEquals(85, GuestPlatform.qemuExitStatus(42));
        assertEquals(255, GuestPlatform.qemuExitStatus(127));
        assertEquals(127, GuestPlatform.debugExitValue(128), "128 would wrap to 1, which reads as success");
        assertEquals(127, GuestPlatform.debugExitValue(-1));
        assertEquals(42, GuestPlatform.guestStatus(85));
        assertEquals(0, GuestPlatform.guestStatus(1));
        assertEquals(-1, GuestPlatform.guestStatus(0), "an even status: QEMU ended some other way");
        for (int status = 0; status <= 127; status++) {
            assertEquals(status, GuestPlatform.guestStatus(GuestPlatform.qemuExitStatus(status)));
        }
    }

    @Test
    void exitSyncsReportsTheStatusAndPowersOff() {
        FakeMachine machine = new FakeMachine();
        GuestPlatform platform = platform(Map.of(), machine);
        assertThrows(Halted.class, () -> platform.exit(3));
        assertEquals(List.of("sync", "outb 0x501 3", "power off", "halt 3"), machine.steps);
        assertTrue(machine.printed().startsWith("pith: exit status 3, powering off"), machine.printed());
        assertTrue(machine.printed().contains("pith: could not power off: java.io.IOException: reboot"));
    }

    @Test
    void exitPortCanMoveOrBeSwitchedOff() {
        FakeMachine moved = new FakeMachine();
        assertThrows(Halted.class, () -> platform(Map.of("exit_port", "0xf4"), moved).exit(0));
        assertEquals(List.of("sync", "outb 0xf4 0", "power off", "halt 0"), moved.steps);
        FakeMachine none = new FakeMachine();
        assertThrows(Halted.class, () -> platform(Map.of("exit_port", "none"), none).exit(0));
        assertEquals(List.of("sync", "power off", "halt 0"), none.steps);
        assertThrows(IllegalArgumentException.class, () -> GuestPlatform.debugExitPort(Map.of("exit_port", "0x10000")));
        assertThrows(IllegalArgumentException.class, () -> GuestPlatform.debugExitPort(Map.of("exit_port", "port")));
    }

    @Test
    void aFailingStepDoesNotStopTheOthers() {
        FakeMachine machine = new FakeMachine();
        machine.failSync = true;
        assertThrows(Halted.class, () -> platform(Map.of(), machine).exit(7));
        assertEquals(List.of("sync", "outb 0x501 7", "power off", "halt 7"), machine.steps);
        assertTrue(machine.printed().contains("pith: could not sync: java.lang.IllegalStateException: disk gone"));
    }

    @Test
    void runAsInitPowersOffWithZeroAfterANormalEnd() {
        FakeMachine machine = new FakeMachine();
        List<String> ran = new ArrayList<>();
        assertThrows(Halted.class, () -> GuestPlatform.Init.run(() -> ran.add("main"),
                new Shutdown(machine, () -> 0x501), machine.console, false));
        assertEquals(List.of("main"), ran);
        assertEquals(List.of("sync", "outb 0x501 0", "power off", "halt 0"), machine.steps);
    }

    @Test
    void runAsInitPowersOffWithOneAfterAnyThrowable() {
        for (Throwable failure : List.of(new IOException("no disk"), new IllegalStateException("bug"),
                new StackOverflowError())) {
            FakeMachine machine = new FakeMachine();
            assertThrows(Halted.class, () -> GuestPlatform.Init.run(() -> {
                if (failure instanceof Exception e) {
                    throw e;
                }
                throw (Error) failure;
            }, new Shutdown(machine, () -> 0x501), machine.console, false));
            assertEquals(List.of("sync", "outb 0x501 1", "power off", "halt 1"), machine.steps);
            assertTrue(machine.printed().startsWith("pith: init failed:\n" + failure), machine.printed());
        }
    }

    @Test
    void settingsAndLoopAndName() {
        GuestPlatform platform = platform(Map.of("ip", "10.0.2.15/24", "dma_mib", "4"), new FakeMachine());
        assertEquals("guest", platform.name());
        assertEquals(Map.of("ip", "10.0.2.15/24", "dma_mib", "4"), platform.settings());
        assertEquals(0x501, platform.debugExitPort());
        assertEquals(4, GuestPlatform.dmaMib(platform.settings()));
        assertEquals(GuestPlatform.DEFAULT_DMA_MIB, GuestPlatform.dmaMib(Map.of()));
        assertThrows(IllegalArgumentException.class, () -> GuestPlatform.dmaMib(Map.of("dma_mib", "lots")));
        assertTrue(platform.eventLoop().build() != null);
        assertEquals(GuestPlatform.DEFAULT_SPIN_MICROS, GuestPlatform.micros(Map.of(), "spin_us", GuestPlatform.DEFAULT_SPIN_MICROS));
        assertEquals(1000, GuestPlatform.micros(Map.of("spin_us", "1000"), "spin_us", 250));
        IllegalArgumentException bad = assertThrows(IllegalArgumentException.class,
                () -> GuestPlatform.micros(Map.of("park_us", "-5"), "park_us", 1000));
        assertTrue(bad.getMessage().contains("pith.park_us") && bad.getMessage().contains("\"-5\""), bad.getMessage());
        long before = platform.clock().nanoTime();
        assertTrue(platform.clock().nanoTime() >= before);
    }

    @Test
    void bootRefusesToRunOutsidePid1() {
        assumeTrue(ProcessHandle.current().pid() != 1);
        IllegalStateException e = assertThrows(IllegalStateException.class, GuestPlatform::boot);
        assertTrue(e.getMessage().startsWith("GuestPlatform.boot() is for PID 1 of a guest"), e.getMessage());
    }

    /** Real DMA memory as the guest gets it (hugepages if free, else locked pages); root only. */
    @Test
    void packetBuffersAreDmaBuffersWhenRoot() throws IOException {
        assumeTrue("root".equals(System.getProperty("user.name")));
        GuestPlatform platform = platform(Map.of("dma_mib", "2"), new FakeMachine());
        PacketBufferPool pool = platform.packetBuffers(2048, 64);
        try {
            ByteBuf buffer = pool.tryAllocate();
            assertTrue(buffer instanceof DmaBuffer dma && dma.physicalAddress() > 0);
            buffer.release();
        } finally {
            pool.close();
            platform.dmaArena().close();
        }
    }
}
