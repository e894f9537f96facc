package dev.pith.net.virtio;

import static dev.pith.net.virtio.NetDeviceFixture.CSUM;
import static dev.pith.net.virtio.NetDeviceFixture.DEVICE_MAC;
import static dev.pith.net.virtio.NetDeviceFixture.GUEST_CSUM;
import static dev.pith.net.virtio.NetDeviceFixture.MAC;
import static dev.pith.net.virtio.NetDeviceFixture.MTU;
import static dev.pith.net.virtio.NetDeviceFixture.QEMU_LIKE;
import static dev.pith.net.virtio.NetDeviceFixture.STATUS;
import static dev.pith.net.virtio.NetDeviceFixture.VERSION_1;
import static dev.pith.net.virtio.NetDeviceFixture.frame;
import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertNotNull;
import static org.junit.jupiter.api.Assertions.assertNull;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import dev.pith.core.device.MacAddress;
import dev.pith.core.device.NetDeviceStats;
import dev.pith.core.device.NetOffload;
import dev.pith.core.dma.DmaArena;
import dev.pith.core.virtio.Virtio;
import dev.pith.core.virtio.VirtioException;
import dev.pith.core.virtio.testing.DescriptorChain;
import dev.pith.core.virtio.testing.DeviceQueue;
import dev.pith.core.virtio.testing.Misbehavior;
import dev.pith.core.virtio.testing.SoftwareVirtioDevice;
import dev.pith.net.wire.Checksum;
import dev.pith.testing.LeakDetection;
import io.netty.buffer.ByteBuf;
import io.netty.buffer.ByteBufUtil;
import io.netty.buffer.Unpooled;
import java.io.IOException;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.List;
import java.util.Set;
import java.util.SplittableRandom;
import java.util.concurrent.TimeUnit;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.Timeout;
import org.junit.jupiter.api.extension.ExtendWith;

/** The virtio-net driver against a virtio-net device written in Java (virtio 1.2 §5.1), host only. */
@ExtendWith(LeakDetection.class)
@Timeout(value = 30, unit = TimeUnit.SECONDS)
class VirtioNetTest {

    private static final VirtioNet.Settings DEFAULTS = VirtioNet.Settings.defaults();

    // ---- Setup: features, configuration, queues.

    @Test
    void takesVersion1MacStatusMtuAndDeclinesEverythingElse() throws IOException {
        try (NetDeviceFixture f = new NetDeviceFixture(QEMU_LIKE | MTU, 256)) {
            f.setMtu(1500);
            VirtioNet net = f.open(DEFAULTS);
            assertEquals(VERSION_1 | MAC | STATUS | MTU, f.device.driverFeatures(),
                    "no offloads, no MRG_RXBUF, TSO, CTRL_VQ, MQ, EVENT_IDX or INDIRECT_DESC");
            assertEquals(net.features(), f.device.driverFeatures());
            assertEquals(Set.of(), net.offloads());
            assertEquals(Virtio.ACKNOWLEDGE | Virtio.DRIVER | Virtio.FEATURES_OK | Virtio.DRIVER_OK, f.device.status());
            assertEquals(256, f.receiveQueue().size());
            assertEquals(256, f.transmitQueue().size());
            assertEquals(256, f.receiveQueue().available(), "the receive queue is full from the start");
            assertEquals(VirtioNet.BUFFER_SIZE, firstReceiveBuffer(f).writableLength(), "the whole 2048-byte buffer");
            assertTrue(f.receiveQueue().driverSuppressesInterrupts(), "VRING_AVAIL_F_NO_INTERRUPT: we poll");
            assertTrue(f.transmitQueue().driverSuppressesInterrupts());
            assertEquals(0, f.receiveQueue().interrupts() + f.transmitQueue().interrupts());
            assertEquals(List.of(), f.device.errors());
        }
    }

    /** Takes and gives back the first available receive chain, to look at it. */
    private static DescriptorChain firstReceiveBuffer(NetDeviceFixture f) {
        DescriptorChain chain = f.receiveQueue().take();
        f.receiveQueue().complete(chain, 0);
        assertEquals(0, chain.readable().size());
        assertEquals(1, chain.writable().size(), "one device-writable descriptor per receive buffer");
        f.net.receive(new ByteBuf[1], 0, 1); // the empty buffer is dropped and replaced
        assertEquals(1, f.net.stats().rxDropped());
        return chain;
    }

    @Test
    void checksumOffloadsOnlyWhenAsked() throws IOException {
        try (NetDeviceFixture f = new NetDeviceFixture(QEMU_LIKE, 256)) {
            VirtioNet net = f.open(DEFAULTS.withChecksumOffload(true));
            assertEquals(VERSION_1 | MAC | STATUS | CSUM | GUEST_CSUM, f.device.driverFeatures());
            assertEquals(Set.of(NetOffload.TX_CHECKSUM), net.offloads(), "never RX_CHECKSUM: DATA_VALID is per frame");
        }
    }

    @Test
    void refusesADeviceWithoutVersion1() throws IOException {
        try (NetDeviceFixture f = new NetDeviceFixture(MAC | STATUS, 256)) {
            VirtioException e = assertThrows(VirtioException.class, () -> f.open(DEFAULTS));
            assertTrue(e.getMessage().contains("0000:00:03.0") && e.getMessage().contains("VIRTIO_F_VERSION_1"),
                    e.getMessage());
            assertTrue((f.device.status() & Virtio.FAILED) != 0, "FAILED set");
        }
    }

    @Test
    void refusesADeviceThatRejectsOurFeatures() throws IOException {
        try (NetDeviceFixture f = new NetDeviceFixture(QEMU_LIKE, 256)) {
            f.device.rejectFeaturesOk(true);
            VirtioException e = assertThrows(VirtioException.class, () -> f.open(DEFAULTS));
            assertTrue(e.getMessage().contains("FEATURES_OK"), e.getMessage());
        }
    }

    @Test
    void refusesAnMtuItCannotBuffer() throws IOException {
        for (int mtu : new int[] {9000, 67}) {
            try (NetDeviceFixture f = new NetDeviceFixture(VERSION_1 | MAC | MTU, 256)) {
                f.setMtu(mtu);
                VirtioException e = assertThrows(VirtioException.class, () -> f.open(DEFAULTS));
                assertTrue(e.getMessage().contains("mtu (offset 10) is " + mtu), e.getMessage());
                assertTrue((f.device.status() & Virtio.FAILED) != 0);
            }
        }
    }

    @Test
    void refusesADeviceWithOneQueue() throws IOException {
        try (DmaArena memory = DmaArena.simulated(4 << 20, 4096);
                SoftwareVirtioDevice device = SoftwareVirtioDevice.builder(memory).features(VERSION_1).queues(1, 256)
                        .build()) {
            VirtioException e = assertThrows(VirtioException.class,
                    () -> VirtioNet.open(device.transport(), memory, DEFAULTS));
            assertTrue(e.getMessage().contains("num_queues is 1"), e.getMessage());
        }
    }

    @Test
    void failsLoudlyWhenDmaMemoryIsShort() throws IOException {
        try (DmaArena memory = DmaArena.simulated(1 << 20, 4096);
                SoftwareVirtioDevice device = SoftwareVirtioDevice.builder(memory).features(VERSION_1).queues(2, 256)
                        .build()) {
            VirtioException e = assertThrows(VirtioException.class,
                    () -> VirtioNet.open(device.transport(), memory, DEFAULTS));
            assertTrue(e.getMessage().contains("cannot allocate") && e.getMessage().contains("out of DMA memory"),
                    e.getMessage());
        }
    }

    @Test
    void defaultsFitFourMebibytesOfHugepagesOrOfPages() throws IOException {
        for (long chunk : new long[] {4096, 2 << 20}) {
            try (DmaArena memory = DmaArena.simulated(4 << 20, chunk);
                    SoftwareVirtioDevice device = SoftwareVirtioDevice.builder(memory).features(VERSION_1)
                            .queues(2, 256).build();
                    VirtioNet net = VirtioNet.open(device.transport(), memory, DEFAULTS)) {
                assertEquals(512, net.rxPool().capacity());
                assertEquals(512, net.txPool().capacity());
                assertEquals(List.of(), device.errors());
            }
        }
    }

    @Test
    void queuesTakeTheSmallerOfTheSettingAndTheDevice() throws IOException {
        try (NetDeviceFixture f = new NetDeviceFixture(QEMU_LIKE, 1024)) {
            f.open(DEFAULTS);
            assertEquals(256, f.receiveQueue().size());
        }
        try (NetDeviceFixture f = new NetDeviceFixture(QEMU_LIKE, 64)) {
            f.open(DEFAULTS);
            assertEquals(64, f.receiveQueue().size());
            assertEquals(64, f.transmitQueue().size());
        }
    }

    @Test
    void macComesFromTheDeviceConfiguration() throws IOException {
        try (NetDeviceFixture f = new NetDeviceFixture(QEMU_LIKE, 256)) {
            assertEquals(MacAddress.parse("52:54:00:12:34:56"), f.open(DEFAULTS).mac());
        }
    }

    @Test
    void withoutVirtioNetFMacTheMacIsLocallyAdministered() throws IOException {
        try (NetDeviceFixture f = new NetDeviceFixture(VERSION_1 | STATUS, 256)) {
            MacAddress mac = f.open(DEFAULTS).mac();
            assertEquals(0x02, (mac.bits() >>> 40) & 0x03, "locally administered, unicast: " + mac);
        }
        try (NetDeviceFixture f = new NetDeviceFixture(VERSION_1 | MAC, 256)) {
            MacAddress chosen = MacAddress.parse("02:00:00:00:00:07");
            assertEquals(chosen, f.open(DEFAULTS.withMac(chosen)).mac());
            assertEquals(VERSION_1, f.device.driverFeatures(), "F_MAC declined when the settings give the address");
        }
    }

    @Test
    void linkStatusComesFromTheConfigurationOrIsUp() throws IOException {
        try (NetDeviceFixture f = new NetDeviceFixture(QEMU_LIKE, 256)) {
            VirtioNet net = f.open(DEFAULTS);
            assertTrue(net.linkUp());
            f.setStatus(0);
            assertFalse(net.linkUp());
            f.setStatus(1);
            assertTrue(net.linkUp());
        }
        try (NetDeviceFixture f = new NetDeviceFixture(VERSION_1 | MAC, 256)) {
            f.setStatus(0); // not offered, so not to be read
            assertTrue(f.open(DEFAULTS).linkUp());
        }
    }

    @Test
    void mtuFromTheDeviceBoundsTransmittedFrames() throws IOException {
        try (NetDeviceFixture f = new NetDeviceFixture(QEMU_LIKE | MTU, 256)) {
            f.setMtu(1400);
            VirtioNet net = f.open(DEFAULTS);
            assertEquals(1400, net.mtu());
            List<byte[]> sent = new ArrayList<>();
            f.device.serve(1, chain -> {
                sent.add(chain.readAll());
                return 0;
            });
            ByteBuf fits = copyOf(net, frame(1400 + 14 + 4, 1)); // with a VLAN tag
            ByteBuf tooLong = copyOf(net, frame(1400 + 14 + 5, 2));
            assertEquals(2, net.transmit(new ByteBuf[] {fits, tooLong}, 0, 2), "both taken, one dropped");
            assertEquals(1, sent.size());
            assertEquals(new NetDeviceStats(0, 0, 0, 1, 1418, 1), net.stats());
            assertEquals(0, tooLong.refCnt(), "a dropped frame is released");
        }
    }

    // ---- Receive.

    @Test
    void receivedFramesArriveByteExactWithoutTheHeader() throws IOException {
        try (NetDeviceFixture f = new NetDeviceFixture(QEMU_LIKE, 256)) {
            VirtioNet net = f.open(DEFAULTS);
            byte[][] frames = {frame(60, 1), frame(1514, 2), frame(14, 3), frame(1518, 4)};
            for (byte[] frame : frames) {
                f.deliver(frame);
            }
            ByteBuf[] got = new ByteBuf[8];
            assertEquals(4, net.receive(got, 2, 6));
            for (int i = 0; i < frames.length; i++) {
                ByteBuf frame = got[2 + i];
                assertArrayEquals(frames[i], ByteBufUtil.getBytes(frame));
                assertEquals(VirtioNet.HEADER_LENGTH, frame.readerIndex(), "the header is skipped, not copied away");
                frame.release();
            }
            assertEquals(new NetDeviceStats(4, 60 + 1514 + 14 + 1518, 0, 0, 0, 0), net.stats());
            assertEquals(256, net.rxPool().outstanding(), "released frames went back to the pool, the ring is full");
            assertEquals(List.of(), f.device.errors());
        }
    }

    @Test
    void receiveQueueStaysFullThroughManyWraparounds() throws IOException {
        try (NetDeviceFixture f = new NetDeviceFixture(QEMU_LIKE, 256)) {
            // 16 buffers: 8 in the ring and up to 8 with the stack, so each receive can refill the ring completely.
            VirtioNet net = f.open(DEFAULTS.withQueueSize(8).withBuffers(16, 4));
            SplittableRandom random = new SplittableRandom(7);
            ByteBuf[] got = new ByteBuf[8];
            int sequence = 0;
            int expected = 0;
            // 70,000 frames: the ring's 8 slots wrap 8,750 times and the 16-bit ring indices once.
            while (sequence < 70_000) {
                int burst = 1 + random.nextInt(8);
                for (int i = 0; i < burst; i++) {
                    f.deliver(frame(60 + (sequence % 64), sequence++));
                }
                int n = net.receive(got, 0, got.length);
                assertEquals(burst, n);
                for (int i = 0; i < n; i++) {
                    assertEquals(expected, got[i].getInt(got[i].readerIndex() + 14), "in order, none lost");
                    assertEquals(60 + (expected % 64), got[i].readableBytes());
                    expected++;
                    got[i].release();
                }
                assertEquals(8, f.receiveQueue().available(), "refilled to the brim after every batch");
            }
            assertEquals(sequence, expected);
            assertEquals(sequence, net.stats().rxFrames());
            assertEquals(8, net.rxPool().outstanding());
            assertEquals(List.of(), f.device.errors());
        }
    }

    @Test
    void aFullBatchLeavesTheRestInTheRingAndTheStackHoldingFramesCostsOnlyRefills() throws IOException {
        try (NetDeviceFixture f = new NetDeviceFixture(QEMU_LIKE, 256)) {
            VirtioNet net = f.open(DEFAULTS.withQueueSize(8).withBuffers(10, 4));
            for (int i = 0; i < 8; i++) {
                f.deliver(frame(64, i));
            }
            ByteBuf[] got = new ByteBuf[8];
            assertEquals(3, net.receive(got, 0, 3));
            assertEquals(2, f.receiveQueue().available(), "10 buffers: 3 with the stack, 5 used, 2 refilled");
            assertEquals(5, net.receive(got, 3, 5));
            assertEquals(2, f.receiveQueue().available(), "8 buffers with the stack, 2 in the ring, none to spare");
            assertTrue(net.rxBufferShortages() > 0);
            for (int i = 0; i < 8; i++) {
                assertEquals(i, got[i].getInt(got[i].readerIndex() + 14));
                got[i].release();
            }
            assertEquals(0, net.receive(got, 0, 8));
            assertEquals(8, f.receiveQueue().available(), "refilled once the stack let go");
        }
    }

    @Test
    void usedLengthsShorterThanAFrameAreCountedAndDropped() throws IOException {
        try (NetDeviceFixture f = new NetDeviceFixture(QEMU_LIKE, 256)) {
            VirtioNet net = f.open(DEFAULTS.withQueueSize(8).withBuffers(12, 4));
            DeviceQueue queue = f.receiveQueue();
            queue.complete(queue.take(), 5); // shorter than the header
            queue.complete(queue.take(), VirtioNet.HEADER_LENGTH + 13); // shorter than an Ethernet header
            queue.complete(queue.take(), 0);
            f.deliver(frame(60, 9));
            ByteBuf[] got = new ByteBuf[4];
            assertEquals(1, net.receive(got, 0, 4), "only the good frame");
            assertEquals(9, got[0].getInt(got[0].readerIndex() + 14));
            got[0].release();
            assertEquals(new NetDeviceStats(1, 60, 3, 0, 0, 0), net.stats());
            assertTrue(net.linkUp(), "a short frame is a drop, not a broken device");
            assertEquals(8, queue.available());
        }
    }

    @Test
    void receivedPartialChecksumsAreCompletedWithGuestCsum() throws IOException {
        try (NetDeviceFixture f = new NetDeviceFixture(QEMU_LIKE, 256)) {
            VirtioNet net = f.open(DEFAULTS.withChecksumOffload(true));
            ByteBuf udp = Unpooled.wrappedBuffer(udpFrame(100));
            int udpLength = 108;
            // §5.1.6.4: the device leaves only the pseudo-header sum in the field and says where to sum from.
            udp.setShort(34 + 6, Checksum.pseudoHeader(udp.getInt(26), udp.getInt(30), 17, udpLength));
            byte[] header = new byte[VirtioNet.HEADER_LENGTH];
            header[0] = 1; // VIRTIO_NET_HDR_F_NEEDS_CSUM
            header[6] = 34; // csum_start
            header[8] = 6; // csum_offset
            f.deliver(header, ByteBufUtil.getBytes(udp));
            byte[] badHeader = header.clone();
            badHeader[6] = (byte) 200; // csum_start beyond the frame
            f.deliver(badHeader, ByteBufUtil.getBytes(udp));
            ByteBuf[] got = new ByteBuf[2];
            assertEquals(1, net.receive(got, 0, 2));
            ByteBuf frame = got[0];
            int at = frame.readerIndex();
            assertEquals(0xFFFF, Checksum.sum(frame, at + 34, udpLength,
                    Checksum.pseudoHeader(frame.getInt(at + 26), frame.getInt(at + 30), 17, udpLength)),
                    "the UDP checksum verifies");
            assertArrayEquals(udpFrame(100), ByteBufUtil.getBytes(frame), "as if fully checksummed by the sender");
            frame.release();
            udp.release();
            assertEquals(1, net.stats().rxDropped());
        }
    }

    // ---- Transmit.

    @Test
    void aBatchIsOneNotificationAndEachFrameAHeaderAndItsBytes() throws IOException {
        try (NetDeviceFixture f = new NetDeviceFixture(QEMU_LIKE, 256)) {
            VirtioNet net = f.open(DEFAULTS);
            List<DescriptorChain> chains = new ArrayList<>();
            List<byte[]> sent = new ArrayList<>();
            f.device.serve(1, chain -> {
                chains.add(chain);
                sent.add(chain.readAll());
                return 0;
            });
            ByteBuf[] batch = new ByteBuf[32];
            byte[][] frames = new byte[32][];
            for (int i = 0; i < batch.length; i++) {
                frames[i] = frame(60 + i * 40, i);
                batch[i] = copyOf(net, frames[i]);
            }
            assertEquals(32, net.transmit(batch, 0, 32));
            assertEquals(1, f.transmitQueue().notifications(), "one kick for the batch (§2.7.13)");
            assertEquals(32, sent.size());
            for (int i = 0; i < 32; i++) {
                DescriptorChain chain = chains.get(i);
                assertEquals(2, chain.readable().size());
                assertEquals(0, chain.writable().size());
                assertEquals(VirtioNet.HEADER_LENGTH, chain.readable().get(0).length());
                byte[] expected = new byte[VirtioNet.HEADER_LENGTH + frames[i].length]; // a zero header
                System.arraycopy(frames[i], 0, expected, VirtioNet.HEADER_LENGTH, frames[i].length);
                assertArrayEquals(expected, sent.get(i));
            }
            assertEquals(0, net.txCopies(), "frames from allocateFrame() are sent in place");
            assertEquals(new NetDeviceStats(0, 0, 0, 32, 32 * 60 + 40 * (31 * 32 / 2), 0), net.stats());
            assertEquals(0, net.transmit(batch, 0, 0));
            assertEquals(1, f.transmitQueue().notifications(), "an empty batch notifies nobody");
            assertEquals(List.of(), f.device.errors());
        }
    }

    @Test
    void aFullTransmitQueueTakesFewerAndTheCallerRetriesTheRest() throws IOException {
        try (NetDeviceFixture f = new NetDeviceFixture(QEMU_LIKE, 256)) {
            VirtioNet net = f.open(DEFAULTS.withQueueSize(8));
            List<DescriptorChain> held = new ArrayList<>();
            List<Integer> order = new ArrayList<>();
            f.device.serve(1, chain -> {
                held.add(chain);
                order.add(intAt(chain.readAll(), VirtioNet.HEADER_LENGTH + 14));
                return DeviceQueue.HOLD; // the device is slow: nothing completes yet
            });
            ByteBuf[] batch = new ByteBuf[10];
            for (int i = 0; i < batch.length; i++) {
                batch[i] = copyOf(net, frame(100, i));
            }
            int offset = 0;
            int accepted = net.transmit(batch, offset, 10);
            assertEquals(4, accepted, "8 descriptors, two per frame");
            offset += accepted;
            assertEquals(0, net.transmit(batch, offset, 10 - offset), "still full");
            assertEquals(1, batch[offset].refCnt(), "a frame not taken stays the caller's");
            while (offset < 10) {
                for (DescriptorChain chain : held) {
                    f.transmitQueue().complete(chain, 0);
                }
                held.clear();
                accepted = net.transmit(batch, offset, 10 - offset);
                assertTrue(accepted > 0);
                offset += accepted;
            }
            assertEquals(List.of(0, 1, 2, 3, 4, 5, 6, 7, 8, 9), order, "in order, each once");
            assertEquals(10, net.stats().txFrames());
            assertEquals(List.of(), f.device.errors());
        }
    }

    /** Big-endian int at {@code index} of {@code bytes}. */
    private static int intAt(byte[] bytes, int index) {
        return Unpooled.wrappedBuffer(bytes).getInt(index);
    }

    @Test
    void completedTransmissionsGoBackToThePool() throws IOException {
        try (NetDeviceFixture f = new NetDeviceFixture(QEMU_LIKE, 256)) {
            VirtioNet net = f.open(DEFAULTS.withQueueSize(16));
            f.device.serve(1, chain -> 0);
            assertEquals(0, net.txPool().outstanding());
            for (int round = 0; round < 100; round++) {
                ByteBuf[] batch = new ByteBuf[8];
                for (int i = 0; i < batch.length; i++) {
                    batch[i] = copyOf(net, frame(200, round * 8 + i));
                }
                assertEquals(8, net.transmit(batch, 0, 8));
            }
            assertEquals(8, net.txPool().outstanding(), "the last batch is used but not yet reaped");
            net.receive(new ByteBuf[1], 0, 1); // receive reaps too
            assertEquals(0, net.txPool().outstanding(), "back to the baseline");
            assertEquals(800, net.stats().txFrames());
        }
    }

    @Test
    void framesOutsideDmaMemoryAreCopied() throws IOException {
        try (NetDeviceFixture f = new NetDeviceFixture(QEMU_LIKE, 256)) {
            VirtioNet net = f.open(DEFAULTS.withQueueSize(8).withBuffers(8, 1));
            List<byte[]> sent = new ArrayList<>();
            f.device.serve(1, chain -> {
                sent.add(chain.readAll());
                return DeviceQueue.HOLD;
            });
            byte[] first = frame(80, 1);
            ByteBuf heap = Unpooled.buffer(200).writerIndex(20).readerIndex(20); // bytes in front, as a parser leaves them
            heap.writeBytes(first);
            ByteBuf direct = Unpooled.directBuffer(200).writeBytes(frame(80, 2));
            assertEquals(1, net.transmit(new ByteBuf[] {heap, direct}, 0, 2), "one buffer for copies: one taken");
            assertEquals(0, heap.refCnt(), "the original is released once copied");
            assertEquals(1, direct.refCnt(), "not taken: still the caller's");
            assertEquals(1, net.txCopies());
            assertArrayEquals(first, Arrays.copyOfRange(sent.get(0), VirtioNet.HEADER_LENGTH, sent.get(0).length));
            direct.release();
        }
    }

    @Test
    void transmitChecksumOffloadLeavesThePseudoHeaderSumForTheDevice() throws IOException {
        try (NetDeviceFixture f = new NetDeviceFixture(QEMU_LIKE, 256)) {
            VirtioNet net = f.open(DEFAULTS.withChecksumOffload(true));
            List<byte[]> sent = new ArrayList<>();
            f.device.serve(1, chain -> {
                sent.add(chain.readAll());
                return 0;
            });
            byte[] udp = udpFrame(57);
            ByteBuf frame = copyOf(net, udp);
            frame.setShort(34 + 6, 0x1234); // whatever the stack left there
            byte[] arp = frame(60, 3);
            assertEquals(2, net.transmit(new ByteBuf[] {frame, copyOf(net, arp)}, 0, 2));
            ByteBuf header = Unpooled.wrappedBuffer(sent.get(0), 0, VirtioNet.HEADER_LENGTH);
            assertEquals(1, header.getByte(0), "VIRTIO_NET_HDR_F_NEEDS_CSUM");
            assertEquals(34, header.getUnsignedShortLE(6), "csum_start: the UDP header");
            assertEquals(6, header.getUnsignedShortLE(8), "csum_offset: UDP's checksum field");
            // Finish as the device would (§5.1.6.2): sum from csum_start to the end, store at csum_offset.
            ByteBuf onWire = Unpooled.wrappedBuffer(Arrays.copyOfRange(sent.get(0), 12, sent.get(0).length));
            onWire.setShort(40, Checksum.finish(Checksum.sum(onWire, 34, onWire.readableBytes() - 34, 0)));
            assertArrayEquals(udp, ByteBufUtil.getBytes(onWire), "the same frame as fully checksummed by hand");
            assertArrayEquals(new byte[12], Arrays.copyOf(sent.get(1), 12), "not IPv4: flags 0");
        }
    }

    // ---- A device that breaks the protocol.

    @Test
    void aUsedIdOutOfRangeTakesTheLinkDownWithoutThrowing() throws IOException {
        try (NetDeviceFixture f = new NetDeviceFixture(QEMU_LIKE, 256)) {
            VirtioNet net = f.open(DEFAULTS.withQueueSize(8));
            f.receiveQueue().misbehave(Misbehavior.ID_OUT_OF_RANGE);
            f.deliver(frame(60, 1));
            ByteBuf[] got = new ByteBuf[4];
            assertEquals(0, net.receive(got, 0, 4));
            assertTrue(net.isFailed());
            assertFalse(net.linkUp());
            assertTrue((f.device.status() & Virtio.FAILED) != 0, "FAILED set: we gave up on the device");
            assertEquals(0, net.receive(got, 0, 4), "and it stays given up on");
            ByteBuf late = copyOf(net, frame(60, 2));
            assertEquals(1, net.transmit(new ByteBuf[] {late}, 0, 1), "taken and dropped, not held by the stack");
            assertEquals(0, late.refCnt());
            assertEquals(1, net.stats().txDropped());
            net.close();
            assertEquals(0, net.rxPool().outstanding() + net.txPool().outstanding(), "close reclaims everything");
        }
    }

    @Test
    void everyTransmitMisbehaviourTakesTheLinkDownWithoutThrowing() throws IOException {
        for (Misbehavior misbehavior : new Misbehavior[] {Misbehavior.ID_OUT_OF_RANGE, Misbehavior.DUPLICATE_ID,
                Misbehavior.LENGTH_TOO_LONG, Misbehavior.USED_INDEX_JUMP}) {
            try (NetDeviceFixture f = new NetDeviceFixture(QEMU_LIKE, 256)) {
                VirtioNet net = f.open(DEFAULTS.withQueueSize(8));
                f.device.serve(1, chain -> 0);
                f.transmitQueue().misbehave(misbehavior);
                for (int i = 0; i < 3 && !net.isFailed(); i++) {
                    net.transmit(new ByteBuf[] {copyOf(net, frame(60, i))}, 0, 1);
                }
                assertTrue(net.isFailed(), misbehavior + " noticed");
                assertFalse(net.linkUp());
                net.close();
                assertEquals(0, net.rxPool().outstanding() + net.txPool().outstanding(), misbehavior + ": no leak");
            }
        }
    }

    @Test
    void deviceNeedsResetTakesTheLinkDown() throws IOException {
        try (NetDeviceFixture f = new NetDeviceFixture(QEMU_LIKE, 256)) {
            VirtioNet net = f.open(DEFAULTS.withQueueSize(8));
            // Play a buggy driver for a moment: a 32-bit access to the 8-bit device_status is an error the device
            // answers with DEVICE_NEEDS_RESET (§2.1.2), as QEMU's virtio_error does.
            f.device.commonConfig().write32(20, 0);
            assertTrue((f.device.status() & Virtio.DEVICE_NEEDS_RESET) != 0);
            assertFalse(net.linkUp());
            assertTrue(net.isFailed());
        }
    }

    // ---- Close.

    @Test
    void closeResetsTheDeviceAndReleasesEveryBuffer() throws IOException {
        try (NetDeviceFixture f = new NetDeviceFixture(QEMU_LIKE, 256)) {
            VirtioNet net = f.open(DEFAULTS.withQueueSize(16));
            f.device.serve(1, chain -> DeviceQueue.HOLD); // frames stay in flight
            ByteBuf[] batch = new ByteBuf[5];
            for (int i = 0; i < batch.length; i++) {
                batch[i] = copyOf(net, frame(100, i));
            }
            assertEquals(5, net.transmit(batch, 0, 5));
            ByteBuf held = net.allocateFrame(); // one the stack still holds
            assertEquals(16, net.rxPool().outstanding());
            assertEquals(6, net.txPool().outstanding());
            int resets = f.device.resets();
            net.close();
            assertEquals(resets + 1, f.device.resets());
            assertEquals(0, f.device.status(), "reset: the device no longer touches our memory");
            assertEquals(0, net.rxPool().outstanding(), "the receive ring's buffers");
            assertEquals(1, net.txPool().outstanding(), "frames in flight released; the stack's own is its to release");
            held.release();
            assertEquals(0, net.txPool().outstanding());
            assertNull(net.allocateFrame());
            assertFalse(net.linkUp());
            net.close(); // idempotent
        }
    }

    // ---- Driver and device in two threads, as with QEMU's I/O thread.

    @Test
    void loopbackAgainstADeviceThread() throws IOException {
        try (NetDeviceFixture f = new NetDeviceFixture(QEMU_LIKE, 256)) {
            VirtioNet net = f.open(DEFAULTS.withQueueSize(64));
            f.device.loopback(1, 0);
            f.device.start();
            ByteBuf[] got = new ByteBuf[64];
            int sent = 0;
            int received = 0;
            long deadline = System.nanoTime() + TimeUnit.SECONDS.toNanos(10);
            while (received < 5_000) {
                ByteBuf[] batch = new ByteBuf[32]; // at most the ring's 64 receive buffers in flight
                for (int i = 0; i < batch.length; i++) {
                    batch[i] = copyOf(net, frame(60 + (sent + i) % 1400, sent + i));
                }
                int offset = 0;
                while (offset < batch.length) {
                    offset += net.transmit(batch, offset, batch.length - offset);
                }
                sent += batch.length;
                while (received < sent) {
                    int n = net.receive(got, 0, got.length);
                    for (int i = 0; i < n; i++) {
                        assertEquals(received, got[i].getInt(got[i].readerIndex() + 14));
                        assertEquals(60 + received % 1400, got[i].readableBytes());
                        got[i].release();
                        received++;
                    }
                    assertTrue(System.nanoTime() < deadline, "stuck at " + received + " of " + sent);
                }
            }
            assertEquals(List.of(), f.device.errors());
            assertFalse(net.isFailed());
        }
    }

    // ---- Helpers.

    /** A frame in a buffer from the driver's allocateFrame(), as the stack makes them. */
    static ByteBuf copyOf(VirtioNet net, byte[] bytes) {
        ByteBuf frame = net.allocateFrame();
        assertNotNull(frame);
        return frame.writeBytes(bytes);
    }

    /** An Ethernet/IPv4/UDP frame 10.0.0.2:4000 → 10.0.0.1:5000 with {@code payload} bytes, fully checksummed. */
    static byte[] udpFrame(int payload) {
        ByteBuf f = Unpooled.buffer();
        f.writeBytes(DEVICE_MAC).writeBytes(new byte[] {2, 0, 0, 0, 0, 2}).writeShort(0x0800);
        int udpLength = 8 + payload;
        f.writeByte(0x45).writeByte(0).writeShort(20 + udpLength).writeShort(0x1234).writeShort(0x4000)
                .writeByte(64).writeByte(17).writeShort(0).writeInt(0x0a000002).writeInt(0x0a000001);
        f.setShort(24, Checksum.finish(Checksum.sum(f, 14, 20, 0)));
        f.writeShort(4000).writeShort(5000).writeShort(udpLength).writeShort(0);
        for (int i = 0; i < payload; i++) {
            f.writeByte(i * 7);
        }
        f.setShort(40, Checksum.finish(Checksum.sum(f, 34, udpLength, Checksum.pseudoHeader(0x0a000002, 0x0a000001,
                17, udpLength))));
        byte[] bytes = ByteBufUtil.getBytes(f);
        f.release();
        return bytes;
    }
}
