package dev.pith.core.pci;

import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertSame;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;
import static org.junit.jupiter.api.Assumptions.assumeTrue;

import java.io.IOException;
import java.lang.foreign.MemorySegment;
import java.lang.foreign.ValueLayout;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.List;
import java.util.stream.Stream;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

class PciDeviceTest {

    private static final PciAddress NET = PciAddress.parse("0000:00:03.0");

    @TempDir
    Path dir;

    private FakeSysfs sysfs;
    private Path netDirectory;

    @BeforeEach
    void createTree() throws IOException {
        sysfs = new FakeSysfs(dir);
        netDirectory = sysfs.addVirtioNet("0000:00:03.0");
        sysfs.add("0000:00:00.0", 0x8086, 0x0d57, 0x060000, new byte[256], FakeSysfs.VIRTIO_NET_RESOURCE);
        sysfs.add("0000:00:02.0", 0x1af4, 0x1042, 0x018000, new byte[256], FakeSysfs.VIRTIO_NET_RESOURCE);
    }

    @Test
    void addressesParseAndPrintAsSysfsNamesThem() {
        PciAddress address = PciAddress.parse("0001:0a:1f.7");
        assertEquals(new PciAddress(1, 0x0a, 0x1f, 7), address);
        assertEquals("0001:0a:1f.7", address.toString());
        assertEquals(List.of(PciAddress.parse("0000:00:03.0"), PciAddress.parse("0000:00:03.1"),
                PciAddress.parse("0000:00:1f.0"), PciAddress.parse("0000:01:00.0"), PciAddress.parse("0001:00:00.0")),
                Stream.of("0001:00:00.0", "0000:01:00.0", "0000:00:1f.0", "0000:00:03.1", "0000:00:03.0")
                        .map(PciAddress::parse).sorted().toList(), "ordered as sysfs names sort");
        for (String bad : List.of("0000:00:03", "0000:00:20.0", "0000:00:03.8", "zzzz:00:03.0", "0000-00:03.0", "")) {
            assertThrows(IllegalArgumentException.class, () -> PciAddress.parse(bad), bad);
        }
    }

    @Test
    void scanListsFunctionsInOrderAndFiltersByIds() throws IOException {
        assertEquals(List.of(PciAddress.parse("0000:00:00.0"), PciAddress.parse("0000:00:02.0"), NET),
                PciDevice.scan(dir));
        assertEquals(List.of(NET), PciDevice.scan(dir, 0x1af4, 0x1041));
        assertEquals(List.of(), PciDevice.scan(dir, 0x1af4, 0x1000));
        assertEquals(List.of(), PciDevice.scan(dir.resolve("no-sysfs-here")), "no PCI bus: nothing, not an error");
    }

    @Test
    void readsIdsAndConfigSpaceAtExactWidthsLittleEndian() throws IOException {
        try (PciDevice device = PciDevice.open(dir, NET)) {
            assertEquals(0x1af4, device.vendorId());
            assertEquals(0x1041, device.deviceId());
            assertEquals(0x020000, device.classCode());
            assertEquals(0xf4, device.readConfig8(0));
            assertEquals(0x1af4, device.readConfig16(0));
            assertEquals(0x1041_1af4, device.readConfig32(0));
            assertEquals(0x40, device.readConfig8(PciDevice.CAPABILITIES_POINTER));
            assertEquals(0x0010, device.readConfig16(PciDevice.STATUS), "capability list bit");
            assertEquals("0000:00:03.0 [1af4:1041] class 020000", device.toString());
        }
    }

    @Test
    void writesTouchExactlyTheRegistersBytes() throws IOException {
        byte[] before = Files.readAllBytes(netDirectory.resolve("config"));
        try (PciDevice device = PciDevice.open(dir, NET)) {
            device.writeConfig8(0xf0, 0xab);
            device.writeConfig16(0xf2, 0x1234);
            device.writeConfig32(0xf4, 0xdeadbeef);
            assertEquals(0x1234_00ab, device.readConfig32(0xf0));
            assertEquals(0xdeadbeef, device.readConfig32(0xf4));
        }
        byte[] after = Files.readAllBytes(netDirectory.resolve("config"));
        byte[] expected = before.clone();
        expected[0xf0] = (byte) 0xab;
        expected[0xf2] = 0x34;
        expected[0xf3] = 0x12;
        expected[0xf4] = (byte) 0xef;
        expected[0xf5] = (byte) 0xbe;
        expected[0xf6] = (byte) 0xad;
        expected[0xf7] = (byte) 0xde;
        assertArrayEquals(expected, after, "little-endian, nothing else touched");
    }

    @Test
    void refusesUnalignedAndOutOfRangeAccesses() throws IOException {
        try (PciDevice device = PciDevice.open(dir, NET)) {
            assertThrows(IllegalArgumentException.class, () -> device.readConfig16(1));
            assertThrows(IllegalArgumentException.class, () -> device.readConfig32(2));
            assertThrows(IllegalArgumentException.class, () -> device.readConfig32(256));
            assertThrows(IllegalArgumentException.class, () -> device.writeConfig8(-1, 0));
        }
    }

    @Test
    void shortConfigReadIsAnErrorNotZeros() throws IOException {
        try (PciDevice device = PciDevice.open(dir, NET)) {
            // What sysfs does to non-root readers: the file claims 256 bytes, reads past 64 return nothing.
            try (var file = new java.io.RandomAccessFile(netDirectory.resolve("config").toFile(), "rw")) {
                file.setLength(64);
            }
            assertEquals(0x1af4, device.readConfig16(0));
            IOException e = assertThrows(IOException.class, () -> device.readConfig8(0x40));
            assertEquals("0000:00:03.0: short read of config space at 0x40: 0 of 1 bytes (not root?)", e.getMessage());
        }
    }

    @Test
    void walksTheCapabilityListOfARealVirtioDevice() throws IOException {
        try (PciDevice device = PciDevice.open(dir, NET)) {
            assertEquals(List.of(new PciCapability(9, 0x40), new PciCapability(9, 0x50), new PciCapability(9, 0x60),
                    new PciCapability(9, 0x70), new PciCapability(9, 0x84), new PciCapability(0x11, 0x98)),
                    device.capabilities());
        }
    }

    @Test
    void noCapabilitiesWithoutTheStatusBit() throws IOException {
        byte[] config = FakeSysfs.VIRTIO_NET_CONFIG.clone();
        config[PciDevice.STATUS] &= ~0x10;
        Files.write(netDirectory.resolve("config"), config);
        try (PciDevice device = PciDevice.open(dir, NET)) {
            assertEquals(List.of(), device.capabilities());
        }
    }

    @Test
    void malformedPointerNamesDeviceAndOffset() throws IOException {
        byte[] config = FakeSysfs.VIRTIO_NET_CONFIG.clone();
        config[0x51] = 0x20; // the ISR capability's next pointer leads into the header
        Files.write(netDirectory.resolve("config"), config);
        try (PciDevice device = PciDevice.open(dir, NET)) {
            IOException e = assertThrows(IOException.class, device::capabilities);
            assertEquals("0000:00:03.0: malformed capability list: pointer 0x20 at config offset 0x51 is outside"
                    + " 0x40..0xfc", e.getMessage());
        }
    }

    @Test
    void capabilityLoopIsBounded() throws IOException {
        byte[] config = FakeSysfs.VIRTIO_NET_CONFIG.clone();
        config[0x99] = 0x40; // MSI-X points back to the first capability
        Files.write(netDirectory.resolve("config"), config);
        try (PciDevice device = PciDevice.open(dir, NET)) {
            IOException e = assertThrows(IOException.class, device::capabilities);
            assertTrue(e.getMessage().startsWith("0000:00:03.0: malformed capability list: more than 48 entries"),
                    e.getMessage());
        }
    }

    @Test
    void enableBusMasterSetsMemorySpaceAndBusMasterKeepingOtherBits() throws IOException {
        try (PciDevice device = PciDevice.open(dir, NET)) {
            device.writeConfig16(PciDevice.COMMAND, PciDevice.COMMAND_INTX_DISABLE);
            device.enableBusMaster();
            assertEquals(PciDevice.COMMAND_INTX_DISABLE | PciDevice.COMMAND_MEMORY_SPACE | PciDevice.COMMAND_BUS_MASTER,
                    device.readConfig16(PciDevice.COMMAND));
        }
    }

    @Test
    void barsComeFromTheResourceFileAndMemoryBarsMap() throws IOException {
        try (PciDevice device = PciDevice.open(dir, NET)) {
            PciBar bar0 = device.bar(0);
            assertEquals(new PciBar(0, 0x40_0010_0000L, 512 * 1024, 0x140204), bar0);
            assertTrue(bar0.isMemory());
            assertTrue(!device.bar(1).isPresent());
            MemorySegment mapped = device.mapBar(0);
            assertEquals(512 * 1024, mapped.byteSize());
            assertSame(mapped, device.mapBar(0), "mapped once");
            mapped.set(ValueLayout.JAVA_INT_UNALIGNED, 0x6000, 0x01020304);
        }
        byte[] bar = Files.readAllBytes(netDirectory.resolve("resource0"));
        assertEquals(0x04, bar[0x6000], "MAP_SHARED writes reach the resource file");
        try (PciDevice device = PciDevice.open(dir, NET)) {
            assertTrue(assertThrows(IOException.class, () -> device.mapBar(2)).getMessage().endsWith("BAR 2 is unused"));
        }
    }

    @Test
    void ioBarsAreRefused() throws IOException {
        Files.writeString(netDirectory.resolve("resource"), "0x000000000000c000 0x000000000000c03f 0x0000000000040101\n");
        try (PciDevice device = PciDevice.open(dir, NET)) {
            assertTrue(device.bar(0).isIo());
            IOException e = assertThrows(IOException.class, () -> device.mapBar(0));
            assertTrue(e.getMessage().contains("not a memory BAR"), e.getMessage());
        }
    }

    /** Read-only, on this machine's own PCI functions: config reads and capability walks through the real sysfs. */
    @Test
    void realSysfsReadsWhenRoot() throws IOException {
        List<PciAddress> functions = PciDevice.scan(PciDevice.SYSFS);
        assumeTrue(!functions.isEmpty(), "no PCI bus here");
        assumeTrue("root".equals(System.getProperty("user.name")), "config space past 64 bytes needs root");
        for (PciAddress address : functions) {
            try (PciDevice device = PciDevice.open(PciDevice.SYSFS, address)) {
                assertEquals(device.vendorId(), device.readConfig16(0), address.toString());
                assertEquals(device.deviceId(), device.readConfig16(2), address.toString());
                device.capabilities(); // must not throw on a real device
            }
        }
    }
}
