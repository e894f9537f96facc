package dev.pith.core.virtio;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertNotNull;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import dev.pith.core.buffer.DmaRegion;
import dev.pith.core.virtio.testing.DescriptorChain;
import dev.pith.core.virtio.testing.DeviceQueue;
import dev.pith.core.virtio.testing.Misbehavior;
import java.io.IOException;
import java.lang.foreign.MemorySegment;
import java.lang.foreign.ValueLayout;
import java.nio.ByteOrder;
import java.util.ArrayList;
import java.util.HashSet;
import java.util.List;
import java.util.Map;
import java.util.HashMap;
import java.util.Set;
import java.util.SplittableRandom;
import java.util.concurrent.TimeUnit;
import org.junit.jupiter.api.Nested;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.Timeout;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.EnumSource;

/** The driver side of split virtqueues (virtio 1.2 §2.7) against the software device. */
@Timeout(value = 60, unit = TimeUnit.SECONDS) // a hang is a failure, never a stuck build
class VirtqueueTest {

    private static final ValueLayout.OfInt LE_INT = ValueLayout.JAVA_INT_UNALIGNED.withOrder(ByteOrder.LITTLE_ENDIAN);
    private static final ValueLayout.OfLong LE_LONG = ValueLayout.JAVA_LONG_UNALIGNED.withOrder(ByteOrder.LITTLE_ENDIAN);

    // ---------------------------------------------------------------- construction

    @Nested
    class Construction {

        @Test
        void refusesSizesAndRegionsNoDeviceCouldUse() throws IOException {
            try (Fixture f = Fixture.configured(Fixture.version1(), 0)) {
                assertThrows(IllegalArgumentException.class, () -> Virtqueue.allocate(f.memory, "q", 3));
                assertThrows(IllegalArgumentException.class, () -> Virtqueue.allocate(f.memory, "q", 0));
                assertThrows(IllegalArgumentException.class, () -> Virtqueue.allocate(f.memory, "q", 65536));
                IllegalArgumentException tooBig = assertThrows(IllegalArgumentException.class,
                        () -> Virtqueue.allocate(f.memory, "q", 512));
                assertTrue(tooBig.getMessage().startsWith("cannot allocate 8192 physically contiguous bytes"),
                        "512 descriptors need 8 KiB: more than a 4 KiB chunk; " + tooBig.getMessage());
                DmaRegion good = f.memory.allocate(4096, 64);
                DmaRegion misaligned = new DmaRegion(good.memory().asSlice(8, 256), good.physicalAddress() + 8);
                IllegalArgumentException e = assertThrows(IllegalArgumentException.class,
                        () -> new Virtqueue<>("q", 8, misaligned, good, good));
                assertEquals("q: the descriptor table must be 16-aligned (§2.7): 0x" + Long.toHexString(
                        good.physicalAddress() + 8), e.getMessage());
                DmaRegion hosted = new DmaRegion(good.memory(), DmaRegion.NO_PHYSICAL_ADDRESS);
                assertThrows(IllegalArgumentException.class, () -> new Virtqueue<>("q", 8, hosted, good, good));
            }
        }

        @Test
        void ringSizesFollowTheSpecTable() {
            assertEquals(16 * 256, Virtqueue.descriptorTableSize(256));
            assertEquals(6 + 2 * 256, Virtqueue.driverAreaSize(256));
            assertEquals(6 + 8 * 256, Virtqueue.deviceAreaSize(256));
        }

        @Test
        void misuseThrowsAtOnce() throws IOException {
            try (Fixture f = Fixture.live(Fixture.version1(), 0, 8)) {
                Virtqueue<Integer> queue = f.queue(0);
                long address = f.buffer(64).physicalAddress();
                assertThrows(IllegalArgumentException.class, () -> queue.add(address, 0, false, 1));
                assertThrows(NullPointerException.class, () -> queue.add(address, 64, false, null));
                assertThrows(IllegalArgumentException.class,
                        () -> queue.addChain(new long[] {address}, new int[] {64}, 2, 1, 1), "readable > count");
                assertThrows(IllegalArgumentException.class,
                        () -> queue.addChain(new long[] {address}, new int[] {64}, 0, 2, 1), "count > arrays");
                assertThrows(IllegalArgumentException.class, () -> queue.addChain(new long[9], new int[9], 0, 9, 1));
                assertEquals(8, queue.freeDescriptors(), "nothing consumed by refused calls");
            }
        }
    }

    // ---------------------------------------------------------------- the data path

    @Nested
    class DataPath {

        /**
         * 150,000 chains of 1 to 3 descriptors through a queue of 8: the 16-bit indices wrap twice,
         * ring slots and descriptor ids cycle thousands of times.
         */
        @Test
        void indicesAndRingPositionsWrapAround() throws IOException {
            try (Fixture f = Fixture.live(Fixture.version1(), 0, 8)) {
                Virtqueue<Integer> queue = f.queue(0);
                queue.setNoInterrupt(true);
                f.device.serve(0, chain -> (int) chain.writableLength());
                DmaRegion memory = f.buffer(3 * 64);
                long[] addresses = {memory.physicalAddress(), memory.physicalAddress() + 64, memory.physicalAddress() + 128};
                int[] lengths = {64, 32, 16};
                SplittableRandom random = new SplittableRandom(7);
                int submitted = 0;
                int[] nextExpected = {0};
                while (submitted < 150_000) {
                    int batch = 1 + random.nextInt(3);
                    for (int i = 0; i < batch; i++) {
                        int count = 1 + random.nextInt(3);
                        int readable = random.nextInt(count + 1);
                        int head = queue.addChain(addresses, lengths, readable, count, submitted);
                        if (head < 0) {
                            assertEquals(Virtqueue.FULL, head);
                            break;
                        }
                        submitted++;
                    }
                    queue.kick();
                    queue.poll((token, written) -> {
                        assertEquals(nextExpected[0], token, "the device completes in order");
                        nextExpected[0]++;
                    });
                }
                assertEquals(submitted, nextExpected[0]);
                assertEquals(8, queue.freeDescriptors());
                DeviceQueue device = f.device.queue(0);
                assertEquals(submitted & 0xffff, device.usedIdx(), "used idx wrapped at 65536");
                assertEquals(submitted & 0xffff, device.availIdx(), "avail idx wrapped at 65536");
                assertEquals(submitted, queue.usedCount());
                assertEquals(List.of(), f.device.errors());
                assertFalse(queue.isBroken());
            }
        }

        /** virtio-blk's request: 16-byte header and data the device reads or writes, then a 1-byte status (§5.2.6). */
        @Test
        void threeDescriptorChainsAsVirtioBlkUsesThem() throws IOException {
            try (Fixture f = Fixture.live(Fixture.version1(), 0, 16)) {
                Virtqueue<Integer> queue = f.queue(0);
                byte[] disk = new byte[512 * 8];
                f.device.serve(0, chain -> {
                    assertEquals(3, chain.count());
                    MemorySegment header = chain.readable().getFirst().memory();
                    int type = header.get(LE_INT, 0);
                    long sector = header.get(LE_LONG, 8);
                    if (type == 1) { // VIRTIO_BLK_T_OUT: header, data readable; status writable
                        assertEquals(2, chain.readable().size());
                        MemorySegment data = chain.readable().get(1).memory();
                        MemorySegment.copy(data, ValueLayout.JAVA_BYTE, 0, disk, (int) sector * 512, 512);
                        chain.writable().getFirst().memory().set(ValueLayout.JAVA_BYTE, 0, (byte) 0);
                        return 1;
                    }
                    assertEquals(2, chain.writable().size()); // VIRTIO_BLK_T_IN: data and status writable
                    MemorySegment.copy(disk, (int) sector * 512, chain.writable().get(0).memory(), ValueLayout.JAVA_BYTE,
                            0, 512);
                    chain.writable().get(1).memory().set(ValueLayout.JAVA_BYTE, 0, (byte) 0);
                    return 513;
                });
                DmaRegion header = f.buffer(16);
                DmaRegion data = f.buffer(512);
                DmaRegion status = f.buffer(16);
                long[] addresses = {header.physicalAddress(), data.physicalAddress(), status.physicalAddress()};
                int[] lengths = {16, 512, 1};
                for (int sector = 0; sector < 8; sector++) {
                    header.memory().set(LE_INT, 0, 1);
                    header.memory().set(LE_LONG, 8, sector);
                    data.memory().fill((byte) (0x10 + sector));
                    status.memory().set(ValueLayout.JAVA_BYTE, 0, (byte) 0xff);
                    assertTrue(queue.addChain(addresses, lengths, 2, 3, sector) >= 0);
                    queue.kick();
                    int[] written = {-1};
                    assertEquals(1, queue.poll((token, length) -> written[0] = length));
                    assertEquals(1, written[0], "only the status byte was written");
                    assertEquals(0, status.memory().get(ValueLayout.JAVA_BYTE, 0));
                }
                for (int sector = 7; sector >= 0; sector--) {
                    header.memory().set(LE_INT, 0, 0);
                    header.memory().set(LE_LONG, 8, sector);
                    data.memory().fill((byte) 0);
                    assertTrue(queue.addChain(addresses, lengths, 1, 3, 100 + sector) >= 0);
                    queue.kick();
                    int[] written = {-1};
                    assertEquals(1, queue.poll((token, length) -> written[0] = length));
                    assertEquals(513, written[0]);
                    assertEquals((byte) (0x10 + sector), data.memory().get(ValueLayout.JAVA_BYTE, 511));
                }
                assertEquals(16, queue.freeDescriptors());
                assertEquals(List.of(), f.device.errors());
            }
        }

        /** Chains completed out of order, at random: the free list never loses or duplicates a descriptor. */
        @Test
        void freeListSurvivesOutOfOrderCompletion() throws IOException {
            try (Fixture f = Fixture.live(Fixture.version1(), 0, 16)) {
                Virtqueue<Integer> queue = f.queue(0);
                List<DescriptorChain> held = new ArrayList<>();
                f.device.serve(0, chain -> {
                    held.add(chain);
                    return DeviceQueue.HOLD;
                });
                DmaRegion buffer = f.buffer(256);
                long[] addresses = {buffer.physicalAddress(), buffer.physicalAddress() + 64,
                        buffer.physicalAddress() + 128, buffer.physicalAddress() + 192};
                int[] lengths = {64, 64, 64, 64};
                Map<Integer, Integer> chainLengthByToken = new HashMap<>();
                Set<Integer> done = new HashSet<>();
                SplittableRandom random = new SplittableRandom(42);
                int token = 0;
                for (int step = 0; step < 20_000; step++) {
                    if (random.nextBoolean()) {
                        int count = 1 + random.nextInt(4);
                        int head = queue.addChain(addresses, lengths, random.nextInt(count + 1), count, token);
                        if (head >= 0) {
                            chainLengthByToken.put(token++, count);
                            queue.kick();
                        } else {
                            assertTrue(queue.freeDescriptors() < count, "FULL only when too few are free");
                        }
                    } else if (!held.isEmpty()) {
                        DescriptorChain chain = held.remove(random.nextInt(held.size()));
                        f.device.queue(0).complete(chain, 0);
                        queue.poll((t, length) -> {
                            assertTrue(done.add(t), "each token comes back once");
                            chainLengthByToken.remove(t);
                        });
                    }
                    int inFlightDescriptors = chainLengthByToken.values().stream().mapToInt(Integer::intValue).sum();
                    assertEquals(16, queue.freeDescriptors() + inFlightDescriptors, "step " + step);
                    assertEquals(chainLengthByToken.size(), queue.inFlight());
                }
                for (DescriptorChain chain : held) {
                    f.device.queue(0).complete(chain, 0);
                }
                queue.poll((t, length) -> chainLengthByToken.remove(t));
                assertEquals(Map.of(), chainLengthByToken);
                assertEquals(16, queue.freeDescriptors());
                Set<Integer> heads = new HashSet<>();
                for (int i = 0; i < 16; i++) {
                    heads.add(queue.add(buffer.physicalAddress(), 8, false, -1));
                }
                assertEquals(16, heads.size(), "all 16 descriptors are free and distinct");
                assertFalse(heads.contains(Virtqueue.FULL));
                assertEquals(List.of(), f.device.errors());
            }
        }

        @Test
        void fullQueueRefusesWithoutConsumingDescriptors() throws IOException {
            try (Fixture f = Fixture.live(Fixture.version1(), 0, 4)) {
                Virtqueue<Integer> queue = f.queue(0);
                List<DescriptorChain> held = new ArrayList<>();
                f.device.serve(0, chain -> {
                    held.add(chain);
                    return DeviceQueue.HOLD;
                });
                long address = f.buffer(64).physicalAddress();
                long[] addresses = {address, address, address};
                int[] lengths = {8, 8, 8};
                assertTrue(queue.add(address, 64, true, 1) >= 0);
                assertTrue(queue.add(address, 64, true, 2) >= 0);
                assertEquals(Virtqueue.FULL, queue.addChain(addresses, lengths, 0, 3, 3), "3 wanted, 2 free");
                assertEquals(2, queue.freeDescriptors());
                assertTrue(queue.addChain(addresses, lengths, 0, 2, 4) >= 0);
                assertEquals(Virtqueue.FULL, queue.add(address, 64, true, 5));
                assertEquals(2, queue.fullCount());
                queue.kick();
                f.device.queue(0).complete(held.removeFirst(), 64);
                List<Integer> tokens = new ArrayList<>();
                assertEquals(1, queue.poll((t, n) -> tokens.add(t)));
                assertEquals(List.of(1), tokens);
                assertTrue(queue.add(address, 64, true, 6) >= 0, "room again");
            }
        }

        @Test
        void pollHandsBackAtMostMax() throws IOException {
            try (Fixture f = Fixture.live(Fixture.version1(), 0, 8)) {
                Virtqueue<Integer> queue = f.queue(0);
                f.device.serve(0, chain -> 0);
                long address = f.buffer(64).physicalAddress();
                for (int i = 0; i < 5; i++) {
                    queue.add(address, 64, false, i);
                }
                queue.kick();
                List<Integer> tokens = new ArrayList<>();
                assertTrue(queue.hasUsed());
                assertEquals(2, queue.poll((t, n) -> tokens.add(t), 2));
                assertEquals(3, queue.poll((t, n) -> tokens.add(t), 10));
                assertEquals(0, queue.poll((t, n) -> tokens.add(t)));
                assertFalse(queue.hasUsed());
                assertEquals(List.of(0, 1, 2, 3, 4), tokens);
            }
        }
    }

    // ---------------------------------------------------------------- notifications and ordering

    @Nested
    class Notifications {

        @Test
        void addPublishesNothingUntilKick() throws IOException {
            try (Fixture f = Fixture.live(Fixture.version1(), 0, 8)) {
                Virtqueue<Integer> queue = f.queue(0);
                long address = f.buffer(64).physicalAddress();
                queue.add(address, 64, false, 1);
                queue.add(address, 64, false, 2);
                DeviceQueue device = f.device.queue(0);
                assertEquals(0, device.availIdx(), "added, not published");
                assertEquals(0, device.available());
                assertTrue(queue.kick());
                assertEquals(2, device.availIdx());
                assertEquals(1, device.notifications(), "one notification for the batch");
                assertFalse(queue.kick(), "nothing new: no notification");
                assertEquals(1, queue.kicks());
            }
        }

        /** At the moment the device is notified, idx is published and the entry and descriptor behind it are visible. */
        @Test
        void notificationComesAfterIdxAndIdxAfterTheRingEntry() throws IOException {
            try (Fixture f = Fixture.live(Fixture.version1(), 0, 8)) {
                Virtqueue<Integer> queue = f.queue(0);
                DmaRegion buffer = f.buffer(64);
                List<String> seen = new ArrayList<>();
                int[] expectedHead = {-1};
                f.device.onNotify(0, device -> {
                    DescriptorChain chain = device.take();
                    assertNotNull(chain, "idx published before the notification");
                    seen.add(chain.head() + ":" + chain.readable().getFirst().address() + ":" + chain.readableLength());
                    device.complete(chain, 0);
                });
                for (int i = 0; i < 20; i++) {
                    expectedHead[0] = queue.add(buffer.physicalAddress() + i, 40 + i, false, i);
                    queue.kick();
                    assertEquals(expectedHead[0] + ":" + (buffer.physicalAddress() + i) + ":" + (40 + i), seen.getLast());
                    queue.poll((t, n) -> { });
                }
                assertEquals(20, seen.size());
                assertEquals(List.of(), f.device.errors());
            }
        }

        @Test
        void deviceMaySuppressNotifications() throws IOException {
            try (Fixture f = Fixture.live(Fixture.version1(), 0, 8)) {
                Virtqueue<Integer> queue = f.queue(0);
                DeviceQueue device = f.device.queue(0);
                device.setNoNotify(true); // VIRTQ_USED_F_NO_NOTIFY (§2.7.10)
                queue.add(f.buffer(64).physicalAddress(), 64, false, 1);
                assertFalse(queue.kick(), "published, not notified");
                assertEquals(0, device.notifications());
                assertEquals(1, device.available(), "a polling device still finds it");
                assertEquals(0, queue.notifications());
                device.setNoNotify(false);
                queue.add(f.buffer(64).physicalAddress(), 64, false, 2);
                assertTrue(queue.kick());
                assertEquals(1, device.notifications());
            }
        }

        @Test
        void noInterruptFlagTellsTheDeviceNotToInterrupt() throws IOException {
            try (Fixture f = Fixture.live(Fixture.version1(), 0, 8)) {
                Virtqueue<Integer> queue = f.queue(0);
                f.device.serve(0, chain -> 0);
                DeviceQueue device = f.device.queue(0);
                long address = f.buffer(64).physicalAddress();
                queue.setNoInterrupt(true);
                assertTrue(device.driverSuppressesInterrupts());
                queue.add(address, 64, false, 1);
                queue.kick();
                assertEquals(0, device.interrupts());
                assertEquals(0, f.transport.readIsr());
                queue.setNoInterrupt(false);
                queue.add(address, 64, false, 2);
                queue.kick();
                assertEquals(1, device.interrupts());
                assertEquals(1, f.transport.readIsr(), "queue interrupt bit");
                assertEquals(0, f.transport.readIsr(), "reading cleared it (§4.1.4.5)");
                assertEquals(2, queue.poll((t, n) -> { }));
                assertFalse(queue.enableInterruptAndCheck(), "nothing used meanwhile");
            }
        }

        /** VIRTIO_F_EVENT_IDX: avail_event decides the driver's notifications, used_event the device's (§2.7.7, §2.7.10). */
        @Test
        void eventIndexSuppressesBothWays() throws IOException {
            long eventIdx = Virtio.feature(Virtio.F_EVENT_IDX);
            try (Fixture f = Fixture.live(Fixture.version1() | eventIdx, eventIdx, 8)) {
                assertTrue(f.transport.hasFeature(Virtio.F_EVENT_IDX));
                Virtqueue<Integer> queue = f.queue(0);
                DeviceQueue device = f.device.queue(0);
                long address = f.buffer(64).physicalAddress();
                // avail_event 0: notify when idx moves past 0, then not again until it passes avail_event.
                queue.add(address, 64, false, 1);
                assertTrue(queue.kick(), "0 -> 1 crosses avail_event 0");
                queue.add(address, 64, false, 2);
                assertFalse(queue.kick(), "1 -> 2 does not");
                device.setAvailEvent(3);
                queue.add(address, 64, false, 3);
                assertFalse(queue.kick(), "2 -> 3 does not reach past 3");
                queue.add(address, 64, false, 4);
                assertTrue(queue.kick(), "3 -> 4 does");
                assertEquals(2, device.notifications());

                // used_event: with interrupts on, the device interrupts when used idx passes the driver's next entry.
                queue.setNoInterrupt(false);
                assertFalse(device.driverSuppressesInterrupts(), "flags stay 0 with EVENT_IDX (§2.7.7.1)");
                assertEquals(0, device.usedEvent());
                List<DescriptorChain> chains = new ArrayList<>();
                for (DescriptorChain c = device.take(); c != null; c = device.take()) {
                    chains.add(c);
                }
                device.complete(chains.get(0), 0);
                assertEquals(1, device.interrupts(), "0 -> 1 passes used_event 0");
                device.complete(chains.get(1), 0);
                assertEquals(1, device.interrupts(), "1 -> 2 does not");
                assertEquals(2, queue.poll((t, n) -> { }));
                assertEquals(2, device.usedEvent(), "poll moved used_event to the next entry");
                device.complete(chains.get(2), 0);
                assertEquals(2, device.interrupts());
                queue.setNoInterrupt(true);
                queue.poll((t, n) -> { });
                assertEquals(2, device.usedEvent(), "with interrupts off, poll leaves used_event alone");
                assertEquals(List.of(), f.device.errors());
            }
        }

        /** Driver and device on two threads for real: every chain the device sees is whole. */
        @Test
        void concurrentDeviceSeesOnlyCompleteChains() throws IOException {
            try (Fixture f = Fixture.live(Fixture.version1(), 0, 64)) {
                Virtqueue<Integer> queue = f.queue(0);
                queue.setNoInterrupt(true);
                int total = 100_000;
                DmaRegion buffers = f.buffer(64 * 64);
                int[] expected = {0};
                f.device.serve(0, chain -> {
                    int value = chain.readable().getFirst().memory().get(ValueLayout.JAVA_INT, 0);
                    if (value != expected[0] || chain.readableLength() != 8 + expected[0] % 50) {
                        throw new AssertionError("chain " + expected[0] + " seen as " + value + ", "
                                + chain.readableLength() + " bytes");
                    }
                    expected[0]++;
                    return 0;
                });
                f.device.start();
                int sent = 0;
                int[] received = {0};
                long deadline = System.nanoTime() + TimeUnit.SECONDS.toNanos(50);
                while (received[0] < total) {
                    while (sent < total && queue.freeDescriptors() > 0) {
                        MemorySegment slot = buffers.memory().asSlice((sent % 64) * 64L, 64);
                        slot.set(ValueLayout.JAVA_INT, 0, sent);
                        queue.add(buffers.physicalAddress() + (sent % 64) * 64L, 8 + sent % 50, false, sent);
                        sent++;
                    }
                    queue.kick();
                    queue.poll((token, n) -> {
                        assertEquals(received[0], token);
                        received[0]++;
                    });
                    assertTrue(System.nanoTime() < deadline, "stuck at " + received[0]);
                    Thread.onSpinWait();
                }
                f.device.close();
                assertEquals(List.of(), f.device.errors());
                assertEquals(total, expected[0]);
            }
        }
    }

    // ---------------------------------------------------------------- a device that breaks the protocol

    @Nested
    class MalformedDevice {

        @ParameterizedTest
        @EnumSource(value = Misbehavior.class, names = {"USED_INDEX_JUMP", "ID_OUT_OF_RANGE", "DUPLICATE_ID",
                "LENGTH_TOO_LONG"})
        void becomesAnErrorStateNotAHangOrACrash(Misbehavior misbehavior) throws IOException {
            try (Fixture f = Fixture.live(Fixture.version1(), 0, 8)) {
                Virtqueue<Integer> queue = f.queue(0);
                List<DescriptorChain> held = new ArrayList<>();
                f.device.serve(0, chain -> {
                    held.add(chain);
                    return DeviceQueue.HOLD;
                });
                long address = f.buffer(64).physicalAddress();
                queue.add(address, 64, true, 1);
                queue.kick();
                f.device.queue(0).complete(held.removeFirst(), 64);
                assertEquals(1, queue.poll((t, n) -> { }), "a good completion first");
                for (int token = 2; token <= 4; token++) {
                    queue.add(address, 64, true, token);
                }
                queue.kick();
                // The device misbehaves on the first of three chains in flight and holds the others.
                f.device.queue(0).misbehave(misbehavior);
                f.device.queue(0).complete(held.removeFirst(), 64);
                List<Integer> tokens = new ArrayList<>();
                int reaped = queue.poll((t, n) -> tokens.add(t));
                Virtqueue.Fault expected = switch (misbehavior) {
                    case USED_INDEX_JUMP -> Virtqueue.Fault.USED_INDEX_JUMP;
                    case ID_OUT_OF_RANGE -> Virtqueue.Fault.ID_OUT_OF_RANGE;
                    case DUPLICATE_ID -> Virtqueue.Fault.ID_NOT_IN_FLIGHT;
                    case LENGTH_TOO_LONG -> Virtqueue.Fault.LENGTH_TOO_LONG;
                    default -> throw new AssertionError();
                };
                assertEquals(expected, queue.fault(), queue.faultMessage());
                assertTrue(queue.isBroken());
                // A duplicate's first entry is genuine and is handed over; the bad entry never is.
                List<Integer> expectedTokens = misbehavior == Misbehavior.DUPLICATE_ID ? List.of(2) : List.of();
                assertEquals(expectedTokens.size(), reaped);
                assertEquals(expectedTokens, tokens);
                assertTrue(queue.faultMessage().startsWith("queue 0: "), queue.faultMessage());
                VirtioException e = assertThrows(VirtioException.class, queue::checkNotBroken);
                assertEquals(queue.faultMessage(), e.getMessage());
                // From now on the queue refuses quietly: no exception, no loop, no access past the rings.
                assertEquals(Virtqueue.BROKEN, queue.add(address, 64, true, 9));
                assertEquals(0, queue.poll((t, n) -> tokens.add(t)));
                assertFalse(queue.kick());
                assertFalse(queue.hasUsed());
            }
        }

        @Test
        void faultMessagesNameTheFieldAndValues() throws IOException {
            try (Fixture f = Fixture.live(Fixture.version1(), 0, 8)) {
                Virtqueue<Integer> queue = f.queue(0);
                f.device.queue(0).completeRaw(5, 0); // nothing in flight
                assertEquals(0, queue.poll((t, n) -> { }));
                assertEquals("queue 0: used idx moved from 0 to 1: 1 entries, but only 0 chains are in flight",
                        queue.faultMessage());
            }
            try (Fixture f = Fixture.live(Fixture.version1(), 0, 8)) {
                Virtqueue<Integer> queue = f.queue(0);
                int head = queue.add(f.buffer(64).physicalAddress(), 64, false, 1); // device-readable: 0 writable
                queue.kick();
                f.device.queue(0).completeRaw(head, 1);
                queue.poll((t, n) -> { });
                assertEquals("queue 0: used ring entry 0 says 1 bytes written to chain " + head
                        + ", which has 0 device-writable bytes", queue.faultMessage());
            }
            try (Fixture f = Fixture.live(Fixture.version1(), 0, 8)) {
                Virtqueue<Integer> queue = f.queue(0);
                queue.add(f.buffer(64).physicalAddress(), 64, true, 1);
                queue.kick();
                f.device.queue(0).completeRaw(-1, 0); // id 0xffffffff
                queue.poll((t, n) -> { });
                assertEquals("queue 0: used ring entry 0 has id 4294967295, outside 0..7", queue.faultMessage());
            }
            try (Fixture f = Fixture.live(Fixture.version1(), 0, 8)) {
                Virtqueue<Integer> queue = f.queue(0);
                queue.add(f.buffer(64).physicalAddress(), 64, true, 1);
                queue.kick();
                f.device.queue(0).publishUsedIndex(40_000);
                queue.poll((t, n) -> { });
                assertEquals(Virtqueue.Fault.USED_INDEX_JUMP, queue.fault());
            }
        }

        @Test
        void deviceThatNeverCompletesFillsTheQueueAndNothingWaits() throws IOException {
            try (Fixture f = Fixture.live(Fixture.version1(), 0, 4)) {
                Virtqueue<Integer> queue = f.queue(0);
                f.device.serve(0, chain -> 64);
                f.device.queue(0).misbehave(Misbehavior.NEVER_COMPLETE);
                long address = f.buffer(64).physicalAddress();
                int accepted = 0;
                for (int i = 0; i < 10; i++) {
                    if (queue.add(address, 64, true, i) >= 0) {
                        accepted++;
                    }
                    queue.kick();
                    assertEquals(0, queue.poll((t, n) -> { }));
                }
                assertEquals(4, accepted);
                assertEquals(6, queue.fullCount());
                assertFalse(queue.isBroken(), "slow is not broken; the driver's timeouts decide");
            }
        }

        @Test
        void reclaimAfterResetReturnsEveryTokenAndTheQueueWorksAgain() throws IOException {
            try (Fixture f = Fixture.live(Fixture.version1(), 0, 8)) {
                Virtqueue<Integer> queue = f.queue(0);
                f.device.queue(0).misbehave(Misbehavior.NEVER_COMPLETE);
                f.device.serve(0, chain -> 0);
                long address = f.buffer(64).physicalAddress();
                queue.add(address, 64, false, 1);
                queue.add(address, 64, false, 2);
                queue.kick();
                queue.add(address, 64, false, 3); // added, never published
                f.transport.reset();
                List<Integer> reclaimed = new ArrayList<>();
                assertEquals(3, queue.reclaim(reclaimed::add));
                assertEquals(List.of(1, 2, 3), reclaimed.stream().sorted().toList());
                assertEquals(8, queue.freeDescriptors());
                assertEquals(0, queue.inFlight());

                f.transport.negotiate(0);
                f.transport.setUpQueue(0, queue);
                f.transport.driverOk();
                f.device.serve(0, chain -> 0);
                queue.add(address, 64, false, 4);
                queue.kick();
                List<Integer> tokens = new ArrayList<>();
                queue.poll((t, n) -> tokens.add(t));
                assertEquals(List.of(4), tokens);
                assertEquals(List.of(), f.device.errors());
            }
        }
    }

    // ---------------------------------------------------------------- allocation

    /**
     * add, kick (notifying the device each time) and poll allocate nothing once compiled; the used
     * ring is filled by a few in-test ring operations instead of the device's chain objects.
     */
    @Test
    void dataPathAllocatesNothing() throws Throwable {
        try (Fixture f = Fixture.live(Fixture.version1(), 0, 8)) {
            Virtqueue<Integer> queue = f.queue(0);
            queue.setNoInterrupt(true);
            MemorySegment avail = f.memory.resolve(queue.driverAreaAddress(), Virtqueue.driverAreaSize(8));
            MemorySegment used = f.memory.resolve(queue.deviceAreaAddress(), Virtqueue.deviceAreaSize(8));
            long address = f.buffer(64).physicalAddress();
            Integer token = 77;
            long[] consumed = {0};
            Virtqueue.UsedConsumer<Integer> consumer = (t, n) -> consumed[0] += n;
            Object threads = Class.forName("java.lang.management.ManagementFactory").getMethod("getThreadMXBean")
                    .invoke(null);
            java.lang.reflect.Method allocated = Class.forName("com.sun.management.ThreadMXBean")
                    .getMethod("getCurrentThreadAllocatedBytes");
            long[] perBatch = new long[40];
            for (int batch = 0; batch < perBatch.length; batch++) {
                long before = (long) allocated.invoke(threads);
                for (int i = 0; i < 20_000; i++) {
                    queue.add(address, 64, true, token);
                    queue.kick();
                    echo(avail, used, 8);
                    queue.poll(consumer);
                }
                perBatch[batch] = (long) allocated.invoke(threads) - before;
                if (perBatch[batch] < 1024) {
                    assertFalse(queue.isBroken());
                    assertEquals(queue.kicks(), queue.notifications(), "every kick notified");
                    return;
                }
            }
            throw new AssertionError("every batch allocated: " + java.util.Arrays.toString(perBatch));
        }
    }

    /** A minimal device: every newly available head is used with length 1. */
    private static void echo(MemorySegment avail, MemorySegment used, int size) {
        int availIdx = Short.toUnsignedInt(avail.get(ValueLayout.JAVA_SHORT, 2));
        int usedIdx = Short.toUnsignedInt(used.get(ValueLayout.JAVA_SHORT, 2));
        while (usedIdx != availIdx) {
            int head = Short.toUnsignedInt(avail.get(ValueLayout.JAVA_SHORT, 4 + 2L * (usedIdx & (size - 1))));
            long element = 4 + 8L * (usedIdx & (size - 1));
            used.set(ValueLayout.JAVA_INT, element, head);
            used.set(ValueLayout.JAVA_INT, element + 4, 1);
            usedIdx = (usedIdx + 1) & 0xffff;
            used.set(ValueLayout.JAVA_SHORT, 2, (short) usedIdx);
        }
    }
}
