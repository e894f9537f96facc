package dev.pith.core.virtio;

import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertNull;
import static org.junit.jupiter.api.Assertions.assertTrue;

import dev.pith.core.buffer.DmaRegion;
import dev.pith.core.virtio.testing.DeviceQueue;
import java.io.IOException;
import java.lang.foreign.MemorySegment;
import java.lang.foreign.ValueLayout;
import java.nio.ByteOrder;
import java.nio.charset.StandardCharsets;
import java.util.ArrayList;
import java.util.List;
import org.junit.jupiter.api.Test;

/** The test device drivers rely on: it must do what a device does, and catch what a driver gets wrong. */
class SoftwareVirtioDeviceTest {

    private static final ValueLayout.OfShort LE16 = ValueLayout.JAVA_SHORT.withOrder(ByteOrder.LITTLE_ENDIAN);
    private static final ValueLayout.OfInt LE32 = ValueLayout.JAVA_INT.withOrder(ByteOrder.LITTLE_ENDIAN);
    private static final ValueLayout.OfLong LE64 = ValueLayout.JAVA_LONG.withOrder(ByteOrder.LITTLE_ENDIAN);

    @Test
    void loopbackCarriesTransmittedBytesIntoReceiveBuffers() throws IOException {
        try (Fixture f = Fixture.live(Fixture.version1(), 0, 16, 16)) {
            Virtqueue<Integer> rx = f.queue(0);
            Virtqueue<Integer> tx = f.queue(1);
            f.device.loopback(1, 0);
            DmaRegion receive = f.buffer(2048);
            DmaRegion transmit = f.buffer(64);
            rx.add(receive.physicalAddress(), 2048, true, 100);
            rx.kick();
            byte[] frame = "twelve bytes hdr + a frame".getBytes(StandardCharsets.US_ASCII);
            MemorySegment.copy(frame, 0, transmit.memory(), ValueLayout.JAVA_BYTE, 0, frame.length);
            tx.add(transmit.physicalAddress(), frame.length, false, 200);
            tx.kick();
            List<String> events = new ArrayList<>();
            tx.poll((token, n) -> events.add("tx " + token + " " + n));
            rx.poll((token, n) -> events.add("rx " + token + " " + n));
            assertEquals(List.of("tx 200 0", "rx 100 " + frame.length), events);
            assertArrayEquals(frame, receive.memory().asSlice(0, frame.length).toArray(ValueLayout.JAVA_BYTE));
            // No receive buffer: the frame is dropped, the transmit buffer still comes back.
            tx.add(transmit.physicalAddress(), frame.length, false, 201);
            tx.kick();
            assertEquals(1, tx.poll((token, n) -> events.add("tx " + token)));
            assertEquals(0, rx.poll((token, n) -> events.add("rx?")));
            assertEquals(List.of(), f.device.errors());
        }
    }

    @Test
    void threadedDeviceServesWithoutNotifications() throws IOException {
        try (Fixture f = Fixture.live(Fixture.version1(), 0, 8)) {
            Virtqueue<Integer> queue = f.queue(0);
            f.device.serve(0, chain -> 3);
            f.device.queue(0).setNoNotify(true);
            f.device.start();
            queue.add(f.buffer(64).physicalAddress(), 64, true, 9);
            queue.kick();
            int[] written = {-1};
            long deadline = System.nanoTime() + 10_000_000_000L;
            while (queue.poll((t, n) -> written[0] = n) == 0) {
                assertTrue(System.nanoTime() < deadline, "the device thread never served the queue");
                Thread.onSpinWait();
            }
            assertEquals(3, written[0]);
            assertEquals(0, f.device.queue(0).notifications());
        }
    }

    /** A driver bug written straight into the rings: a descriptor chain that loops. */
    @Test
    void catchesALoopingChain() throws IOException {
        try (Fixture f = Fixture.live(Fixture.version1(), 0, 8)) {
            Virtqueue<Integer> queue = f.queue(0);
            MemorySegment descriptors = f.memory.resolve(queue.descriptorTableAddress(), 16 * 8);
            MemorySegment avail = f.memory.resolve(queue.driverAreaAddress(), 6 + 2 * 8);
            long buffer = f.buffer(64).physicalAddress();
            for (int i = 0; i < 2; i++) { // 0 -> 1 -> 0 -> ...
                descriptors.set(LE64, 16L * i, buffer);
                descriptors.set(LE32, 16L * i + 8, 64);
                descriptors.set(LE16, 16L * i + 12, (short) 1); // VIRTQ_DESC_F_NEXT
                descriptors.set(LE16, 16L * i + 14, (short) (1 - i));
            }
            avail.set(LE16, 4, (short) 0);
            avail.set(LE16, 2, (short) 1);
            DeviceQueue device = f.device.queue(0);
            assertNull(device.take());
            assertTrue(device.isBroken());
            assertEquals(List.of("queue 0: the chain from head 0 is longer than the queue (a loop?)"), f.device.errors());
            assertTrue((f.device.status() & Virtio.DEVICE_NEEDS_RESET) != 0);
        }
    }

    @Test
    void catchesReadableAfterWritableAndWildAddresses() throws IOException {
        try (Fixture f = Fixture.live(Fixture.version1(), 0, 8, 8)) {
            for (int queueIndex = 0; queueIndex < 2; queueIndex++) {
                Virtqueue<Integer> queue = f.queue(queueIndex);
                MemorySegment descriptors = f.memory.resolve(queue.descriptorTableAddress(), 16 * 8);
                MemorySegment avail = f.memory.resolve(queue.driverAreaAddress(), 6 + 2 * 8);
                long buffer = f.buffer(64).physicalAddress();
                if (queueIndex == 0) {
                    descriptors.set(LE64, 0, buffer);
                    descriptors.set(LE32, 8, 64);
                    descriptors.set(LE16, 12, (short) (1 | 2)); // NEXT | WRITE
                    descriptors.set(LE16, 14, (short) 1);
                    descriptors.set(LE64, 16, buffer);
                    descriptors.set(LE32, 24, 64);
                } else {
                    descriptors.set(LE64, 0, 0x1234_5678L); // nobody's memory
                    descriptors.set(LE32, 8, 64);
                }
                avail.set(LE16, 2, (short) 1);
                assertNull(f.device.queue(queueIndex).take());
            }
            List<String> errors = f.device.errors();
            assertEquals(2, errors.size());
            assertEquals("queue 0: descriptor 1 (chain from head 0) is device-readable but follows a device-writable one"
                    + " (§2.7.4.2)", errors.get(0));
            assertTrue(errors.get(1).startsWith("queue 1: descriptor 0 (chain from head 0) points at 0x12345678 + 64"
                    + " bytes, which is not DMA memory"), errors.get(1));
        }
    }

    @Test
    void catchesRegisterAccessesOfTheWrongWidth() throws IOException {
        try (Fixture f = Fixture.configured(Fixture.version1(), 0)) {
            f.device.commonConfig().read32(20); // device_status is 8 bits
            f.device.commonConfig().write16(18, 4); // num_queues is read-only
            assertEquals(List.of(
                    "common configuration read of 32 bits at offset 20, which is not a field of that width (§4.1.3.1)",
                    "write to read-only field at offset 18"), f.device.errors());
        }
    }
}
