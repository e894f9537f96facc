package dev.pith.net.device;

import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertNotEquals;
import static org.junit.jupiter.api.Assertions.assertNotSame;
import static org.junit.jupiter.api.Assertions.assertNull;
import static org.junit.jupiter.api.Assertions.assertSame;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import dev.pith.core.EventLoop;
import dev.pith.core.ManualClock;
import dev.pith.core.RandomSource;
import dev.pith.core.buffer.DirectBufferPool;
import dev.pith.core.device.MacAddress;
import dev.pith.core.device.NetDevice;
import dev.pith.net.device.MemorySwitch.Faults;
import dev.pith.net.device.MemorySwitch.Port;
import dev.pith.testing.LeakDetection;
import io.netty.buffer.ByteBuf;
import io.netty.buffer.ByteBufUtil;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Nested;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.extension.ExtendWith;

/** {@link MemorySwitch} on a {@link ManualClock}: forwarding, each fault, bounds, ownership. */
@ExtendWith(LeakDetection.class)
class MemorySwitchTest {

    private static final MacAddress A = MacAddress.local(0xA);
    private static final MacAddress B = MacAddress.local(0xB);
    private static final MacAddress C = MacAddress.local(0xC);
    /** IEEE 802 "local experimental" EtherType (IEEE Std 802-2014 §9.2.2): nobody's protocol. */
    private static final int EXPERIMENTAL = 0x88B5;
    private static final long MS = 1_000_000;

    private ManualClock clock;
    private EventLoop loop;
    private DirectBufferPool pool;
    private MemorySwitch ethernet;
    private Port a;
    private Port b;
    private Port c;

    @BeforeEach
    void setUp() {
        clock = new ManualClock();
        loop = EventLoop.builder().clock(clock).build();
        pool = new DirectBufferPool(1536, 512);
        ethernet = new MemorySwitch(loop, RandomSource.seeded(42), pool);
        a = ethernet.port("a", A, 1500);
        b = ethernet.port("b", B, 1500);
        c = ethernet.port("c", C, 1500);
    }

    @AfterEach
    void tearDown() {
        ethernet.close();
        assertEquals(0, pool.outstanding(), "every frame released");
        pool.close();
    }

    // ---------------------------------------------------------------- forwarding

    @Nested
    class Forwarding {

        @Test
        void floodsUnknownThenForwardsToLearnedPorts() {
            send(a, B, 1, 64);
            loop.runUntilIdle();
            assertEquals(List.of(1), markers(b), "unknown destination: flooded");
            assertEquals(List.of(1), markers(c), "unknown destination: flooded");
            assertSame(a, ethernet.lookup(A), "learned from the source address");

            send(b, A, 2, 64);
            loop.runUntilIdle();
            assertEquals(List.of(2), markers(a));
            assertEquals(List.of(), markers(c), "A is known: not flooded");

            send(a, B, 3, 64);
            loop.runUntilIdle();
            assertEquals(List.of(3), markers(b));
            assertEquals(List.of(), markers(c), "B was learned from its reply");

            assertEquals(1, a.counters().flooded());
            assertEquals(1, a.counters().unicast());
            assertEquals(1, b.counters().unicast());
            assertEquals(4, ethernet.counters().delivered());
        }

        @Test
        void floodsBroadcastAndMulticastToAllOtherPorts() {
            send(b, A, 0, 64); // teach the switch where B is: group frames are flooded all the same
            loop.runUntilIdle();
            markers(a);
            markers(c);

            send(c, MacAddress.BROADCAST, 1, 64);
            send(a, MacAddress.parse("01:00:5e:00:00:01"), 2, 64);
            loop.runUntilIdle();

            assertEquals(List.of(1, 2), markers(b));
            assertEquals(List.of(1), markers(a));
            assertEquals(List.of(2), markers(c));
            assertNull(ethernet.lookup(MacAddress.BROADCAST), "a group address is never learned");
        }

        @Test
        void floodCopiesShareNoMemory() {
            send(a, MacAddress.BROADCAST, 7, 100);
            loop.runUntilIdle();
            ByteBuf atB = receiveOne(b);
            ByteBuf atC = receiveOne(c);
            try {
                assertNotSame(atB, atC);
                assertTrue(ByteBufUtil.equals(atB, atC));
                atB.setByte(20, atB.getByte(20) ^ 0xFF);
                assertNotEquals(atB.getByte(20), atC.getByte(20), "writing one receiver's frame leaves the other's alone");
            } finally {
                atB.release();
                atC.release();
            }
        }

        @Test
        void filtersFramesForTheirOwnPort() {
            send(a, B, 1, 64);
            loop.runUntilIdle();
            markers(b);
            markers(c);
            send(a, A, 2, 64); // A lives on a: nothing to do
            loop.runUntilIdle();
            assertEquals(0, b.queued() + c.queued() + a.queued());
            assertEquals(1, a.counters().filtered());
        }

        @Test
        void dropsRuntsAndFramesOverAnMtu() {
            Port small = ethernet.port("small", MacAddress.local(0x5), 576);
            ByteBuf runt = a.allocateFrame();
            runt.writeZero(10);
            a.transmit(new ByteBuf[] {runt}, 0, 1);
            send(a, MacAddress.BROADCAST, 1, 1000); // fits a, b and c, not small
            loop.runUntilIdle();

            assertEquals(List.of(1), markers(b));
            assertEquals(List.of(1), markers(c));
            assertEquals(0, small.queued());
            assertEquals(1, a.counters().malformed(), "the runt");
            assertEquals(1, small.counters().malformed(), "1000 bytes over an MTU of 576");
        }

        @Test
        void rejectsDuplicatePortNamesAndPortsAfterClose() {
            assertThrows(IllegalArgumentException.class, () -> ethernet.port("a", MacAddress.local(9), 1500));
            ethernet.close();
            assertThrows(IllegalStateException.class, () -> ethernet.port("d", MacAddress.local(9), 1500));
        }
    }

    // ---------------------------------------------------------------- faults

    @Nested
    class FaultInjection {

        @Test
        void sameSeedSameDeliveries() {
            List<String> first = scenario(7);
            List<String> second = scenario(7);
            assertEquals(first, second);
            assertNotEquals(first, scenario(8), "another seed, another run");
        }

        /** Runs 300 frames through every fault at once and returns "time port bytes" per delivery. */
        private static List<String> scenario(long seed) {
            ManualClock clock = new ManualClock();
            EventLoop loop = EventLoop.builder().clock(clock).build();
            List<String> deliveries = new ArrayList<>();
            try (DirectBufferPool pool = new DirectBufferPool(1536, 1024)) {
                MemorySwitch ethernet = new MemorySwitch(loop, RandomSource.seeded(seed), pool);
                ethernet.setFaults(Faults.NONE.withLoss(0.1).withDuplication(0.1).withCorruption(0.1)
                        .withReordering(0.3, Duration.ofMillis(5)).withDelay(Duration.ofMillis(1))
                        .withBandwidth(1_000_000, 64));
                Port x = ethernet.port("x", A, 1500);
                Port y = ethernet.port("y", B, 1500);
                Port z = ethernet.port("z", C, 1500);
                for (Port port : List.of(y, z)) {
                    port.setWakeup(() -> {
                        ByteBuf[] frames = new ByteBuf[8];
                        int n = port.receive(frames, 0, frames.length);
                        for (int i = 0; i < n; i++) {
                            deliveries.add(clock.nanoTime() + " " + port.name() + " " + ByteBufUtil.hexDump(frames[i]));
                            frames[i].release();
                        }
                    });
                }
                for (int i = 0; i < 300; i++) {
                    send(x, MacAddress.BROADCAST, i, 200 + i);
                    loop.advance(Duration.ofNanos(300_000));
                }
                loop.advance(Duration.ofSeconds(1));
                MemorySwitch.Counters counters = ethernet.counters();
                assertTrue(counters.lost() > 0 && counters.duplicated() > 0 && counters.corrupted() > 0
                        && counters.reordered() > 0, counters.toString());
                assertEquals(0, ethernet.inFlight());
                ethernet.close();
                assertEquals(0, pool.outstanding());
            }
            return deliveries;
        }

        @Test
        void halfLossLosesAboutHalf() {
            ethernet.setFaults(Faults.NONE.withLoss(0.5));
            int sent = 10_000;
            int received = 0;
            for (int i = 0; i < sent; i += 100) {
                for (int j = 0; j < 100; j++) {
                    send(a, B, i + j, 64);
                }
                loop.runUntilIdle();
                received += markers(b).size();
                markers(c);
            }
            assertTrue(received >= 4_500 && received <= 5_500, received + " of " + sent + " arrived");
            long lost = b.counters().lost() + c.counters().lost();
            assertEquals(2L * sent, b.counters().delivered() + c.counters().delivered() + lost,
                    "B stays unknown, so every frame floods to b and c");
        }

        @Test
        void duplicatesAreDistinctBuffers() {
            ethernet.setFaults(Faults.NONE.withDuplication(1.0));
            for (int i = 0; i < 10; i++) {
                send(a, B, i, 80);
            }
            loop.runUntilIdle();
            ByteBuf[] frames = new ByteBuf[32];
            int n = b.receive(frames, 0, frames.length);
            assertEquals(20, n);
            for (int i = 0; i < n; i += 2) {
                assertNotSame(frames[i], frames[i + 1]);
                assertTrue(ByteBufUtil.equals(frames[i], frames[i + 1]));
                assertEquals(i / 2, frames[i].getInt(14), "in order, each next to its duplicate");
            }
            for (int i = 0; i < n; i++) {
                frames[i].release();
            }
            assertEquals(10, b.counters().duplicated());
            markers(c);
        }

        @Test
        void corruptionFlipsExactlyOneBitOfACopy() {
            send(b, A, 0, 64); // teach B's place, so frames to B are unicast
            loop.runUntilIdle();
            markers(a);
            markers(c);
            ethernet.setFaults(Faults.NONE.withCorruption(1.0));
            for (int i = 0; i < 50; i++) {
                ByteBuf frame = frame(a, B, i, 60 + i);
                ByteBuf kept = frame.retainedDuplicate(); // the sender holds on, as for a retransmission
                byte[] before = ByteBufUtil.getBytes(frame);
                a.transmit(new ByteBuf[] {frame}, 0, 1);
                loop.runUntilIdle();
                ByteBuf received = receiveOne(b);
                try {
                    assertArrayEquals(before, ByteBufUtil.getBytes(kept), "the sender's buffer is never written");
                    byte[] after = ByteBufUtil.getBytes(received);
                    assertEquals(before.length, after.length);
                    int flipped = 0;
                    for (int k = 0; k < before.length; k++) {
                        flipped += Integer.bitCount((before[k] ^ after[k]) & 0xFF);
                    }
                    assertEquals(1, flipped, "frame " + i);
                } finally {
                    received.release();
                    kept.release();
                }
            }
            assertEquals(50, b.counters().corrupted());
        }

        @Test
        void delayDeliversAtExactlyNowPlusDelay() {
            ethernet.setFaults(Faults.NONE.withDelay(Duration.ofMillis(10)));
            List<Long> arrivals = new ArrayList<>();
            b.setWakeup(() -> arrivals.add(clock.nanoTime()));
            loop.advance(Duration.ofMillis(3));
            send(a, B, 1, 64);

            loop.advance(Duration.ofMillis(10).minusNanos(1));
            assertEquals(0, b.queued(), "not a nanosecond early");
            loop.advance(Duration.ofNanos(1));
            assertEquals(1, b.queued());
            assertEquals(List.of(13 * MS), arrivals);
            markers(b);
            markers(c);
        }

        @Test
        void perPortFaultsOverrideTheSwitchs() {
            ethernet.setFaults(Faults.NONE.withDelay(Duration.ofMillis(10)));
            c.setFaults(Faults.NONE);
            send(a, MacAddress.BROADCAST, 1, 64);
            loop.runUntilIdle();
            assertEquals(List.of(1), markers(c), "c's link has no delay");
            assertEquals(0, b.queued());
            loop.advance(Duration.ofMillis(10));
            assertEquals(List.of(1), markers(b));
            c.setFaults(null);
            assertEquals(ethernet.faults(), c.effectiveFaults());
        }

        @Test
        void reorderingLetsLaterFramesOvertake() {
            ethernet.setFaults(Faults.NONE.withReordering(0.5, Duration.ofMillis(20)));
            for (int i = 0; i < 100; i++) {
                send(a, B, i, 64);
                loop.advance(Duration.ofMillis(1));
            }
            loop.advance(Duration.ofMillis(21));
            List<Integer> order = markers(b);
            markers(c);
            assertEquals(100, order.size(), "held back, not lost");
            assertNotEquals(order.stream().sorted().toList(), order, "some frames overtook others");
            assertTrue(b.counters().reordered() > 30 && b.counters().reordered() < 70, b.counters().toString());
        }

        @Test
        void bandwidthSpacesFramesBySerializationTime() {
            ethernet.setFaults(Faults.NONE.withBandwidth(1_000_000, 64)); // 1 MB/s: 1 ms per 1000-byte frame
            List<Long> arrivals = new ArrayList<>();
            b.setWakeup(() -> arrivals.add(clock.nanoTime()));
            for (int i = 0; i < 5; i++) {
                send(a, B, i, 1000);
            }
            loop.advance(Duration.ofMillis(20));
            send(a, B, 5, 1000); // the link is idle again: no queue to wait behind
            loop.advance(Duration.ofMillis(20));

            assertEquals(List.of(1 * MS, 2 * MS, 3 * MS, 4 * MS, 5 * MS, 21 * MS), arrivals);
            assertEquals(List.of(0, 1, 2, 3, 4, 5), markers(b));
            markers(c);
        }
    }

    // ---------------------------------------------------------------- bounds and ownership

    @Nested
    class Bounds {

        @Test
        void fullLinkQueueDropsTheTail() {
            c.close();
            ethernet.setFaults(Faults.NONE.withBandwidth(1_000, 3)); // 1 s per 1000-byte frame, 3 may wait
            for (int i = 0; i < 10; i++) {
                send(a, B, i, 1000);
            }
            assertEquals(6, b.counters().queueDropped(), "one on the wire, three waiting, six dropped");
            loop.advance(Duration.ofSeconds(10));
            assertEquals(List.of(0, 1, 2, 3), markers(b));
        }

        @Test
        void inFlightLimitDropsAndCounts() {
            MemorySwitch small = new MemorySwitch(loop, RandomSource.seeded(1), pool, 5);
            try {
                small.setFaults(Faults.NONE.withDelay(Duration.ofMillis(1)));
                Port x = small.port("x", A, 1500);
                Port y = small.port("y", B, 1500);
                for (int i = 0; i < 8; i++) {
                    send(x, B, i, 64);
                }
                assertEquals(5, small.inFlight());
                loop.advance(Duration.ofMillis(1));
                assertEquals(List.of(0, 1, 2, 3, 4), markers(y));
                assertEquals(3, small.counters().inFlightDropped());
            } finally {
                small.close();
            }
        }

        @Test
        void fullReceiveQueueDropsAndCounts() {
            Port d = ethernet.port("d", MacAddress.local(0xD), 1500, 4);
            for (int i = 0; i < 10; i++) {
                send(a, MacAddress.local(0xD), i, 64); // unknown: flooded to b, c and d
            }
            loop.runUntilIdle();
            assertEquals(List.of(0, 1, 2, 3), markers(d));
            assertEquals(6, d.counters().portDropped());
            assertEquals(6, d.stats().rxDropped());
            markers(b);
            markers(c);
        }

        @Test
        void emptyPoolDropsCopiesAndCounts() {
            try (DirectBufferPool tiny = new DirectBufferPool(1536, 2)) {
                MemorySwitch starved = new MemorySwitch(loop, RandomSource.seeded(1), tiny);
                Port x = starved.port("x", A, 1500);
                Port y = starved.port("y", B, 1500);
                Port z = starved.port("z", C, 1500);
                ByteBuf first = frame(x, MacAddress.BROADCAST, 1, 64);
                ByteBuf second = frame(x, MacAddress.BROADCAST, 2, 64);
                x.transmit(new ByteBuf[] {first, second}, 0, 2); // each flood needs one copy; the pool is out
                loop.runUntilIdle();
                assertEquals(2, y.counters().noBuffer(), "y would have got the copies");
                assertEquals(List.of(1, 2), markers(z), "z got the originals");
                starved.close();
                assertEquals(0, tiny.outstanding());
            }
        }

        @Test
        void closingReleasesFramesInFlight() {
            ethernet.setFaults(Faults.NONE.withDelay(Duration.ofSeconds(1)));
            for (int i = 0; i < 20; i++) {
                send(a, MacAddress.BROADCAST, i, 500);
            }
            assertEquals(40, ethernet.inFlight());
            b.close();
            assertEquals(20, ethernet.inFlight());
            assertEquals(20, pool.outstanding());
            ethernet.close(); // closes a and c too
            assertEquals(0, ethernet.inFlight());
            assertEquals(0, pool.outstanding());
            assertEquals(40, ethernet.counters().portDropped(), "the closed ports' counters stay in the totals");
            loop.advance(Duration.ofSeconds(2)); // the delivery timer was cancelled: nothing fires on freed frames
        }

        @Test
        void rejectsImpossibleFaults() {
            assertThrows(IllegalArgumentException.class, () -> Faults.NONE.withLoss(1.5));
            assertThrows(IllegalArgumentException.class, () -> Faults.NONE.withDuplication(-0.1));
            assertThrows(IllegalArgumentException.class, () -> Faults.NONE.withCorruption(Double.NaN));
            assertThrows(IllegalArgumentException.class, () -> Faults.NONE.withDelay(Duration.ofMillis(-1)));
            assertThrows(IllegalArgumentException.class, () -> Faults.NONE.withBandwidth(-1, 10));
            assertThrows(IllegalArgumentException.class, () -> Faults.NONE.withBandwidth(1000, 0));
        }
    }

    // ---------------------------------------------------------------- helpers

    /** Transmits a frame of {@code length} bytes from {@code port}'s address to {@code destination}, carrying {@code marker}. */
    private static void send(NetDevice port, MacAddress destination, int marker, int length) {
        assertEquals(1, port.transmit(new ByteBuf[] {frame(port, destination, marker, length)}, 0, 1));
    }

    private static ByteBuf frame(NetDevice port, MacAddress destination, int marker, int length) {
        ByteBuf frame = port.allocateFrame();
        assertTrue(frame != null, "pool exhausted");
        Frames.ethernet(frame, destination, port.mac(), EXPERIMENTAL);
        frame.writeInt(marker);
        frame.writeZero(length - 18);
        return frame;
    }

    /** Receives everything queued at {@code port}, releases it and returns the markers in arrival order. */
    private static List<Integer> markers(NetDevice port) {
        List<Integer> markers = new ArrayList<>();
        ByteBuf[] frames = new ByteBuf[64];
        int n;
        while ((n = port.receive(frames, 0, frames.length)) > 0) {
            for (int i = 0; i < n; i++) {
                markers.add(frames[i].getInt(frames[i].readerIndex() + 14));
                frames[i].release();
                frames[i] = null;
            }
        }
        return markers;
    }

    private static ByteBuf receiveOne(NetDevice port) {
        ByteBuf[] frames = new ByteBuf[1];
        assertEquals(1, port.receive(frames, 0, 1), "one frame waiting at " + port.name());
        return frames[0];
    }
}
