package dev.pith.net.device;

import dev.pith.core.EventLoop;
import dev.pith.core.RandomSource;
import dev.pith.core.Timer;
import dev.pith.core.device.MacAddress;
import dev.pith.core.device.NetDevice;
import dev.pith.core.device.NetDeviceStats;
import dev.pith.core.device.NetOffload;
import io.netty.buffer.ByteBuf;
import java.time.Duration;
import java.util.ArrayDeque;
import java.util.Objects;
import java.util.Set;

/**
 * A device that makes another one unreliable: smoltcp's {@code phy::FaultInjector}, stackable on any
 * {@link NetDevice}. It loses, duplicates, corrupts and reorders frames, separately for each
 * direction, every decision drawn from a {@link RandomSource}; with {@code RandomSource.seeded(n)} on a
 * {@code ManualClock} loop a run is exactly reproducible. For real peers on kernels without
 * {@code tc netem} this is where reordering comes from (DESIGN.md §7).
 *
 * <pre>{@code
 * FaultInjector device = new FaultInjector(loop, TapDevice.open("pith0", mac, 1500, pool), RandomSource.seeded(7));
 * device.setTransmitFaults(FaultInjector.Faults.NONE.withLoss(0.01).withReordering(0.05, 3, Duration.ofMillis(20)));
 * Interface iface = new Interface(loop, device, random, InterfaceSettings.defaults());
 * }</pre>
 *
 * <h2>Faults</h2>
 * Each frame that enters a direction (received from the wrapped device, or offered to
 * {@link #transmit}) meets the faults in this order, each drawn independently:
 * <ol>
 *   <li>loss: the frame is released and goes no further;
 *   <li>duplication: a copy goes on right after it;
 *   <li>corruption: one random bit of a copy is flipped and the copy goes on instead (the original
 *       is released, never written: it may share memory with a retransmission queue);
 *   <li>reordering: the frame is held back, to go on right after the next 1..{@code reorderDistance}
 *       frames (uniformly drawn) that pass this direction, or after {@code reorderTimeout} on the
 *       loop's clock if traffic stops first, so a held frame is never stuck. Frames that go on late
 *       do not count as passing for the others. At most {@value #HOLD_CAPACITY} frames are held per
 *       direction; a frame drawn for reordering while that many are held goes on at once.
 * </ol>
 * Copies come from the wrapped device's {@link NetDevice#allocateFrame()}, the memory it can send
 * from (DMA memory in the guest), so no buffer ever goes on twice; when it has none free the
 * duplicate is not made, or the frame goes on uncorrupted, counted as {@code noBuffer}. Each
 * direction keeps {@link Counters}.
 *
 * <h2>Ownership, threads, limits</h2>
 * Without faults and with nothing held the device is a pass-through, down to the wrapped device's
 * backpressure. With faults, {@link #transmit} accepts every frame, as a lossy link would, and a
 * frame the wrapped device then refuses is released and counted as {@code refused} (a TAP or a
 * memory device never refuses). Received frames produced beyond what one {@link #receive} call takes
 * wait in an unbounded but small queue (two per frame taken from the wrapped device, plus the held
 * ones). Everything runs on the loop thread, including the reordering timers; {@link #close()}
 * releases every held and queued frame and closes the wrapped device: call it on the loop thread,
 * or after the loop stopped. Rates, not bursts: there is no Gilbert-Elliott burst loss, delay or
 * rate limit here (see {@link MemorySwitch} for delay and bandwidth in memory).
 */
public final class FaultInjector implements NetDevice {

    /** Most frames held back for reordering at once, per direction. */
    public static final int HOLD_CAPACITY = 32;
    /** Frames taken from, or handed to, the wrapped device per call. */
    private static final int BATCH = 64;

    /**
     * The faults of one direction.
     *
     * @param lossRate the share of frames dropped, 0..1
     * @param duplicationRate the share of frames followed by a copy, 0..1
     * @param corruptionRate the share of frames replaced by a copy with one bit flipped, 0..1
     * @param reorderRate the share of frames held back, 0..1
     * @param reorderDistance a held frame goes on after 1..this many passing frames, at least 1
     * @param reorderTimeout ... or after this long, whichever comes first; positive
     */
    public record Faults(double lossRate, double duplicationRate, double corruptionRate, double reorderRate,
                         int reorderDistance, Duration reorderTimeout) {

        /** Default {@code reorderTimeout}: long against a LAN round trip, short against TCP's minimum RTO of 200 ms. */
        public static final Duration DEFAULT_REORDER_TIMEOUT = Duration.ofMillis(20);
        /** No faults: every frame goes on, in order. */
        public static final Faults NONE = new Faults(0, 0, 0, 0, 1, DEFAULT_REORDER_TIMEOUT);

        public Faults {
            checkRate("lossRate", lossRate);
            checkRate("duplicationRate", duplicationRate);
            checkRate("corruptionRate", corruptionRate);
            checkRate("reorderRate", reorderRate);
            if (reorderDistance < 1) {
                throw new IllegalArgumentException("reorderDistance < 1: " + reorderDistance);
            }
            Objects.requireNonNull(reorderTimeout, "reorderTimeout == null");
            if (reorderTimeout.isNegative() || reorderTimeout.isZero() || reorderTimeout.compareTo(Duration.ofHours(1)) > 0) {
                throw new IllegalArgumentException("reorderTimeout must be in (0, 1 h]: " + reorderTimeout);
            }
        }

        private static void checkRate(String name, double rate) {
            if (!(rate >= 0 && rate <= 1)) { // also refuses NaN
                throw new IllegalArgumentException(name + " must be in [0, 1]: " + rate);
            }
        }

        /** Returns a copy with another loss rate. */
        public Faults withLoss(double lossRate) {
            return new Faults(lossRate, duplicationRate, corruptionRate, reorderRate, reorderDistance, reorderTimeout);
        }

        /** Returns a copy with another duplication rate. */
        public Faults withDuplication(double duplicationRate) {
            return new Faults(lossRate, duplicationRate, corruptionRate, reorderRate, reorderDistance, reorderTimeout);
        }

        /** Returns a copy with another corruption rate. */
        public Faults withCorruption(double corruptionRate) {
            return new Faults(lossRate, duplicationRate, corruptionRate, reorderRate, reorderDistance, reorderTimeout);
        }

        /** Returns a copy that holds back {@code rate} of the frames for 1..{@code distance} frames or {@code timeout}. */
        public Faults withReordering(double rate, int distance, Duration timeout) {
            return new Faults(lossRate, duplicationRate, corruptionRate, rate, distance, timeout);
        }

        /** Returns whether any fault has a rate above zero. */
        public boolean any() {
            return lossRate > 0 || duplicationRate > 0 || corruptionRate > 0 || reorderRate > 0;
        }
    }

    /**
     * Counters of one direction since the device was created.
     *
     * @param frames frames that entered the direction (copies made here not included)
     * @param lost frames dropped by the loss fault
     * @param duplicated copies sent on after their original
     * @param corrupted frames replaced by a copy with one bit flipped
     * @param reordered frames held back
     * @param releasedByTimer held frames that went on because their timeout passed, not after other frames
     * @param noBuffer duplications or corruptions skipped because the wrapped device had no free frame
     * @param refused frames the wrapped device refused to transmit, released here
     * @param held frames held back now
     */
    public record Counters(long frames, long lost, long duplicated, long corrupted, long reordered, long releasedByTimer,
                           long noBuffer, long refused, int held) {}

    private final EventLoop loop;
    private final NetDevice device;
    private final RandomSource random;
    private final Direction receiving;
    private final Direction transmitting;
    /** Received frames that went through the faults and wait for {@link #receive}, in order. */
    private final ArrayDeque<ByteBuf> ready = new ArrayDeque<>();
    /** Frames that went through the faults and wait to be handed to the wrapped device, in order. */
    private final ArrayDeque<ByteBuf> outgoing = new ArrayDeque<>();
    private final ByteBuf[] batch = new ByteBuf[BATCH];
    private Runnable wakeup = () -> {};
    private boolean closed;

    /**
     * Wraps {@code device}, with no faults until {@link #setFaults}, {@link #setReceiveFaults} or
     * {@link #setTransmitFaults} says otherwise.
     *
     * @param loop the loop whose thread uses the device and whose timers release held frames
     * @param random the source of every fault decision
     */
    public FaultInjector(EventLoop loop, NetDevice device, RandomSource random) {
        this.loop = Objects.requireNonNull(loop, "loop == null");
        this.device = Objects.requireNonNull(device, "device == null");
        this.random = Objects.requireNonNull(random, "random == null");
        this.receiving = new Direction(true);
        this.transmitting = new Direction(false);
    }

    /** Returns the wrapped device. */
    public NetDevice device() {
        return device;
    }

    /** Sets the faults of both directions. */
    public void setFaults(Faults faults) {
        setReceiveFaults(faults);
        setTransmitFaults(faults);
    }

    /** Sets the faults of frames coming from the wrapped device. */
    public void setReceiveFaults(Faults faults) {
        receiving.faults = Objects.requireNonNull(faults, "faults == null");
    }

    /** Sets the faults of frames going to the wrapped device. */
    public void setTransmitFaults(Faults faults) {
        transmitting.faults = Objects.requireNonNull(faults, "faults == null");
    }

    /** Returns the faults of frames coming from the wrapped device. */
    public Faults receiveFaults() {
        return receiving.faults;
    }

    /** Returns the faults of frames going to the wrapped device. */
    public Faults transmitFaults() {
        return transmitting.faults;
    }

    /** Returns the counters of the receive direction. */
    public Counters receiveCounters() {
        return receiving.counters();
    }

    /** Returns the counters of the transmit direction. */
    public Counters transmitCounters() {
        return transmitting.counters();
    }

    // ---------------------------------------------------------------- NetDevice data path

    @Override
    public int receive(ByteBuf[] frames, int offset, int max) {
        if (ready.isEmpty() && !receiving.active()) {
            return device.receive(frames, offset, max);
        }
        int n = 0;
        while (n < max) {
            ByteBuf frame = ready.poll();
            if (frame != null) {
                frames[offset + n++] = frame;
                continue;
            }
            int got = device.receive(batch, 0, Math.min(BATCH, max - n));
            if (got == 0) {
                break;
            }
            for (int i = 0; i < got; i++) {
                ByteBuf taken = batch[i];
                batch[i] = null;
                receiving.enter(taken);
            }
        }
        return n;
    }

    /**
     * Returns what the wrapped device accepts when no fault is set and nothing is held; otherwise
     * takes every frame, applies the faults and hands on what survives (see the class comment).
     */
    @Override
    public int transmit(ByteBuf[] frames, int offset, int count) {
        if (outgoing.isEmpty() && !transmitting.active()) {
            return device.transmit(frames, offset, count);
        }
        for (int i = offset; i < offset + count; i++) {
            transmitting.enter(frames[i]);
        }
        flushOutgoing();
        return count;
    }

    /** Hands the outgoing queue to the wrapped device in batches; what it refuses is released and counted. */
    private void flushOutgoing() {
        while (!outgoing.isEmpty()) {
            int n = 0;
            while (n < BATCH && !outgoing.isEmpty()) {
                batch[n++] = outgoing.poll();
            }
            int accepted = closed ? 0 : device.transmit(batch, 0, n);
            for (int i = 0; i < n; i++) {
                if (i >= accepted) {
                    batch[i].release();
                    transmitting.refused++;
                }
                batch[i] = null;
            }
        }
    }

    /** Returns a copy of {@code frame}'s readable bytes in a frame from the wrapped device, or null (counted). */
    private ByteBuf copy(ByteBuf frame, Direction direction) {
        ByteBuf copy = device.allocateFrame();
        int length = frame.readableBytes();
        if (copy == null || copy.maxWritableBytes() < length) {
            if (copy != null) {
                copy.release();
            }
            direction.noBuffer++;
            return null;
        }
        copy.writeBytes(frame, frame.readerIndex(), length);
        return copy;
    }

    /** Returns a uniformly distributed value in [0, 1). */
    private double nextDouble() {
        return (random.nextLong() >>> 11) * 0x1.0p-53;
    }

    /** Draws whether a fault of {@code rate} strikes; draws nothing for a rate of zero. */
    private boolean strikes(double rate) {
        return rate > 0 && nextDouble() < rate;
    }

    /** The faults, held frames and counters of one direction. */
    private final class Direction {

        private final boolean receive;
        private final Timer timer;
        private Faults faults = Faults.NONE;
        /** Held frames in the order they were held; slots [0, heldCount) are in use. */
        private final ByteBuf[] heldFrames = new ByteBuf[HOLD_CAPACITY];
        /** Passing frames each held frame still waits for; it goes on when this reaches zero. */
        private final int[] heldCountdown = new int[HOLD_CAPACITY];
        /** Loop clock readings at which each held frame goes on whatever passes. */
        private final long[] heldDeadline = new long[HOLD_CAPACITY];
        private int heldCount;
        private long frames, lost, duplicated, corrupted, reordered, releasedByTimer, noBuffer, refused;

        Direction(boolean receive) {
            this.receive = receive;
            this.timer = loop.timer(this::releaseExpired);
        }

        /** Returns whether frames must go through the faults: some are set, or some frames are held. */
        boolean active() {
            return heldCount > 0 || faults.any();
        }

        /** Applies the faults to {@code frame}, which this direction now owns. */
        void enter(ByteBuf frame) {
            frames++;
            Faults f = faults;
            if (strikes(f.lossRate())) {
                lost++;
                frame.release();
                return;
            }
            ByteBuf duplicate = null;
            if (strikes(f.duplicationRate())) {
                duplicate = copy(frame, this);
                if (duplicate != null) {
                    duplicated++;
                }
            }
            if (strikes(f.corruptionRate())) {
                ByteBuf damaged = copy(frame, this);
                if (damaged != null) {
                    int bit = random.nextInt(damaged.readableBytes() * 8);
                    int index = damaged.readerIndex() + bit / 8;
                    damaged.setByte(index, damaged.getByte(index) ^ (1 << bit % 8));
                    frame.release();
                    frame = damaged;
                    corrupted++;
                }
            }
            boolean holdBack = strikes(f.reorderRate());
            if (holdBack && heldCount < HOLD_CAPACITY) {
                hold(frame, 1 + random.nextInt(f.reorderDistance()), f.reorderTimeout());
            } else {
                pass(frame);
            }
            if (duplicate != null) {
                pass(duplicate);
            }
        }

        private void hold(ByteBuf frame, int distance, Duration timeout) {
            long deadline = loop.now() + timeout.toNanos();
            heldFrames[heldCount] = frame;
            heldCountdown[heldCount] = distance;
            heldDeadline[heldCount] = deadline;
            heldCount++;
            reordered++;
            if (!timer.isScheduled() || timer.deadline() - deadline > 0) {
                timer.schedule(deadline);
            }
        }

        /** Sends {@code frame} on, then the held frames whose countdown it ends, oldest first. */
        private void pass(ByteBuf frame) {
            emit(frame);
            int i = 0;
            while (i < heldCount) {
                if (--heldCountdown[i] == 0) {
                    emit(take(i));
                } else {
                    i++;
                }
            }
        }

        /** Removes held slot {@code i}, keeping the others in order, and returns its frame. */
        private ByteBuf take(int i) {
            ByteBuf frame = heldFrames[i];
            int after = heldCount - i - 1;
            System.arraycopy(heldFrames, i + 1, heldFrames, i, after);
            System.arraycopy(heldCountdown, i + 1, heldCountdown, i, after);
            System.arraycopy(heldDeadline, i + 1, heldDeadline, i, after);
            heldCount--;
            heldFrames[heldCount] = null;
            return frame;
        }

        private void emit(ByteBuf frame) {
            if (receive) {
                ready.add(frame);
            } else {
                outgoing.add(frame);
            }
        }

        /** The timer: sends on every held frame whose deadline passed, then re-arms for the earliest left. */
        private void releaseExpired() {
            if (closed) {
                return;
            }
            long now = loop.now();
            int i = 0;
            boolean released = false;
            while (i < heldCount) {
                if (heldDeadline[i] - now <= 0) {
                    emit(take(i));
                    releasedByTimer++;
                    released = true;
                } else {
                    i++;
                }
            }
            if (heldCount > 0) {
                long earliest = heldDeadline[0];
                for (int j = 1; j < heldCount; j++) {
                    earliest = heldDeadline[j] - earliest < 0 ? heldDeadline[j] : earliest;
                }
                timer.schedule(earliest);
            }
            if (released) {
                if (receive) {
                    wakeup.run(); // the loop polls the interface next turn, which takes them from ready
                } else {
                    flushOutgoing();
                }
            }
        }

        /** Releases the held frames and disarms the timer when the calling thread may. */
        void clear() {
            for (int i = 0; i < heldCount; i++) {
                heldFrames[i].release();
                heldFrames[i] = null;
            }
            heldCount = 0;
            if (timer.isScheduled() && loop.inLoop()) {
                timer.cancel();
            }
        }

        Counters counters() {
            return new Counters(frames, lost, duplicated, corrupted, reordered, releasedByTimer, noBuffer, refused, heldCount);
        }
    }

    // ---------------------------------------------------------------- delegated

    @Override
    public String name() {
        return device.name();
    }

    @Override
    public MacAddress mac() {
        return device.mac();
    }

    @Override
    public int mtu() {
        return device.mtu();
    }

    @Override
    public Set<NetOffload> offloads() {
        return device.offloads();
    }

    @Override
    public boolean linkUp() {
        return device.linkUp();
    }

    @Override
    public ByteBuf allocateFrame() {
        return device.allocateFrame();
    }

    @Override
    public void setWakeup(Runnable wakeup) {
        this.wakeup = Objects.requireNonNull(wakeup, "wakeup == null");
        device.setWakeup(wakeup);
    }

    /** Returns the wrapped device's counters; the faults' own are {@link #receiveCounters()} and {@link #transmitCounters()}. */
    @Override
    public NetDeviceStats stats() {
        return device.stats();
    }

    /**
     * Releases every held and queued frame, disarms the timers (on the loop thread) and closes the
     * wrapped device. Idempotent.
     */
    @Override
    public void close() {
        if (closed) {
            return;
        }
        closed = true;
        try {
            receiving.clear();
            transmitting.clear();
            releaseAll(ready);
            releaseAll(outgoing);
        } finally {
            device.close();
        }
    }

    private static void releaseAll(ArrayDeque<ByteBuf> queue) {
        ByteBuf frame;
        while ((frame = queue.poll()) != null) {
            frame.release();
        }
    }

    @Override
    public String toString() {
        return "FaultInjector[" + device + ", receive " + receiving.faults + ", transmit " + transmitting.faults + "]";
    }
}
