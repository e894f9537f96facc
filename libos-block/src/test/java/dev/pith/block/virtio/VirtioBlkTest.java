package dev.pith.block.virtio;

import static dev.pith.block.virtio.VirtioBlkProtocol.F_BLK_SIZE;
import static dev.pith.block.virtio.VirtioBlkProtocol.F_FLUSH;
import static dev.pith.block.virtio.VirtioBlkProtocol.F_RO;
import static dev.pith.block.virtio.VirtioBlkProtocol.F_SEG_MAX;
import static dev.pith.block.virtio.VirtioBlkProtocol.T_FLUSH;
import static dev.pith.block.virtio.VirtioBlkProtocol.T_GET_ID;
import static dev.pith.block.virtio.VirtioBlkProtocol.T_IN;
import static dev.pith.block.virtio.VirtioBlkProtocol.T_OUT;
import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertNotNull;
import static org.junit.jupiter.api.Assertions.assertNull;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import dev.pith.core.EventLoop;
import dev.pith.core.ManualClock;
import dev.pith.core.buffer.DmaBuffer;
import dev.pith.core.buffer.PacketBufferPool;
import dev.pith.core.device.BlockStatus;
import dev.pith.core.dma.DmaArena;
import dev.pith.core.virtio.Virtio;
import dev.pith.core.virtio.VirtioException;
import dev.pith.core.virtio.testing.Misbehavior;
import io.netty.buffer.ByteBuf;
import java.time.Duration;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.List;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.Nested;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.CsvSource;

class VirtioBlkTest {

    private final Harness h = new Harness();

    @AfterEach
    void tearDown() throws Exception {
        h.close();
    }

    private static byte[] bytes(ByteBuf buffer, int index, int length) {
        byte[] out = new byte[length];
        buffer.getBytes(index, out);
        return out;
    }

    @Nested
    class Setup {

        @Test
        void negotiatesReadsConfigAndSerial() throws Exception {
            FakeDisk fake = h.fake(FakeDisk.builder().sectors(4096).segMax(254).serial("data"));
            VirtioBlk disk = h.open(fake);
            assertEquals("data", disk.id());
            assertEquals("data", disk.serial());
            assertEquals(512, disk.sectorSize());
            assertEquals(4096, disk.sectors());
            assertFalse(disk.readOnly());
            assertTrue(disk.flushSupported());
            assertEquals(256 / 3, disk.maxInFlight(), "a third of QEMU's 256 descriptors");
            assertEquals(Virtio.feature(Virtio.F_VERSION_1) | Virtio.feature(F_FLUSH) | Virtio.feature(F_SEG_MAX),
                    fake.device.driverFeatures());
            assertEquals(Virtio.ACKNOWLEDGE | Virtio.DRIVER | Virtio.FEATURES_OK | Virtio.DRIVER_OK,
                    fake.device.status());
            assertTrue(fake.queue().driverSuppressesInterrupts(), "VRING_AVAIL_F_NO_INTERRUPT: the driver polls");
            List<FakeDisk.Seen> getId = fake.seen(T_GET_ID);
            assertEquals(1, getId.size());
            assertEquals(List.of(16), getId.getFirst().readable(), "GET_ID: the header is device-readable");
            assertEquals(List.of(20, 1), getId.getFirst().writable(), "GET_ID: 20-byte ID and status writable");
            assertEquals(0, getId.getFirst().sector());
            h.assertQuiet(disk, fake);
        }

        @Test
        void aSerialOfTwentyCharactersHasNoNul() throws Exception {
            FakeDisk fake = h.fake(FakeDisk.builder().serial("abcdefghijklmnopqrst"));
            assertEquals("abcdefghijklmnopqrst", h.open(fake).serial());
        }

        @Test
        void withoutASerialTheIdIsThePciAddress() throws Exception {
            FakeDisk fake = h.fake(FakeDisk.builder().name("0000:00:07.0"));
            fake.getIdUnsupported = true;
            VirtioBlk disk = h.open(fake);
            assertEquals("", disk.serial());
            assertEquals("0000:00:07.0", disk.id());
        }

        @Test
        void blkSizeBecomesTheSectorSizeAndHeadersStayIn512ByteUnits() throws Exception {
            FakeDisk fake = h.fake(FakeDisk.builder().sectors(1024).blkSize(4096));
            VirtioBlk disk = h.open(fake);
            assertEquals(4096, disk.sectorSize());
            assertEquals(128, disk.sectors());
            ByteBuf out = h.heap(8192);
            Harness.fill(out, 3);
            assertEquals(BlockStatus.OK, h.run(c -> disk.write(3, 2, out, 0, c)));
            assertEquals(3 * 8L, fake.seen(T_OUT).getFirst().sector(), "§5.2.6: sector counts 512 bytes");
            assertArrayEquals(bytes(out, 0, 8192), Arrays.copyOfRange(fake.disk, 3 * 4096, 5 * 4096));
            assertTrue(Virtio.feature(F_BLK_SIZE) == (fake.device.driverFeatures() & Virtio.feature(F_BLK_SIZE)));
            h.assertQuiet(disk, fake);
        }

        @Test
        void deviceWithoutVersion1IsRefused() throws Exception {
            FakeDisk fake = h.fake(FakeDisk.builder());
            var legacy = dev.pith.core.virtio.testing.SoftwareVirtioDevice.builder(fake.memory).features(0)
                    .deviceConfigSize(64).build();
            try (legacy) {
                VirtioException e = assertThrows(VirtioException.class,
                        () -> VirtioBlk.open(h.loop, legacy.transport(), null, fake.memory, VirtioBlkSettings.DEFAULT));
                assertTrue(e.getMessage().contains("VIRTIO_F_VERSION_1"), e.getMessage());
                assertTrue((legacy.status() & Virtio.FAILED) != 0, "FAILED set");
            }
        }

        @Test
        void aDeviceThatNeverAnswersGetIdFailsSetupWithinTheTimeout() throws Exception {
            FakeDisk fake = h.fake(FakeDisk.builder());
            fake.device.onNotify(0, q -> q.take()); // take the GET_ID request and never answer
            long start = System.nanoTime();
            VirtioException e = assertThrows(VirtioException.class, () -> VirtioBlk.open(h.loop,
                    fake.device.transport(), null, fake.memory, VirtioBlkSettings.DEFAULT
                            .withSetupTimeout(Duration.ofMillis(50))));
            assertTrue(System.nanoTime() - start < 2_000_000_000L);
            assertTrue(e.getMessage().contains("GET_ID"), e.getMessage());
            assertEquals(Virtio.FAILED, fake.device.status(), "reset, then FAILED");
        }

        @Test
        void aDeviceThatRefusesFeaturesIsRefused() throws Exception {
            FakeDisk fake = h.fake(FakeDisk.builder());
            fake.device.rejectFeaturesOk(true);
            assertThrows(VirtioException.class, () -> h.open(fake));
        }
    }

    @Nested
    class ReadsAndWrites {

        @ParameterizedTest(name = "{1} sectors at sector {0}, buffer index {2}")
        @CsvSource({"0,1,0", "1,1,512", "7,8,0", "5,9,100", "0,32,0", "13,33,7", "100,300,0", "2047,1,0",
                "1748,300,512"})
        void roundTripThroughBounceBuffers(long sector, int count, int index) throws Exception {
            FakeDisk fake = h.fake(FakeDisk.builder().sectors(2048));
            VirtioBlk disk = h.open(fake);
            int length = count * 512;
            ByteBuf out = h.heap(index + length);
            Harness.fill(out, (int) sector);
            assertEquals(BlockStatus.OK, h.run(c -> disk.write(sector, count, out, index, c)));
            assertArrayEquals(bytes(out, index, length),
                    Arrays.copyOfRange(fake.disk, (int) sector * 512, (int) sector * 512 + length));
            ByteBuf in = h.heap(index + length);
            assertEquals(BlockStatus.OK, h.run(c -> disk.read(sector, count, in, index, c)));
            assertArrayEquals(bytes(out, index, length), bytes(in, index, length));
            assertEquals(0, in.writerIndex(), "indices are left alone");
            assertEquals(0, out.readerIndex());
            // A 16 KiB bounce buffer on 4 KiB pages is one page: each chain carries at most 4 KiB.
            for (FakeDisk.Seen seen : fake.seen(T_OUT)) {
                assertTrue(seen.readable().stream().skip(1).mapToInt(Integer::intValue).sum() <= 4096);
            }
            int chains = (length + 4095) / 4096;
            assertEquals(chains, fake.seen(T_OUT).size());
            assertEquals(chains, fake.seen(T_IN).size());
            assertEquals(2, disk.driverStats().bouncedRequests());
            assertEquals(chains > 1 ? 2 : 0, disk.driverStats().splitRequests());
            assertEquals(1, disk.stats().writes());
            assertEquals(length, disk.stats().bytesRead());
            h.assertQuiet(disk, fake);
        }

        @Test
        void chainLayoutIsHeaderDataStatus() throws Exception {
            FakeDisk fake = h.fake(FakeDisk.builder());
            VirtioBlk disk = h.open(fake);
            ByteBuf buffer = h.heap(2048);
            assertEquals(BlockStatus.OK, h.run(c -> disk.write(9, 4, buffer, 0, c)));
            assertEquals(BlockStatus.OK, h.run(c -> disk.read(9, 4, buffer, 0, c)));
            assertEquals(BlockStatus.OK, h.run(disk::flush));
            FakeDisk.Seen write = fake.seen(T_OUT).getFirst();
            assertEquals(9, write.sector());
            assertEquals(List.of(16, 2048), write.readable(), "OUT: header and data device-readable");
            assertEquals(List.of(1), write.writable(), "OUT: status device-writable");
            FakeDisk.Seen read = fake.seen(T_IN).getFirst();
            assertEquals(9, read.sector());
            assertEquals(List.of(16), read.readable(), "IN: header device-readable");
            assertEquals(List.of(2048, 1), read.writable(), "IN: data and status device-writable");
            FakeDisk.Seen flush = fake.seen(T_FLUSH).getFirst();
            assertEquals(0, flush.sector(), "§5.2.6.1: sector 0 for FLUSH");
            assertEquals(List.of(16), flush.readable());
            assertEquals(List.of(1), flush.writable(), "FLUSH carries no data");
            assertEquals(1, fake.flushes);
            assertEquals(1, disk.stats().flushes());
            h.assertQuiet(disk, fake);
        }

        @Test
        void dmaBuffersGoStraightToTheDevice() throws Exception {
            FakeDisk fake = h.fake(FakeDisk.builder().chunkSize(2 << 20).sectors(4096));
            VirtioBlk disk = h.open(fake);
            PacketBufferPool pool = fake.memory.packetBuffers(64 << 10, 2);
            ByteBuf out = pool.tryAllocate();
            ByteBuf in = pool.tryAllocate();
            try {
                Harness.fill(out, 5);
                assertEquals(BlockStatus.OK, h.run(c -> disk.write(64, 128, out, 0, c)));
                assertEquals(BlockStatus.OK, h.run(c -> disk.read(64, 120, in, 4096, c)));
                assertArrayEquals(bytes(out, 0, 120 * 512), bytes(in, 4096, 120 * 512));
                FakeDisk.Seen write = fake.seen(T_OUT).getFirst();
                assertEquals(List.of(16, 64 << 10), write.readable(), "one data descriptor: a DMA buffer is contiguous");
                assertEquals(((DmaBuffer) out).physicalAddress(), write.readableAddresses().get(1));
                FakeDisk.Seen read = fake.seen(T_IN).getFirst();
                assertEquals(((DmaBuffer) in).physicalAddress(4096), read.writableAddresses().get(0));
                assertEquals(0, disk.driverStats().bouncedRequests());
            } finally {
                out.release();
                in.release();
                pool.close();
            }
            h.assertQuiet(disk, fake);
        }

        @Test
        void sizeMaxAndSegMaxCutRequests() throws Exception {
            FakeDisk fake = h.fake(FakeDisk.builder().chunkSize(2 << 20).sectors(4096).sizeMax(4096).segMax(3));
            VirtioBlk disk = h.open(fake);
            assertEquals(3 * 4096, disk.maxRequestBytes());
            PacketBufferPool pool = fake.memory.packetBuffers(40 << 10, 2);
            ByteBuf out = pool.tryAllocate();
            ByteBuf in = pool.tryAllocate();
            try {
                Harness.fill(out, 9);
                assertEquals(BlockStatus.OK, h.run(c -> disk.write(10, 80, out, 0, c)));
                assertEquals(BlockStatus.OK, h.run(c -> disk.read(10, 80, in, 0, c)));
                assertArrayEquals(bytes(out, 0, 40 << 10), bytes(in, 0, 40 << 10));
                List<FakeDisk.Seen> writes = fake.seen(T_OUT);
                assertEquals(4, writes.size(), "40 KiB in requests of 12 KiB");
                long sector = 10;
                for (FakeDisk.Seen write : writes) {
                    assertEquals(sector, write.sector());
                    assertTrue(write.readable().size() - 1 <= 3, "seg_max");
                    write.readable().stream().skip(1).forEach(length -> assertTrue(length <= 4096, "size_max"));
                    sector += write.readable().stream().skip(1).mapToInt(Integer::intValue).sum() / 512;
                }
                assertEquals(10 + 80, sector);
                for (FakeDisk.Seen read : fake.seen(T_IN)) {
                    assertTrue(read.writable().size() - 1 <= 3, "seg_max");
                }
                assertEquals(2, disk.driverStats().splitRequests());
            } finally {
                out.release();
                in.release();
                pool.close();
            }
            h.assertQuiet(disk, fake);
        }

        @Test
        void outOfRangeAndMisuseAreCaughtBeforeTheDevice() throws Exception {
            FakeDisk fake = h.fake(FakeDisk.builder().sectors(100));
            VirtioBlk disk = h.open(fake);
            ByteBuf buffer = h.heap(1024);
            assertEquals(BlockStatus.OUT_OF_RANGE, h.run(c -> disk.read(99, 2, buffer, 0, c)));
            assertThrows(IllegalArgumentException.class, () -> disk.read(0, 3, buffer, 0, s -> {}));
            assertEquals(List.of(), fake.seen(T_IN));
            assertThrows(IllegalArgumentException.class, () -> disk.read(0, 1, buffer.asReadOnly(), 0, s -> {}),
                    "a read into a read-only buffer is refused before it takes a slot (AbstractBlockDevice)");
            h.assertQuiet(disk, fake);
        }
    }

    @Nested
    class Concurrency {

        @Test
        void aHundredRequestsInFlightAllComplete() throws Exception {
            FakeDisk fake = h.fake(FakeDisk.builder().chunkSize(2 << 20).sectors(8192).maxQueueSize(512));
            VirtioBlk disk = h.open(fake, VirtioBlkSettings.DEFAULT.withMaxQueueSize(512).withBounceBuffers(128, 1024));
            assertEquals(170, disk.maxInFlight());
            fake.holding = true;
            List<Harness.Outcome> outcomes = new ArrayList<>();
            List<ByteBuf> written = new ArrayList<>();
            for (int i = 0; i < 100; i++) {
                ByteBuf buffer = h.heap(1024);
                long sector = i * 2L;
                if (i % 2 == 0) {
                    Harness.fill(buffer, i);
                    written.add(buffer);
                    outcomes.add(h.submit(c -> disk.write(sector, 2, buffer, 0, c)));
                } else {
                    outcomes.add(h.submit(c -> disk.read(sector, 2, buffer, 0, c)));
                }
            }
            h.loop.runUntilIdle();
            assertEquals(100, fake.held.size(), "all 100 with the device at once");
            assertEquals(0, disk.driverStats().backlogWaits());
            fake.releaseHeld();
            h.loop.runUntilIdle();
            outcomes.forEach(o -> assertEquals(BlockStatus.OK, o.status));
            for (int i = 0; i < written.size(); i++) {
                assertArrayEquals(bytes(written.get(i), 0, 1024),
                        Arrays.copyOfRange(fake.disk, i * 4 * 512, i * 4 * 512 + 1024));
            }
            h.assertQuiet(disk, fake);
        }

        @Test
        void dmaRequestsAllInFlightAtOnce() throws Exception {
            FakeDisk fake = h.fake(FakeDisk.builder().chunkSize(2 << 20).sectors(8192).maxQueueSize(512));
            VirtioBlk disk = h.open(fake, VirtioBlkSettings.DEFAULT.withMaxQueueSize(512));
            PacketBufferPool pool = fake.memory.packetBuffers(4096, 100);
            List<ByteBuf> buffers = new ArrayList<>();
            try {
                fake.holding = true;
                List<Harness.Outcome> outcomes = new ArrayList<>();
                for (int i = 0; i < 100; i++) {
                    ByteBuf buffer = pool.tryAllocate();
                    buffers.add(buffer);
                    Harness.fill(buffer, i);
                    long sector = i * 8L;
                    outcomes.add(h.submit(c -> disk.write(sector, 8, buffer, 0, c)));
                }
                h.loop.runUntilIdle();
                assertEquals(100, fake.held.size());
                assertEquals(100, disk.queue().inFlight());
                fake.releaseHeld();
                h.loop.runUntilIdle();
                outcomes.forEach(o -> assertEquals(BlockStatus.OK, o.status));
                assertEquals(0, disk.driverStats().backlogWaits());
            } finally {
                buffers.forEach(ByteBuf::release);
                pool.close();
            }
            h.assertQuiet(disk, fake);
        }

        @Test
        void requestsWaitForBounceBuffersInOrder() throws Exception {
            FakeDisk fake = h.fake(FakeDisk.builder());
            VirtioBlk disk = h.open(fake); // 16 bounce buffers
            fake.holding = true;
            List<Harness.Outcome> outcomes = new ArrayList<>();
            for (int i = 0; i < 20; i++) {
                ByteBuf buffer = h.heap(512);
                Harness.fill(buffer, i);
                long sector = i;
                outcomes.add(h.submit(c -> disk.write(sector, 1, buffer, 0, c)));
            }
            h.loop.runUntilIdle();
            assertEquals(16, fake.held.size());
            assertEquals(4, disk.driverStats().backlogWaits());
            fake.releaseHeld();
            h.loop.runUntilIdle();
            assertEquals(4, fake.held.size(), "the backlog went out as bounce buffers came back");
            fake.releaseHeld();
            h.loop.runUntilIdle();
            outcomes.forEach(o -> assertEquals(BlockStatus.OK, o.status));
            List<Long> order = fake.seen(T_OUT).stream().map(FakeDisk.Seen::sector).toList();
            assertEquals(java.util.stream.LongStream.range(0, 20).boxed().toList(), order, "FIFO");
            h.assertQuiet(disk, fake);
        }

        @Test
        void beyondMaxInFlightIsBusyNotAHang() throws Exception {
            FakeDisk fake = h.fake(FakeDisk.builder());
            VirtioBlk disk = h.open(fake);
            fake.holding = true;
            List<Harness.Outcome> outcomes = new ArrayList<>();
            ByteBuf buffer = h.heap(512);
            for (int i = 0; i < disk.maxInFlight(); i++) {
                long sector = i;
                outcomes.add(h.submit(c -> disk.read(sector, 1, buffer, 0, c)));
            }
            assertEquals(BlockStatus.BUSY, h.run(c -> disk.read(0, 1, buffer, 0, c)));
            assertEquals(BlockStatus.BUSY, h.run(disk::flush));
            while (outcomes.stream().anyMatch(o -> o.status == null)) {
                fake.releaseHeld();
                h.loop.runUntilIdle();
            }
            outcomes.forEach(o -> assertEquals(BlockStatus.OK, o.status));
            fake.holding = false;
            assertEquals(BlockStatus.OK, h.run(c -> disk.read(0, 1, buffer, 0, c)));
            h.assertQuiet(disk, fake);
        }

        @Test
        void aDeviceOnItsOwnThreadServesConcurrentRequests() throws Exception {
            FakeDisk fake = h.fake(FakeDisk.builder().sectors(8192));
            VirtioBlk disk = h.open(fake);
            fake.device.start(); // QEMU's iothread: driver and device race for real
            List<Harness.Outcome> outcomes = new ArrayList<>();
            List<ByteBuf> buffers = new ArrayList<>();
            for (int i = 0; i < 300; i++) {
                ByteBuf buffer = h.heap(2048);
                Harness.fill(buffer, i);
                buffers.add(buffer);
                long sector = i * 4L;
                Harness.Outcome outcome = h.submit(c -> disk.write(sector, 4, buffer, 0, c));
                outcomes.add(outcome);
                h.loop.runOnce();
            }
            long deadline = System.nanoTime() + 5_000_000_000L;
            while (outcomes.stream().anyMatch(o -> o.status == null) && System.nanoTime() < deadline) {
                h.loop.runOnce();
            }
            int ok = 0;
            for (int i = 0; i < outcomes.size(); i++) {
                BlockStatus status = outcomes.get(i).status;
                assertNotNull(status, "request " + i + " completed");
                if (status == BlockStatus.OK) {
                    ok++;
                    assertArrayEquals(bytes(buffers.get(i), 0, 2048),
                            Arrays.copyOfRange(fake.disk, i * 2048, i * 2048 + 2048));
                } else {
                    assertEquals(BlockStatus.BUSY, status);
                }
            }
            assertTrue(ok > 0);
            h.assertQuiet(disk, fake);
        }
    }

    @Nested
    class Statuses {

        @Test
        void flushOnlyWhenNegotiated() throws Exception {
            FakeDisk fake = h.fake(FakeDisk.builder().noFlush());
            VirtioBlk disk = h.open(fake);
            assertFalse(disk.flushSupported());
            assertEquals(BlockStatus.UNSUPPORTED, h.run(disk::flush));
            assertEquals(List.of(), fake.seen(T_FLUSH), "no FLUSH request reached the device");
            assertEquals(0, fake.device.driverFeatures() & Virtio.feature(F_FLUSH));
            h.assertQuiet(disk, fake);
        }

        @Test
        void readOnlyDeviceRefusesWrites() throws Exception {
            FakeDisk fake = h.fake(FakeDisk.builder().readOnly());
            VirtioBlk disk = h.open(fake);
            assertTrue(disk.readOnly());
            assertTrue((fake.device.driverFeatures() & Virtio.feature(F_RO)) != 0, "§5.2.6.1: SHOULD accept RO");
            ByteBuf buffer = h.heap(512);
            assertEquals(BlockStatus.READ_ONLY, h.run(c -> disk.write(0, 1, buffer, 0, c)));
            assertEquals(BlockStatus.READ_ONLY, h.run(disk::flush));
            assertEquals(List.of(), fake.seen(T_OUT));
            assertEquals(BlockStatus.OK, h.run(c -> disk.read(0, 1, buffer, 0, c)));
            h.assertQuiet(disk, fake);
        }

        @Test
        void ioErrAndUnsuppAreMapped() throws Exception {
            FakeDisk fake = h.fake(FakeDisk.builder());
            VirtioBlk disk = h.open(fake);
            ByteBuf buffer = h.heap(8192);
            fake.forcedStatus = VirtioBlkProtocol.S_IOERR;
            assertEquals(BlockStatus.IO_ERROR, h.run(c -> disk.read(0, 1, buffer, 0, c)));
            assertEquals(BlockStatus.IO_ERROR, h.run(c -> disk.write(0, 16, buffer, 0, c)), "a split write fails whole");
            fake.forcedStatus = VirtioBlkProtocol.S_UNSUPP;
            assertEquals(BlockStatus.UNSUPPORTED, h.run(disk::flush));
            fake.forcedStatus = -1;
            assertEquals(BlockStatus.OK, h.run(c -> disk.read(0, 1, buffer, 0, c)));
            assertEquals(3, disk.stats().errors());
            assertEquals(0, disk.driverStats().malformedCompletions());
            assertFalse(disk.failed(), "a status is a request's fate, not the device's");
            h.assertQuiet(disk, fake);
        }

        @Test
        void aStatusNeverWrittenIsAnIoError() throws Exception {
            FakeDisk fake = h.fake(FakeDisk.builder());
            VirtioBlk disk = h.open(fake);
            ByteBuf buffer = h.heap(512);
            fake.skipStatus = true;
            assertEquals(BlockStatus.IO_ERROR, h.run(c -> disk.write(0, 1, buffer, 0, c)));
            assertEquals(BlockStatus.IO_ERROR, h.run(c -> disk.read(0, 1, buffer, 0, c)));
            assertEquals(2, disk.driverStats().malformedCompletions());
            fake.skipStatus = false;
            assertEquals(BlockStatus.OK, h.run(c -> disk.read(0, 1, buffer, 0, c)), "the device stays usable");
            h.assertQuiet(disk, fake);
        }

        @Test
        void aReadWhoseUsedLengthMissesItsDataIsAnIoError() throws Exception {
            FakeDisk fake = h.fake(FakeDisk.builder());
            VirtioBlk disk = h.open(fake);
            ByteBuf buffer = h.heap(1024);
            fake.forcedUsedLength = 1;
            assertEquals(BlockStatus.IO_ERROR, h.run(c -> disk.read(0, 2, buffer, 0, c)));
            assertEquals(BlockStatus.OK, h.run(c -> disk.write(0, 2, buffer, 0, c)), "a write's status is its only output");
            fake.forcedUsedLength = 0;
            assertEquals(BlockStatus.IO_ERROR, h.run(c -> disk.write(0, 2, buffer, 0, c)));
            assertEquals(2, disk.driverStats().malformedCompletions());
            fake.forcedUsedLength = -1;
            h.assertQuiet(disk, fake);
        }
    }

    @Nested
    class Faults {

        /** Five reads with the device; it misbehaves on the first completion: every read still ends. */
        private void assertDeviceFailed(Misbehavior misbehavior, String expected) throws Exception {
            FakeDisk fake = h.fake(FakeDisk.builder());
            VirtioBlk disk = h.open(fake);
            int resets = fake.device.resets();
            fake.holding = true;
            ByteBuf buffer = h.heap(4096);
            List<Harness.Outcome> outcomes = new ArrayList<>();
            for (int i = 0; i < 5; i++) {
                int index = 512 * i;
                outcomes.add(h.submit(c -> disk.read(index / 512, 1, buffer, index, c)));
            }
            h.loop.runUntilIdle();
            fake.queue().misbehave(misbehavior);
            fake.releaseFirst();
            h.loop.runUntilIdle();
            for (int i = 0; i < outcomes.size(); i++) {
                BlockStatus status = outcomes.get(i).status;
                // A duplicated used element first completes its chain properly.
                BlockStatus wanted = i == 0 && misbehavior == Misbehavior.DUPLICATE_ID ? BlockStatus.OK
                        : BlockStatus.IO_ERROR;
                assertEquals(wanted, status, "read " + i);
            }
            assertTrue(disk.failed());
            assertTrue(disk.faultMessage().contains(expected), disk.faultMessage());
            assertEquals(resets + 1, fake.device.resets(), "the device was reset");
            assertEquals(1, disk.driverStats().deviceFaults());
            assertEquals(BlockStatus.IO_ERROR, h.run(c -> disk.read(0, 1, buffer, 0, c)), "later requests");
            assertEquals(BlockStatus.IO_ERROR, h.run(disk::flush));
            h.assertQuiet(disk, fake);
        }

        @Test
        void usedIdOutOfRange() throws Exception {
            assertDeviceFailed(Misbehavior.ID_OUT_OF_RANGE, "outside");
        }

        @Test
        void usedLengthBeyondTheChain() throws Exception {
            assertDeviceFailed(Misbehavior.LENGTH_TOO_LONG, "device-writable bytes");
        }

        @Test
        void usedIdNotInFlight() throws Exception {
            assertDeviceFailed(Misbehavior.DUPLICATE_ID, "not the head of a chain in flight");
        }

        @Test
        void usedIndexJump() throws Exception {
            assertDeviceFailed(Misbehavior.USED_INDEX_JUMP, "in flight");
        }

        @Test
        void aRequestTheDeviceKeepsTimesOut() throws Exception {
            ManualClock clock = new ManualClock();
            try (Harness timed = new Harness(EventLoop.builder().clock(clock).build())) {
                FakeDisk fake = timed.fake(FakeDisk.builder());
                VirtioBlk disk = timed.open(fake, VirtioBlkSettings.DEFAULT.withRequestTimeout(Duration.ofSeconds(5)));
                ByteBuf buffer = timed.heap(1024);
                Harness.Outcome first = timed.submit(c -> disk.read(0, 1, buffer, 0, c));
                timed.loop.advance(Duration.ofSeconds(1));
                fake.queue().misbehave(Misbehavior.NEVER_COMPLETE);
                Harness.Outcome second = timed.submit(c -> disk.read(1, 1, buffer, 512, c));
                timed.loop.advance(Duration.ofSeconds(3));
                assertEquals(BlockStatus.OK, first.status);
                assertNull(second.status, "4 s: within the timeout");
                timed.loop.advance(Duration.ofSeconds(3));
                assertEquals(BlockStatus.IO_ERROR, second.status, "5 s after it was exposed");
                assertTrue(disk.failed());
                assertEquals(1, disk.driverStats().timeouts());
                assertTrue(disk.faultMessage().contains("request timeout"), disk.faultMessage());
                timed.assertQuiet(disk, fake);
            }
        }
    }

    @Nested
    class Closing {

        @Test
        void closeEndsRequestsInFlightWithClosed() throws Exception {
            FakeDisk fake = h.fake(FakeDisk.builder());
            VirtioBlk disk = h.open(fake);
            ByteBuf buffer = h.heap(8192);
            fake.holding = true;
            Harness.Outcome read = h.submit(c -> disk.read(0, 4, buffer, 0, c));
            Harness.Outcome write = h.submit(c -> disk.write(8, 16, buffer, 0, c)); // bounced in 2 chains
            Harness.Outcome flush = h.submit(disk::flush);
            h.loop.runUntilIdle();
            assertNull(read.status);
            int resets = fake.device.resets();
            disk.close();
            assertEquals(BlockStatus.CLOSED, read.status);
            assertEquals(BlockStatus.CLOSED, write.status);
            assertEquals(BlockStatus.CLOSED, flush.status);
            assertEquals(resets + 1, fake.device.resets(), "reset on close");
            assertEquals(0, fake.device.status());
            assertEquals(BlockStatus.CLOSED, h.run(c -> disk.read(0, 1, buffer, 0, c)));
            disk.close(); // twice is fine
            h.assertQuiet(disk, fake);
        }

        @Test
        void whatTheDeviceFinishedBeforeCloseKeepsItsStatus() throws Exception {
            FakeDisk fake = h.fake(FakeDisk.builder());
            VirtioBlk disk = h.open(fake);
            ByteBuf buffer = h.heap(512);
            Harness.Outcome read = h.submit(c -> disk.read(0, 1, buffer, 0, c)); // served at the kick, not yet reaped
            disk.close();
            assertEquals(BlockStatus.OK, read.status);
            h.assertQuiet(disk, fake);
        }

        @Test
        void closeFromACompletion() throws Exception {
            FakeDisk fake = h.fake(FakeDisk.builder());
            VirtioBlk disk = h.open(fake);
            ByteBuf buffer = h.heap(1024);
            fake.holding = true;
            Harness.Outcome first = h.submit(c -> disk.read(0, 1, buffer, 0, status -> {
                c.complete(status);
                disk.close(); // inside the driver's reaping: it closes once the reaping is done
            }));
            Harness.Outcome second = h.submit(c -> disk.read(1, 1, buffer, 512, c));
            h.loop.runUntilIdle();
            fake.releaseFirst();
            h.loop.runUntilIdle();
            assertEquals(BlockStatus.OK, first.status);
            assertEquals(BlockStatus.CLOSED, second.status);
            assertEquals(0, fake.device.status(), "closed, so reset");
            assertEquals(BlockStatus.CLOSED, h.run(c -> disk.read(0, 1, buffer, 0, c)));
            h.assertQuiet(disk, fake);
        }

        @Test
        void closeFromAnotherThreadRunsOnTheLoop() throws Exception {
            FakeDisk fake = h.fake(FakeDisk.builder());
            VirtioBlk disk = h.open(fake);
            fake.holding = true;
            ByteBuf buffer = h.heap(512);
            Harness.Outcome read = h.submit(c -> disk.read(0, 1, buffer, 0, c));
            h.loop.start("test-loop");
            try {
                disk.close();
                long deadline = System.nanoTime() + 5_000_000_000L;
                while (read.status == null && System.nanoTime() < deadline) {
                    Thread.sleep(1);
                }
                assertEquals(BlockStatus.CLOSED, read.status);
            } finally {
                h.loop.stop();
            }
            assertEquals(List.of(), fake.device.errors());
        }
    }
}
