package dev.pith.core.virtio;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertNull;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import dev.pith.core.dma.DmaArena;
import dev.pith.core.pci.FakeSysfs;
import dev.pith.core.pci.PciAddress;
import dev.pith.core.pci.PciDevice;
import dev.pith.core.virtio.testing.SoftwareVirtioDevice;
import java.io.IOException;
import java.io.RandomAccessFile;
import java.nio.ByteBuffer;
import java.nio.ByteOrder;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.util.List;
import java.util.concurrent.TimeUnit;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.Timeout;
import org.junit.jupiter.api.io.TempDir;

/** The modern virtio-pci transport (virtio 1.2 §4.1, §3.1.1) against the software device and a fake sysfs. */
@Timeout(value = 30, unit = TimeUnit.SECONDS)
class VirtioPciTransportTest {

    private static final long VERSION_1 = Virtio.feature(Virtio.F_VERSION_1);
    private static final long NET_MAC = Virtio.feature(5);

    @TempDir
    Path dir;

    private static SoftwareVirtioDevice.Builder device(DmaArena memory, long features) {
        return SoftwareVirtioDevice.builder(memory).features(features);
    }

    @Test
    void handshakeGoesAcknowledgeDriverFeaturesOkQueuesDriverOk() throws IOException {
        try (DmaArena memory = DmaArena.simulated(1 << 20, 4096);
                SoftwareVirtioDevice device = device(memory, VERSION_1 | NET_MAC | Virtio.feature(Virtio.F_EVENT_IDX)
                        | Virtio.feature(40)).queues(2, 256).build()) {
            VirtioPciTransport transport = device.transport();
            transport.reset();
            assertEquals(0, transport.deviceStatus());
            assertEquals(VERSION_1 | NET_MAC | Virtio.feature(Virtio.F_EVENT_IDX) | Virtio.feature(40),
                    transport.deviceFeatures());
            long accepted = transport.negotiate(NET_MAC | Virtio.feature(7));
            assertEquals(VERSION_1 | NET_MAC, accepted, "wanted ∩ offered, plus VERSION_1");
            assertEquals(accepted, device.driverFeatures());
            assertEquals(Virtio.ACKNOWLEDGE | Virtio.DRIVER | Virtio.FEATURES_OK, device.status());
            assertEquals(2, transport.queueCount());
            assertEquals(256, transport.maxQueueSize(1));
            Virtqueue<String> rx = Virtqueue.allocate(memory, "rx", 64);
            Virtqueue<String> tx = Virtqueue.allocate(memory, "tx", 256);
            transport.setUpQueue(0, rx);
            transport.setUpQueue(1, tx);
            assertEquals(64, device.queue(0).size(), "the driver lowered queue_size");
            assertEquals(256, device.queue(1).size());
            transport.driverOk();
            assertEquals(Virtio.ACKNOWLEDGE | Virtio.DRIVER | Virtio.FEATURES_OK | Virtio.DRIVER_OK, device.status());
            tx.add(memory.allocate(64, 64).physicalAddress(), 64, false, "frame");
            assertTrue(tx.kick());
            assertEquals(1, device.queue(1).notifications(), "the kick reached queue 1's notify address");
            assertEquals(0, device.queue(0).notifications());
            assertEquals(List.of(), device.errors(), "every register access was of the right width and in order");
        }
    }

    @Test
    void notifyOffMultiplierZeroSharesOneAddress() throws IOException {
        try (DmaArena memory = DmaArena.simulated(1 << 20, 4096);
                SoftwareVirtioDevice device = device(memory, VERSION_1).queues(3, 8).notifyOffMultiplier(0).build()) {
            VirtioPciTransport transport = device.transport();
            transport.reset();
            transport.negotiate(0);
            Virtqueue<String> queue = Virtqueue.allocate(memory, "q2", 8);
            transport.setUpQueue(2, queue);
            transport.driverOk();
            queue.add(memory.allocate(8, 8).physicalAddress(), 8, false, "x");
            queue.kick();
            assertEquals(1, device.queue(2).notifications(), "the value written names the queue");
            assertEquals(List.of(), device.errors());
        }
    }

    @Test
    void deviceWithoutVersion1IsRefused() throws IOException {
        try (DmaArena memory = DmaArena.simulated(1 << 20, 4096);
                SoftwareVirtioDevice device = device(memory, NET_MAC).build()) {
            VirtioPciTransport transport = device.transport();
            transport.reset();
            VirtioException e = assertThrows(VirtioException.class, () -> transport.negotiate(NET_MAC));
            assertEquals("software virtio device: the device does not offer VIRTIO_F_VERSION_1 (offers 5): legacy-only"
                    + " devices are not supported", e.getMessage());
            assertTrue((device.status() & Virtio.FAILED) != 0, "FAILED set");
            assertEquals(List.of(), device.errors());
        }
    }

    @Test
    void deviceClearingFeaturesOkIsAnErrorNamingTheFeatures() throws IOException {
        try (DmaArena memory = DmaArena.simulated(1 << 20, 4096);
                SoftwareVirtioDevice device = device(memory, VERSION_1 | NET_MAC).build()) {
            device.rejectFeaturesOk(true);
            VirtioPciTransport transport = device.transport();
            transport.reset();
            VirtioException e = assertThrows(VirtioException.class, () -> transport.negotiate(NET_MAC));
            assertEquals("software virtio device: the device cleared FEATURES_OK (status ACKNOWLEDGE|DRIVER): it does not"
                    + " accept features 5|VERSION_1 (offered 5|VERSION_1)", e.getMessage());
            assertEquals(Virtio.ACKNOWLEDGE | Virtio.DRIVER | Virtio.FAILED, device.status());
        }
    }

    @Test
    void resetReturnsTheDeviceToStatusZeroAndForgetsQueues() throws IOException {
        try (DmaArena memory = DmaArena.simulated(1 << 20, 4096);
                SoftwareVirtioDevice device = device(memory, VERSION_1).build()) {
            VirtioPciTransport transport = device.transport();
            transport.reset();
            transport.negotiate(0);
            transport.setUpQueue(0, Virtqueue.allocate(memory, "q", 16));
            transport.driverOk();
            int resets = device.resets();
            transport.reset();
            assertEquals(0, device.status());
            assertEquals(resets + 1, device.resets());
            assertNull(device.queue(0));
            assertEquals(0, transport.features());
            assertEquals(256, transport.maxQueueSize(0), "queue_size is the maximum again");
            assertEquals(List.of(), device.errors());
        }
    }

    @Test
    void resetThatNeverFinishesTimesOut() throws IOException {
        try (DmaArena memory = DmaArena.simulated(1 << 20, 4096);
                SoftwareVirtioDevice device = device(memory, VERSION_1).build()) {
            VirtioPciTransport transport = device.transport();
            transport.reset();
            transport.negotiate(0);
            device.neverFinishReset(true);
            long start = System.nanoTime();
            VirtioException e = assertThrows(VirtioException.class, () -> transport.reset(Duration.ofMillis(50)));
            assertTrue(System.nanoTime() - start < TimeUnit.SECONDS.toNanos(5), "bounded");
            assertEquals("software virtio device: device_status still reads ACKNOWLEDGE|DRIVER|FEATURES_OK 50 ms after"
                    + " reset (0 written)", e.getMessage());
        }
    }

    @Test
    void queueSetupRefusesWhatTheDeviceCannotDo() throws IOException {
        try (DmaArena memory = DmaArena.simulated(1 << 20, 4096);
                SoftwareVirtioDevice device = device(memory, VERSION_1).queues(1, 128).build()) {
            VirtioPciTransport transport = device.transport();
            transport.reset();
            Virtqueue<String> big = Virtqueue.allocate(memory, "big", 256);
            assertThrows(IllegalStateException.class, () -> transport.setUpQueue(0, big), "before negotiate");
            transport.negotiate(0);
            VirtioException e = assertThrows(VirtioException.class, () -> transport.setUpQueue(0, big));
            assertEquals("software virtio device: queue 0: virtqueue size 256 exceeds the device's maximum 128",
                    e.getMessage());
            assertTrue((device.status() & Virtio.FAILED) != 0);
            assertThrows(IllegalArgumentException.class, () -> transport.setUpQueue(1, big), "no queue 1");
        }
        try (DmaArena memory = DmaArena.simulated(1 << 20, 4096);
                SoftwareVirtioDevice device = device(memory, VERSION_1).queues(1, 0).build()) {
            VirtioPciTransport transport = device.transport();
            transport.reset();
            transport.negotiate(0);
            VirtioException e = assertThrows(VirtioException.class,
                    () -> transport.setUpQueue(0, Virtqueue.allocate(memory, "q", 8)));
            assertEquals("software virtio device: queue 0 is unavailable (queue_size 0)", e.getMessage());
        }
    }

    @Test
    void deviceConfigurationIsReadConsistently() throws IOException {
        try (DmaArena memory = DmaArena.simulated(1 << 20, 4096);
                SoftwareVirtioDevice device = device(memory, VERSION_1 | NET_MAC).deviceConfigSize(16).build()) {
            byte[] mac = {0x52, 0x54, 0x00, 0x12, 0x34, 0x56};
            for (int i = 0; i < mac.length; i++) {
                device.deviceConfigMemory().set(java.lang.foreign.ValueLayout.JAVA_BYTE, i, mac[i]);
            }
            VirtioPciTransport transport = device.transport();
            String read = transport.readDeviceConfig(config -> {
                StringBuilder text = new StringBuilder();
                for (int i = 0; i < 6; i++) {
                    text.append(String.format(i == 0 ? "%02x" : ":%02x", config.read8(i)));
                }
                return text.toString();
            });
            assertEquals("52:54:00:12:34:56", read);
            int generation = transport.configGeneration();
            device.configurationChanged();
            assertEquals((generation + 1) & 0xff, transport.configGeneration());
            assertEquals(2, transport.readIsr(), "configuration change bit");
        }
    }

    // ---- open(PciDevice): structure discovery over sysfs, with a file standing in for BAR 0.

    @Test
    void openFindsTheStructuresOfARealDevicesCapabilities() throws IOException {
        FakeSysfs sysfs = new FakeSysfs(dir);
        Path directory = sysfs.addVirtioNet("0000:00:03.0");
        try (RandomAccessFile bar = new RandomAccessFile(directory.resolve("resource0").toFile(), "rw")) {
            ByteBuffer common = ByteBuffer.allocate(56).order(ByteOrder.LITTLE_ENDIAN);
            common.putInt(4, 1);        // device_feature: bit 0, and bit 32 (VERSION_1) when select is 1
            common.putShort(18, (short) 2);   // num_queues
            common.putShort(24, (short) 256); // queue_size
            common.putShort(30, (short) 1);   // queue_notify_off
            bar.seek(0);
            bar.write(common.array());
            bar.seek(0x4000);
            bar.write(new byte[] {0x52, 0x54, 0x00, 0x12, 0x34, 0x56}); // device config: virtio-net's mac
        }
        long[] rings = new long[3];
        try (PciDevice pci = PciDevice.open(dir, PciAddress.parse("0000:00:03.0"));
                DmaArena memory = DmaArena.simulated(1 << 20, 4096)) {
            VirtioPciTransport transport = VirtioPciTransport.open(pci);
            assertEquals("0000:00:03.0", transport.name());
            assertEquals(2, transport.queueCount());
            assertEquals(0x52, transport.deviceConfig().read8(0));
            assertEquals(0x56, transport.deviceConfig().read8(5));
            // Memory is no device, but the handshake's stores and loads land where §4.1.4.3 puts them.
            transport.negotiate(0);
            Virtqueue<String> queue = Virtqueue.allocate(memory, "q", 256);
            transport.setUpQueue(1, queue);
            rings[0] = queue.descriptorTableAddress();
            rings[1] = queue.driverAreaAddress();
            rings[2] = queue.deviceAreaAddress();
            transport.driverOk();
            queue.add(memory.allocate(8, 8).physicalAddress(), 8, false, "x");
            queue.kick();
        }
        ByteBuffer bar = ByteBuffer.wrap(Files.readAllBytes(directory.resolve("resource0"))).order(ByteOrder.LITTLE_ENDIAN);
        assertEquals(Virtio.ACKNOWLEDGE | Virtio.DRIVER | Virtio.FEATURES_OK | Virtio.DRIVER_OK, bar.get(20));
        assertEquals(1, bar.getInt(12), "driver_feature: VERSION_1's half (select 1) written last");
        assertEquals(1, bar.getShort(22), "queue_select");
        assertEquals(1, bar.getShort(28), "queue_enable");
        assertEquals(rings[0], bar.getLong(32), "queue_desc, as two 32-bit halves");
        assertEquals(rings[1], bar.getLong(40), "queue_driver");
        assertEquals(rings[2], bar.getLong(48), "queue_device");
        assertEquals(1, bar.getShort(0x6000 + 4), "queue 1 notified at cap.offset + queue_notify_off * multiplier 4");
    }

    @Test
    void openRefusesALegacyOnlyDevice() throws IOException {
        FakeSysfs sysfs = new FakeSysfs(dir);
        Path directory = sysfs.addVirtioNet("0000:00:03.0");
        byte[] config = FakeSysfs.VIRTIO_NET_CONFIG.clone();
        config[0x43] = 6; // the common configuration capability becomes a reserved cfg_type, which is ignored
        Files.write(directory.resolve("config"), config);
        try (PciDevice pci = PciDevice.open(dir, PciAddress.parse("0000:00:03.0"))) {
            VirtioException e = assertThrows(VirtioException.class, () -> VirtioPciTransport.open(pci));
            assertEquals("0000:00:03.0 [1af4:1041]: no common configuration capability in a memory BAR: not a modern"
                    + " virtio device (legacy-only devices are not supported)", e.getMessage());
        }
    }

    @Test
    void openRefusesAStructureOutsideItsBar() throws IOException {
        FakeSysfs sysfs = new FakeSysfs(dir);
        Path directory = sysfs.addVirtioNet("0000:00:03.0");
        byte[] config = FakeSysfs.VIRTIO_NET_CONFIG.clone();
        ByteBuffer.wrap(config).order(ByteOrder.LITTLE_ENDIAN).putInt(0x60 + 8, 0x7f800); // device cfg near the end
        Files.write(directory.resolve("config"), config);
        try (PciDevice pci = PciDevice.open(dir, PciAddress.parse("0000:00:03.0"))) {
            VirtioException e = assertThrows(VirtioException.class, () -> VirtioPciTransport.open(pci));
            assertTrue(e.getMessage().endsWith("offset 0x7f800 length 0x1000 lies outside the BAR"), e.getMessage());
        }
    }
}
