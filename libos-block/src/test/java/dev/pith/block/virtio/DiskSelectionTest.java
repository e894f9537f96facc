package dev.pith.block.virtio;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import dev.pith.core.device.BlockStatus;
import dev.pith.core.dma.DmaArena;
import dev.pith.core.guest.KernelCommandLine;
import dev.pith.core.pci.PciAddress;
import dev.pith.core.virtio.Virtio;
import io.netty.buffer.ByteBuf;
import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.List;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

class DiskSelectionTest {

    private final Harness h = new Harness();
    private final DmaArena memory = DmaArena.simulated(8 << 20, 4096);

    @AfterEach
    void tearDown() throws Exception {
        h.close();
        memory.close();
    }

    /** Fake devices sharing one arena (the driver's DMA memory), as sources in PCI order. */
    private List<DiskSelection.Source> sources(FakeDisk... fakes) {
        List<DiskSelection.Source> sources = new ArrayList<>();
        for (FakeDisk fake : fakes) {
            sources.add(new DiskSelection.Source() {
                @Override
                public String name() {
                    return fake.device.transport().name();
                }

                @Override
                public DiskSelection.Candidate open() {
                    return new DiskSelection.Candidate(fake.device.transport(), null);
                }
            });
        }
        return sources;
    }

    private FakeDisk fake(String name, String serial) {
        return h.fake(FakeDisk.builder().memory(memory).name(name).serial(serial));
    }

    @Test
    void openBySerialPicksTheMatchingDiskAndResetsTheOthers() throws Exception {
        FakeDisk boot = fake("0000:00:04.0", VirtioBlk.BOOT_DISK_SERIAL);
        FakeDisk other = fake("0000:00:05.0", "scratch");
        FakeDisk data = fake("0000:00:06.0", "data");
        VirtioBlk disk = DiskSelection.openBySerial(h.loop, sources(boot, other, data), memory, "data",
                VirtioBlkSettings.DEFAULT);
        try {
            assertEquals("data", disk.id());
            assertEquals("0000:00:06.0", disk.name());
            assertEquals(0, boot.device.status(), "probed, then reset");
            assertEquals(0, other.device.status(), "probed, then reset");
            assertTrue((data.device.status() & Virtio.DRIVER_OK) != 0);
            ByteBuf buffer = h.heap(512);
            Harness.fill(buffer, 1);
            assertEquals(BlockStatus.OK, h.run(c -> disk.write(1, 1, buffer, 0, c)));
            byte[] written = new byte[512];
            buffer.getBytes(0, written);
            assertEquals(Arrays.toString(written), Arrays.toString(Arrays.copyOfRange(data.disk, 512, 1024)));
            assertEquals(0, Arrays.stream(toInts(other.disk)).filter(b -> b != 0).count(), "not the other disk");
            h.assertQuiet(disk, data);
            assertEquals(List.of(), boot.device.errors());
            assertEquals(List.of(), other.device.errors());
        } finally {
            disk.close();
        }
    }

    @Test
    void openByIndexSkipsTheBootDisk() throws Exception {
        FakeDisk boot = fake("0000:00:04.0", VirtioBlk.BOOT_DISK_SERIAL);
        FakeDisk first = fake("0000:00:05.0", "first");
        FakeDisk second = fake("0000:00:06.0", "second");
        try (VirtioBlk disk = DiskSelection.openByIndex(h.loop, sources(boot, first, second), memory, 0,
                VirtioBlkSettings.DEFAULT)) {
            assertEquals("first", disk.id());
            assertEquals(0, boot.device.status());
        }
        try (VirtioBlk disk = DiskSelection.openByIndex(h.loop, sources(boot, first, second), memory, 1,
                VirtioBlkSettings.DEFAULT)) {
            assertEquals("second", disk.id());
        }
        IOException e = assertThrows(IOException.class, () -> DiskSelection.openByIndex(h.loop,
                sources(boot, first, second), memory, 2, VirtioBlkSettings.DEFAULT));
        assertTrue(e.getMessage().contains("data disk number 2"), e.getMessage());
        assertTrue(e.getMessage().contains("(the boot disk)"), e.getMessage());
    }

    @Test
    void noMatchNamesWhatWasFound() throws Exception {
        FakeDisk boot = fake("0000:00:04.0", VirtioBlk.BOOT_DISK_SERIAL);
        FakeDisk other = fake("0000:00:05.0", "scratch");
        IOException e = assertThrows(IOException.class, () -> DiskSelection.openBySerial(h.loop,
                sources(boot, other), memory, "data", VirtioBlkSettings.DEFAULT));
        assertTrue(e.getMessage().contains("with serial \"data\""), e.getMessage());
        assertTrue(e.getMessage().contains("0000:00:05.0 serial \"scratch\""), e.getMessage());
        assertEquals(0, boot.device.status());
        assertEquals(0, other.device.status());
        assertThrows(IllegalArgumentException.class, () -> DiskSelection.openBySerial(h.loop, sources(boot),
                memory, "", VirtioBlkSettings.DEFAULT));
    }

    @Test
    void theBootDiskIsNeverADataDiskEvenByName() throws Exception {
        FakeDisk boot = fake("0000:00:04.0", VirtioBlk.BOOT_DISK_SERIAL);
        IOException e = assertThrows(IOException.class, () -> DiskSelection.openBySerial(h.loop, sources(boot),
                memory, VirtioBlk.BOOT_DISK_SERIAL, VirtioBlkSettings.DEFAULT));
        assertTrue(e.getMessage().contains("(the boot disk)"), e.getMessage());
    }

    @Test
    void aBootDiskWithoutSerialIsKnownByItsMbrSignature() throws Exception {
        // The talk's line: -device virtio-blk,drive=hd0 gives the boot disk no serial.
        FakeDisk boot = fake("0000:00:04.0", "");
        FakeDisk data = fake("0000:00:05.0", "");
        mbr(boot.disk, 0x1a2b3c4d);
        mbr(data.disk, 0x0badf00d); // a data disk may hold an MBR too
        VirtioBlkSettings settings = VirtioBlkSettings.DEFAULT.withBootDisk(
                KernelCommandLine.parse("console=ttyS0 pith.bootdisk=mbr:1a2b3c4d -- -cp app.jar Main"));
        assertEquals(0x1a2b3c4d, settings.bootDiskSignature().getAsInt());
        try (VirtioBlk disk = DiskSelection.openByIndex(h.loop, sources(boot, data), memory, 0, settings)) {
            assertEquals("0000:00:05.0", disk.id(), "no serial: the id is the PCI address");
        }
        assertEquals(1, boot.seen(VirtioBlkProtocol.T_IN).size(), "sector 0 read once while probing");
        assertEquals(0, boot.seen(VirtioBlkProtocol.T_IN).getFirst().sector());
        // Without the setting, nothing tells them apart: the first serial-less disk is data disk 0.
        try (VirtioBlk disk = DiskSelection.openByIndex(h.loop, sources(boot, data), memory, 0,
                VirtioBlkSettings.DEFAULT)) {
            assertEquals("0000:00:04.0", disk.id());
        }
        assertEquals(List.of(), boot.device.errors());
        assertEquals(List.of(), data.device.errors());
    }

    @Test
    void bootDiskParameterIsChecked() {
        assertEquals(VirtioBlkSettings.DEFAULT, VirtioBlkSettings.DEFAULT.withBootDisk(KernelCommandLine.parse("quiet")));
        assertEquals(0xfedcba98, VirtioBlkSettings.DEFAULT.withBootDisk(
                KernelCommandLine.parse("pith.bootdisk=mbr:FEDCBA98")).bootDiskSignature().getAsInt());
        for (String bad : List.of("pith.bootdisk=pith-boot", "pith.bootdisk=mbr:123", "pith.bootdisk=mbr:12345g78")) {
            assertThrows(IllegalArgumentException.class,
                    () -> VirtioBlkSettings.DEFAULT.withBootDisk(KernelCommandLine.parse(bad)), bad);
        }
    }

    /** Writes an MBR's disk signature and boot signature into sector 0. */
    private static void mbr(byte[] disk, int signature) {
        disk[440] = (byte) signature;
        disk[441] = (byte) (signature >>> 8);
        disk[442] = (byte) (signature >>> 16);
        disk[443] = (byte) (signature >>> 24);
        disk[510] = 0x55;
        disk[511] = (byte) 0xaa;
    }

    @Test
    void aBrokenCandidateIsSkipped() throws Exception {
        FakeDisk broken = fake("0000:00:04.0", "broken");
        broken.device.rejectFeaturesOk(true);
        FakeDisk data = fake("0000:00:05.0", "data");
        try (VirtioBlk disk = DiskSelection.openBySerial(h.loop, sources(broken, data), memory, "data",
                VirtioBlkSettings.DEFAULT)) {
            assertEquals("data", disk.id());
        }
        assertTrue((broken.device.status() & Virtio.FAILED) != 0, "we gave up on it");
    }

    @Test
    void findListsVirtioBlkFunctionsInPciOrder(@TempDir Path sysfs) throws IOException {
        function(sysfs, "0000:00:05.0", 0x1af4, 0x1042);
        function(sysfs, "0000:00:03.0", 0x1af4, 0x1001); // transitional
        function(sysfs, "0000:00:04.0", 0x1af4, 0x1041); // virtio-net
        function(sysfs, "0000:00:02.0", 0x8086, 0x1042); // another vendor
        function(sysfs, "0000:01:00.0", 0x1af4, 0x1042);
        assertEquals(List.of(PciAddress.parse("0000:00:03.0"), PciAddress.parse("0000:00:05.0"),
                PciAddress.parse("0000:01:00.0")), VirtioBlk.find(sysfs));
        assertEquals(List.of(), VirtioBlk.find(sysfs.resolve("nothing")));
    }

    @Test
    void openBySerialWithoutDisksSaysSo(@TempDir Path sysfs) {
        IOException e = assertThrows(IOException.class, () -> VirtioBlk.openBySerial(h.loop, sysfs, memory, "data"));
        assertTrue(e.getMessage().contains("among 0 virtio-blk devices"), e.getMessage());
    }

    private static void function(Path sysfs, String address, int vendor, int device) throws IOException {
        Path dir = Files.createDirectories(sysfs.resolve("bus/pci/devices").resolve(address));
        Files.writeString(dir.resolve("vendor"), String.format("0x%04x%n", vendor));
        Files.writeString(dir.resolve("device"), String.format("0x%04x%n", device));
    }

    private static int[] toInts(byte[] bytes) {
        int[] ints = new int[bytes.length];
        for (int i = 0; i < bytes.length; i++) {
            ints[i] = bytes[i];
        }
        return ints;
    }
}
