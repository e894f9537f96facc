package dev.pith.net.device;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertNotEquals;
import static org.junit.jupiter.api.Assertions.assertNotSame;
import static org.junit.jupiter.api.Assertions.assertSame;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import dev.pith.core.EventLoop;
import dev.pith.core.ManualClock;
import dev.pith.core.RandomSource;
import dev.pith.core.buffer.DirectBufferPool;
import dev.pith.core.device.MacAddress;
import dev.pith.core.device.MemoryNetDevice;
import dev.pith.net.device.FaultInjector.Counters;
import dev.pith.net.device.FaultInjector.Faults;
import dev.pith.testing.LeakDetection;
import io.netty.buffer.ByteBuf;
import io.netty.buffer.ByteBufUtil;
import java.time.Duration;
import java.util.ArrayList;
import java.util.Collections;
import java.util.HashSet;
import java.util.IdentityHashMap;
import java.util.List;
import java.util.Set;
import java.util.concurrent.atomic.AtomicInteger;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.extension.ExtendWith;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.EnumSource;

/**
 * {@link FaultInjector} between two {@link MemoryNetDevice}s linked back to back, on a {@link ManualClock}
 * loop: each fault's rate over 10,000 frames, in each direction, the reordering rules, the bound on held
 * frames, determinism per seed, and that every frame is released.
 */
@ExtendWith(LeakDetection.class)
class FaultInjectorTest {

    private static final MacAddress A = MacAddress.local(0xA);
    private static final MacAddress B = MacAddress.local(0xB);
    /** IEEE 802 "local experimental" EtherType (IEEE Std 802-2014 §9.2.2): nobody's protocol. */
    private static final int EXPERIMENTAL = 0x88B5;
    private static final int FRAMES = 10_000;
    private static final int FRAME_LENGTH = 64;
    private static final Duration TIMEOUT = Duration.ofMillis(20);

    /** Which direction of the injector the frames take. */
    enum Way {
        /** Offered to the injector's transmit, arriving at the peer. */
        TRANSMIT,
        /** Sent by the peer, taken from the injector's receive. */
        RECEIVE
    }

    private DirectBufferPool pool;
    private final List<Rig> rigs = new ArrayList<>();

    @BeforeEach
    void createPool() {
        pool = new DirectBufferPool(1536, 1024);
    }

    @AfterEach
    void closeAll() {
        for (Rig rig : rigs) {
            rig.close();
        }
        assertEquals(0, pool.outstanding(), "every frame went back to the pool");
        pool.close();
    }

    /** A loop, two linked devices and an injector wrapping device {@code a}. */
    private final class Rig {
        final ManualClock clock = new ManualClock(1_000_000_000L);
        final EventLoop loop = EventLoop.builder().clock(clock).build();
        final MemoryNetDevice a = new MemoryNetDevice("a", A, 1500, pool, 4096);
        final MemoryNetDevice b = new MemoryNetDevice("b", B, 1500, pool, 4096);
        final FaultInjector injector;
        final Way way;
        final AtomicInteger wakeups = new AtomicInteger();
        private final ByteBuf[] batch = new ByteBuf[64];

        Rig(long seed, Way way) {
            this.way = way;
            MemoryNetDevice.link(a, b);
            injector = new FaultInjector(loop, a, RandomSource.seeded(seed));
            injector.setWakeup(wakeups::incrementAndGet);
            rigs.add(this);
        }

        void faults(Faults faults) {
            if (way == Way.TRANSMIT) {
                injector.setTransmitFaults(faults);
            } else {
                injector.setReceiveFaults(faults);
            }
        }

        Counters counters() {
            return way == Way.TRANSMIT ? injector.transmitCounters() : injector.receiveCounters();
        }

        Counters otherCounters() {
            return way == Way.TRANSMIT ? injector.receiveCounters() : injector.transmitCounters();
        }

        /** Sends frame number {@code sequence} the rig's way. */
        void send(int sequence) {
            ByteBuf frame = pool.tryAllocate();
            assertTrue(frame != null, "pool exhausted");
            write(frame, sequence);
            ByteBuf[] one = {frame};
            if (way == Way.TRANSMIT) {
                assertEquals(1, injector.transmit(one, 0, 1));
            } else {
                assertEquals(1, b.transmit(one, 0, 1));
            }
        }

        /** Takes every frame that arrived, in order; the caller releases them. */
        List<ByteBuf> drain() {
            List<ByteBuf> arrived = new ArrayList<>();
            int n;
            while ((n = way == Way.TRANSMIT ? b.receive(batch, 0, batch.length) : injector.receive(batch, 0, batch.length)) > 0) {
                for (int i = 0; i < n; i++) {
                    arrived.add(batch[i]);
                    batch[i] = null;
                }
            }
            return arrived;
        }

        /** Sends frames 0 until {@code count}, draining after each, then lets the held ones time out; returns the trace. */
        List<Arrival> run(int count) {
            List<Arrival> trace = new ArrayList<>();
            for (int sequence = 0; sequence < count; sequence++) {
                send(sequence);
                record(drain(), trace);
            }
            loop.advance(TIMEOUT);
            record(drain(), trace);
            return trace;
        }

        void close() {
            injector.close(); // closes a
            b.close();
            loop.runUntilIdle();
        }
    }

    /** One frame that arrived: its sequence number and how many bits differ from what was sent under it. */
    record Arrival(int sequence, int flippedBits, String hex) {}

    /** Records and releases {@code arrived}, checking that no buffer arrived twice in one batch. */
    private static void record(List<ByteBuf> arrived, List<Arrival> trace) {
        Set<ByteBuf> distinct = Collections.newSetFromMap(new IdentityHashMap<>());
        for (ByteBuf frame : arrived) {
            assertTrue(distinct.add(frame), "the same buffer arrived twice");
            assertEquals(1, frame.refCnt(), "each arriving frame owns its buffer");
            int sequence = frame.getInt(frame.readerIndex() + 14);
            ByteBuf expected = io.netty.buffer.Unpooled.buffer(FRAME_LENGTH);
            write(expected, sequence);
            int flipped = 0;
            for (int i = 0; i < FRAME_LENGTH; i++) {
                flipped += Integer.bitCount((frame.getByte(frame.readerIndex() + i) ^ expected.getByte(i)) & 0xFF);
            }
            expected.release();
            trace.add(new Arrival(sequence, flipped, ByteBufUtil.hexDump(frame)));
            frame.release();
        }
    }

    /** Writes a 64-byte frame from B to A whose every byte depends on {@code sequence}. */
    private static void write(ByteBuf frame, int sequence) {
        Frames.ethernet(frame, A, B, EXPERIMENTAL);
        frame.writeInt(sequence);
        while (frame.readableBytes() < FRAME_LENGTH) {
            frame.writeByte(sequence * 31 + frame.writerIndex());
        }
    }

    private static List<Integer> sequences(List<Arrival> trace) {
        return trace.stream().map(Arrival::sequence).toList();
    }

    /** Asserts {@code actual} within five standard deviations of a binomial(n, p) mean. */
    private static void assertBinomial(long actual, int n, double p) {
        double mean = n * p;
        double tolerance = 5 * Math.sqrt(n * p * (1 - p));
        assertTrue(Math.abs(actual - mean) <= tolerance, actual + " is not within " + mean + " ± " + tolerance);
    }

    // ---------------------------------------------------------------- rates

    @ParameterizedTest
    @EnumSource(Way.class)
    void lossRate(Way way) {
        Rig rig = new Rig(1, way);
        rig.faults(Faults.NONE.withLoss(0.1));
        List<Arrival> trace = rig.run(FRAMES);

        Counters counters = rig.counters();
        assertEquals(FRAMES, counters.frames());
        assertBinomial(counters.lost(), FRAMES, 0.1);
        assertEquals(FRAMES - counters.lost(), trace.size());
        assertEquals(sequences(trace).stream().sorted().toList(), sequences(trace), "loss alone keeps the order");
        assertTrue(trace.stream().allMatch(arrival -> arrival.flippedBits() == 0));
        assertEquals(0, rig.otherCounters().frames(), "the other direction is untouched");
    }

    @ParameterizedTest
    @EnumSource(Way.class)
    void duplicationRateWithCopies(Way way) {
        Rig rig = new Rig(2, way);
        rig.faults(Faults.NONE.withDuplication(0.1));
        List<Arrival> trace = rig.run(FRAMES);

        Counters counters = rig.counters();
        assertBinomial(counters.duplicated(), FRAMES, 0.1);
        assertEquals(FRAMES + counters.duplicated(), trace.size());
        assertEquals(0, counters.noBuffer());
        long doubled = sequences(trace).stream().distinct().count();
        assertEquals(FRAMES, doubled, "every frame arrived");
        // A duplicate follows its original at once; record() checked they are different buffers.
        int adjacent = 0;
        for (int i = 1; i < trace.size(); i++) {
            if (trace.get(i).sequence() == trace.get(i - 1).sequence()) {
                adjacent++;
                assertEquals(trace.get(i).hex(), trace.get(i - 1).hex(), "a duplicate has the same bytes");
            }
        }
        assertEquals(counters.duplicated(), adjacent);
    }

    @ParameterizedTest
    @EnumSource(Way.class)
    void corruptionRateFlipsOneBitOfACopy(Way way) {
        Rig rig = new Rig(3, way);
        rig.faults(Faults.NONE.withCorruption(0.1));
        List<Arrival> trace = rig.run(FRAMES);

        Counters counters = rig.counters();
        assertBinomial(counters.corrupted(), FRAMES, 0.1);
        assertEquals(FRAMES, trace.size());
        long damaged = 0;
        for (int i = 0; i < trace.size(); i++) {
            Arrival arrival = trace.get(i);
            // A flip in the sequence number makes the frame look like another one, many bits off.
            if (arrival.sequence() != i) {
                damaged++;
                continue;
            }
            assertTrue(arrival.flippedBits() <= 1, "frame " + i + ": " + arrival.flippedBits() + " bits flipped");
            damaged += arrival.flippedBits();
        }
        assertEquals(counters.corrupted(), damaged);
    }

    @ParameterizedTest
    @EnumSource(Way.class)
    void reorderRateDeliversEveryFrameOnce(Way way) {
        Rig rig = new Rig(4, way);
        rig.faults(Faults.NONE.withReordering(0.1, 3, TIMEOUT));
        List<Arrival> trace = rig.run(FRAMES);

        Counters counters = rig.counters();
        assertBinomial(counters.reordered(), FRAMES, 0.1);
        List<Integer> sequences = sequences(trace);
        assertEquals(FRAMES, sequences.size());
        assertEquals(FRAMES, new HashSet<>(sequences).size(), "every frame exactly once");
        int late = 0;
        int highest = -1;
        for (int sequence : sequences) {
            if (sequence < highest) {
                late++;
            }
            highest = Math.max(highest, sequence);
        }
        assertTrue(late > 0.8 * counters.reordered(), late + " frames arrived after a later one; held " + counters.reordered());
        assertEquals(0, counters.held());
        assertTrue(counters.releasedByTimer() <= 10, "steady traffic releases held frames, not the timer: " + counters);
    }

    // ---------------------------------------------------------------- reordering rules

    @ParameterizedTest
    @EnumSource(Way.class)
    void heldFrameGoesOnAfterTheNextFrame(Way way) {
        Rig rig = new Rig(5, way);
        rig.faults(Faults.NONE.withReordering(1.0, 1, Duration.ofSeconds(1)));
        rig.send(0);
        assertEquals(List.of(), rig.drain());
        rig.faults(Faults.NONE);
        for (int sequence = 1; sequence <= 3; sequence++) {
            rig.send(sequence);
        }
        List<Arrival> trace = new ArrayList<>();
        record(rig.drain(), trace);
        assertEquals(List.of(1, 0, 2, 3), sequences(trace));
        assertEquals(1, rig.counters().reordered());
        assertEquals(0, rig.counters().releasedByTimer());
    }

    @Test
    void heldFrameGoesOnAfterOneToDistanceFrames() {
        Rig rig = new Rig(6, Way.TRANSMIT);
        Set<Integer> positions = new HashSet<>();
        for (int trial = 0; trial < 300; trial++) {
            rig.faults(Faults.NONE.withReordering(1.0, 3, Duration.ofSeconds(1)));
            rig.send(-1);
            rig.faults(Faults.NONE);
            for (int sequence = 0; sequence < 4; sequence++) {
                rig.send(sequence);
            }
            List<Arrival> trace = new ArrayList<>();
            record(rig.drain(), trace);
            int position = sequences(trace).indexOf(-1);
            assertEquals(5, trace.size());
            positions.add(position);
        }
        assertEquals(Set.of(1, 2, 3), positions, "after the 1st, 2nd or 3rd next frame, never earlier or later");
    }

    @ParameterizedTest
    @EnumSource(Way.class)
    void timerReleasesAHeldFrameWhenTrafficStops(Way way) {
        Rig rig = new Rig(7, way);
        rig.faults(Faults.NONE.withReordering(1.0, 5, TIMEOUT));
        rig.send(0);
        assertEquals(List.of(), rig.drain());
        assertEquals(1, rig.counters().held());
        int wakeupsBefore = rig.wakeups.get();

        rig.loop.advance(TIMEOUT.minusNanos(1));
        assertEquals(List.of(), rig.drain(), "not before its timeout");
        rig.loop.advance(Duration.ofNanos(1));
        List<Arrival> trace = new ArrayList<>();
        record(rig.drain(), trace);
        assertEquals(List.of(0), sequences(trace));
        assertEquals(1, rig.counters().releasedByTimer());
        assertEquals(0, rig.counters().held());
        assertEquals(0, rig.loop.stats().armedTimers(), "nothing held, no timer");
        if (way == Way.RECEIVE) {
            assertTrue(rig.wakeups.get() > wakeupsBefore, "a frame released into the receive queue wakes the loop");
        }
    }

    @ParameterizedTest
    @EnumSource(Way.class)
    void heldFramesAreBounded(Way way) {
        Rig rig = new Rig(8, way);
        rig.faults(Faults.NONE.withReordering(1.0, 1000, Duration.ofSeconds(1)));
        List<Arrival> trace = new ArrayList<>();
        for (int sequence = 0; sequence < 100; sequence++) {
            rig.send(sequence);
            record(rig.drain(), trace);
            int held = rig.counters().held();
            assertTrue(held <= FaultInjector.HOLD_CAPACITY, held + " held after frame " + sequence);
            assertEquals(sequence + 1, held + trace.size(), "every frame is held or went on");
            if (sequence == FaultInjector.HOLD_CAPACITY - 1) {
                assertEquals(FaultInjector.HOLD_CAPACITY, held, "nothing passed yet, so everything was held");
            }
        }
        assertTrue(rig.counters().reordered() < 100, "frames beyond the bound went on at once");
        int heldAtTheEnd = rig.counters().held();
        assertTrue(heldAtTheEnd > 0);
        rig.loop.advance(Duration.ofSeconds(1));
        record(rig.drain(), trace);
        assertEquals(100, trace.size());
        assertEquals(heldAtTheEnd, rig.counters().releasedByTimer());
    }

    // ---------------------------------------------------------------- determinism, ownership, pass-through

    @Test
    void sameSeedSameRunOtherSeedOtherRun() {
        List<List<Arrival>> traces = new ArrayList<>();
        List<String> counters = new ArrayList<>();
        for (long seed : new long[] {42, 42, 43}) {
            Rig rig = new Rig(seed, Way.TRANSMIT);
            rig.injector.setFaults(new Faults(0.05, 0.05, 0.05, 0.05, 4, TIMEOUT));
            traces.add(rig.run(2000));
            counters.add(rig.injector.transmitCounters().toString());
        }
        assertEquals(traces.get(0), traces.get(1));
        assertEquals(counters.get(0), counters.get(1));
        assertNotEquals(traces.get(0), traces.get(2));
    }

    @Test
    void closeReleasesHeldAndQueuedFramesAndDisarmsTimers() {
        Rig rig = new Rig(9, Way.RECEIVE);
        rig.injector.setFaults(Faults.NONE.withReordering(1.0, 10, Duration.ofSeconds(5)));
        for (int sequence = 0; sequence < 10; sequence++) {
            rig.send(sequence); // received side: held in the injector
        }
        ByteBuf[] one = new ByteBuf[1];
        assertEquals(0, rig.injector.receive(one, 0, 1), "all held");
        for (int sequence = 0; sequence < 10; sequence++) {
            ByteBuf frame = pool.tryAllocate();
            write(frame, sequence);
            rig.injector.transmit(new ByteBuf[] {frame}, 0, 1); // transmit side: held as well
        }
        assertTrue(rig.injector.receiveCounters().held() > 0 && rig.injector.transmitCounters().held() > 0);
        assertTrue(pool.outstanding() > 0);
        assertEquals(2, rig.loop.stats().armedTimers());

        rig.injector.close();
        rig.b.close();
        assertEquals(0, pool.outstanding());
        assertEquals(0, rig.loop.stats().armedTimers());
        rig.injector.close(); // idempotent
    }

    @Test
    void withoutFaultsFramesPassThroughUntouched() {
        Rig rig = new Rig(10, Way.TRANSMIT);
        ByteBuf frame = pool.tryAllocate();
        write(frame, 1);
        assertEquals(1, rig.injector.transmit(new ByteBuf[] {frame}, 0, 1));
        ByteBuf[] arrived = new ByteBuf[1];
        assertEquals(1, rig.b.receive(arrived, 0, 1));
        assertSame(frame, arrived[0], "no copy without a fault");
        arrived[0].release();

        rig.faults(Faults.NONE.withDuplication(1.0));
        ByteBuf original = pool.tryAllocate();
        write(original, 2);
        rig.injector.transmit(new ByteBuf[] {original}, 0, 1);
        ByteBuf[] two = new ByteBuf[2];
        assertEquals(2, rig.b.receive(two, 0, 2));
        assertNotSame(two[0], two[1]);
        assertEquals(ByteBufUtil.hexDump(two[0]), ByteBufUtil.hexDump(two[1]));
        two[0].release();
        two[1].release();
        assertEquals(1, rig.injector.transmitCounters().frames(), "the pass-through frame is not counted");
    }

    @Test
    void copiesNeedAFreeFrameElseTheFaultIsSkipped() {
        Rig rig = new Rig(11, Way.TRANSMIT);
        rig.faults(Faults.NONE.withDuplication(1.0).withCorruption(1.0));
        List<ByteBuf> hoard = new ArrayList<>();
        ByteBuf frame = pool.tryAllocate();
        write(frame, 5);
        for (ByteBuf b; (b = pool.tryAllocate()) != null; ) {
            hoard.add(b);
        }
        rig.injector.transmit(new ByteBuf[] {frame}, 0, 1);
        hoard.forEach(ByteBuf::release);
        List<Arrival> trace = new ArrayList<>();
        record(rig.drain(), trace);
        assertEquals(List.of(new Arrival(5, 0, trace.get(0).hex())), trace, "the original, unharmed");
        assertEquals(2, rig.counters().noBuffer());
    }

    @Test
    void faultsAreValidated() {
        assertThrows(IllegalArgumentException.class, () -> Faults.NONE.withLoss(-0.1));
        assertThrows(IllegalArgumentException.class, () -> Faults.NONE.withDuplication(1.5));
        assertThrows(IllegalArgumentException.class, () -> Faults.NONE.withCorruption(Double.NaN));
        assertThrows(IllegalArgumentException.class, () -> Faults.NONE.withReordering(0.1, 0, TIMEOUT));
        assertThrows(IllegalArgumentException.class, () -> Faults.NONE.withReordering(0.1, 2, Duration.ZERO));
        assertThrows(NullPointerException.class, () -> new FaultInjector(null, null, null));
    }
}
