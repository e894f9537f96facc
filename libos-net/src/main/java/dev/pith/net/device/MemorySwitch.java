package dev.pith.net.device;

import dev.pith.core.EventLoop;
import dev.pith.core.RandomSource;
import dev.pith.core.Timer;
import dev.pith.core.buffer.PacketBufferPool;
import dev.pith.core.device.MacAddress;
import dev.pith.core.device.MemoryNetDevice;
import dev.pith.core.device.NetDevice;
import dev.pith.core.device.NetDeviceStats;
import dev.pith.core.device.NetOffload;
import io.netty.buffer.ByteBuf;
import java.time.Duration;
import java.util.ArrayDeque;
import java.util.ArrayList;
import java.util.Comparator;
import java.util.HashMap;
import java.util.Iterator;
import java.util.List;
import java.util.Objects;
import java.util.PriorityQueue;
import java.util.Set;

/**
 * An Ethernet switch in memory, for tests and for wiring several stacks inside one JVM: a
 * learning switch (IEEE 802.1D's filtering database, without spanning tree or VLANs) whose links
 * can lose, duplicate, corrupt, delay, reorder and rate-limit frames, all drawn from a seeded
 * {@link RandomSource} and timed by the loop's clock — on a {@code ManualClock} a run is exactly
 * reproducible for a given seed.
 *
 * <pre>{@code
 * var loop = EventLoop.builder().clock(new ManualClock()).build();
 * var ethernet = new MemorySwitch(loop, RandomSource.seeded(42), pool);
 * NetDevice a = ethernet.port("a", MacAddress.local(1), 1500);   // stack A's device
 * NetDevice b = ethernet.port("b", MacAddress.local(2), 1500);   // stack B's device
 * ethernet.setFaults(Faults.NONE.withLoss(0.01).withDelay(Duration.ofMillis(5)));
 * loop.advance(Duration.ofSeconds(1));   // both stacks run; frames arrive at exact instants
 * }</pre>
 *
 * <h2>Forwarding</h2>
 * A frame entering from a port teaches the switch that its source address lives there. A unicast
 * frame to a learned address goes to that port only (or nowhere if that is the port it came from:
 * "filtered"); broadcast, multicast and unknown unicast frames are flooded to every other port, in
 * the order the ports were created. Each extra destination of a flood gets its own copy from the
 * pool, so that no two receivers share memory. Learned addresses age out after
 * {@value #AGEING_TIME_SECONDS} s without traffic (802.1D's recommended ageing time); the table holds
 * {@value #MAC_TABLE_CAPACITY} addresses, and a source seen while it is full is not learned (its
 * frames are flooded).
 *
 * <h2>Timing</h2>
 * Faults act on the link from the switch to each destination port, in this order: loss,
 * duplication (the duplicate is a copy and goes on separately), corruption (one random bit of a
 * copy flipped; the original is never written), the in-flight bound, bandwidth, delay, reordering.
 * A frame sent at time t reaches port P at
 * <pre>
 *   arrival = max(t, end of the frames before it on P's link) + bytes / bandwidth   (only with a bandwidth)
 *           + delay
 *           + a random hold-back in (0, reorderDelay]                            (for a reorderRate share)
 * </pre>
 * where bytes are the frame's own (no preamble, FCS or inter-frame gap). A single loop
 * {@link Timer} delivers each frame into P's receive queue at exactly its arrival time; frames due at
 * the same instant arrive in the order they were sent. Nothing is delivered inside
 * {@link NetDevice#transmit}: even without faults, frames arrive when the loop runs its timers
 * (the same turn, or {@code runUntilIdle}/{@code advance} when a test drives the loop).
 *
 * <h2>Bounds</h2>
 * Frames in flight (waiting for their arrival) are at most the {@code inFlightLimit}
 * ({@value #DEFAULT_IN_FLIGHT_LIMIT} by default); frames waiting behind a busy link at most the
 * faults' {@code queueLimit} per port; each port's receive queue {@value #DEFAULT_PORT_QUEUE_CAPACITY}
 * frames unless set. Past a bound the frame is dropped (tail drop) and counted, as is a frame that
 * needs a copy when the pool is empty, and a frame longer than the sender's or receiver's
 * {@code mtu + 14} bytes or shorter than an Ethernet header. See {@link Counters}.
 *
 * <h2>Ownership and threads</h2>
 * The switch owns every frame from the moment a port accepts it for transmission until it is
 * delivered to a receive queue, and releases every frame it drops. Closing a port releases the
 * frames in flight to it; {@link #close()} closes every port and releases everything in flight. The
 * pool is the caller's: close it after the switch. Everything here — ports' transmit and receive,
 * settings, counters — belongs to the loop thread (or to the thread driving the loop by hand).
 * Costs: a lookup boxes the destination address, a frame in flight is one small object.
 */
public final class MemorySwitch implements AutoCloseable {

    /** Default bound on frames in flight inside the switch, all ports together. */
    public static final int DEFAULT_IN_FLIGHT_LIMIT = 4096;
    /** Default bound of each port's receive queue, in frames. */
    public static final int DEFAULT_PORT_QUEUE_CAPACITY = 1024;
    /** Addresses the switch learns at most. */
    public static final int MAC_TABLE_CAPACITY = 4096;
    /** Seconds after which a learned address is forgotten when no frame came from it (IEEE 802.1D-2004 §7.9.2). */
    public static final int AGEING_TIME_SECONDS = 300;

    private static final long AGEING_NANOS = AGEING_TIME_SECONDS * 1_000_000_000L;
    /** The I/G bit of the first octet: set in group (multicast and broadcast) addresses. */
    private static final long GROUP_BIT = 0x0100_0000_0000L;
    private static final int ETHERNET_HEADER = 14;

    private final EventLoop loop;
    private final RandomSource random;
    private final PacketBufferPool pool;
    private final int inFlightLimit;
    /** Live ports in creation order, the flooding order. */
    private final List<Port> ports = new ArrayList<>();
    /** The filtering database: address bits to where the address was last seen. */
    private final HashMap<Long, Station> stations = new HashMap<>();
    /** Frames on their way, by arrival time, then by the order they were sent. */
    private final PriorityQueue<InFlight> inFlight =
            new PriorityQueue<>(Comparator.comparingLong(InFlight::arrival).thenComparingLong(InFlight::sequence));
    /** Armed for the earliest arrival in {@link #inFlight}. */
    private final Timer deliveryTimer;
    /** Counters of ports closed so far, so that the switch's totals survive them. */
    private final Tally retired = new Tally();
    private Faults faults = Faults.NONE;
    private long sequence;
    private boolean closed;

    /**
     * Creates a switch with no ports, no faults and an in-flight bound of {@value #DEFAULT_IN_FLIGHT_LIMIT}.
     *
     * @param loop the loop whose clock times the links and whose timer delivers frames
     * @param random the source of every fault decision; {@code RandomSource.seeded(n)} makes runs repeatable
     * @param pool where ports allocate frames and the switch takes copies (floods, duplicates, corruption)
     */
    public MemorySwitch(EventLoop loop, RandomSource random, PacketBufferPool pool) {
        this(loop, random, pool, DEFAULT_IN_FLIGHT_LIMIT);
    }

    /** Creates a switch that holds at most {@code inFlightLimit} frames in flight. */
    public MemorySwitch(EventLoop loop, RandomSource random, PacketBufferPool pool, int inFlightLimit) {
        this.loop = Objects.requireNonNull(loop, "loop == null");
        this.random = Objects.requireNonNull(random, "random == null");
        this.pool = Objects.requireNonNull(pool, "pool == null");
        if (inFlightLimit < 1) {
            throw new IllegalArgumentException("inFlightLimit < 1: " + inFlightLimit);
        }
        this.inFlightLimit = inFlightLimit;
        this.deliveryTimer = loop.timer(this::deliverDue);
    }

    /** Adds a port with a receive queue of {@value #DEFAULT_PORT_QUEUE_CAPACITY} frames. */
    public Port port(String name, MacAddress mac, int mtu) {
        return port(name, mac, mtu, DEFAULT_PORT_QUEUE_CAPACITY);
    }

    /**
     * Adds a port: a {@link NetDevice} whose frames go through this switch.
     *
     * @param name the device's name, unique among the live ports
     * @param mac the address of the stack that will use the port (the switch learns from traffic, not from this)
     * @param mtu the port's MTU; the pool's buffers must hold {@code mtu + 14} bytes
     * @param queueCapacity bound of the port's receive queue in frames
     */
    public Port port(String name, MacAddress mac, int mtu, int queueCapacity) {
        if (closed) {
            throw new IllegalStateException("switch closed");
        }
        for (Port port : ports) {
            if (port.name().equals(name)) {
                throw new IllegalArgumentException("a port named \"" + name + "\" exists already");
            }
        }
        Port port = new Port(new MemoryNetDevice(name, mac, mtu, pool, queueCapacity));
        ports.add(port);
        return port;
    }

    /** Returns the live ports in creation order. */
    public List<Port> ports() {
        return List.copyOf(ports);
    }

    /** Sets the faults of every port that has none of its own. */
    public void setFaults(Faults faults) {
        this.faults = Objects.requireNonNull(faults, "faults == null");
    }

    /** Returns the faults of ports without their own. */
    public Faults faults() {
        return faults;
    }

    /** Returns the bound on frames in flight. */
    public int inFlightLimit() {
        return inFlightLimit;
    }

    /** Returns the number of frames in flight now. */
    public int inFlight() {
        return inFlight.size();
    }

    /** Returns the switch's counters: the sum over all ports, closed ones included. */
    public Counters counters() {
        Tally sum = new Tally();
        sum.add(retired);
        for (Port port : ports) {
            sum.add(port.tally);
        }
        return sum.snapshot();
    }

    /** Returns the port where {@code mac} was last seen, or null when it is unknown or aged out. */
    public Port lookup(MacAddress mac) {
        return lookup(mac.bits(), loop.now());
    }

    /** Closes every port, releasing every frame in flight; the pool stays open. Idempotent. */
    @Override
    public void close() {
        if (closed) {
            return;
        }
        closed = true;
        for (Port port : List.copyOf(ports)) {
            port.close();
        }
        for (InFlight frame; (frame = inFlight.poll()) != null; ) { // none left once every port is closed; stay safe
            frame.frame.release();
        }
        deliveryTimer.cancel();
        stations.clear();
    }

    // ---------------------------------------------------------------- forwarding

    /** Takes a frame a port transmitted; the switch owns it from here. */
    private void ingress(Port from, ByteBuf frame) {
        Tally tally = from.tally;
        tally.ingress++;
        int length = frame.readableBytes();
        if (length < ETHERNET_HEADER || length > from.mtu() + ETHERNET_HEADER) {
            tally.malformed++;
            frame.release();
            return;
        }
        long now = loop.now();
        long destination = MacAddress.readBits(frame, frame.readerIndex());
        long source = MacAddress.readBits(frame, frame.readerIndex() + 6);
        learn(source, from, now);
        Port to = (destination & GROUP_BIT) == 0 ? lookup(destination, now) : null;
        if (to == from) {
            tally.filtered++;
            frame.release();
        } else if (to != null) {
            tally.unicast++;
            egress(to, frame, now);
        } else {
            flood(from, frame, now);
        }
    }

    private void flood(Port from, ByteBuf frame, long now) {
        from.tally.flooded++;
        Port previous = null;
        for (Port port : ports) {
            if (port == from) {
                continue;
            }
            if (previous != null) { // every destination but the last gets a copy, the last the frame itself
                ByteBuf copy = copy(frame, previous.tally);
                if (copy != null) {
                    egress(previous, copy, now);
                }
            }
            previous = port;
        }
        if (previous == null) {
            from.tally.filtered++; // a lone port: nobody to flood to
            frame.release();
        } else {
            egress(previous, frame, now);
        }
    }

    private void learn(long source, Port port, long now) {
        if ((source & GROUP_BIT) != 0) {
            return; // a group address is never a source (802.1D §7.8); do not learn it
        }
        Station station = stations.get(source);
        if (station != null) {
            station.port = port; // a station that moved is found on its new port
            station.lastSeen = now;
            return;
        }
        if (stations.size() >= MAC_TABLE_CAPACITY) {
            stations.values().removeIf(s -> now - s.lastSeen > AGEING_NANOS);
            if (stations.size() >= MAC_TABLE_CAPACITY) {
                return;
            }
        }
        stations.put(source, new Station(port, now));
    }

    private Port lookup(long destination, long now) {
        Station station = stations.get(destination);
        if (station == null) {
            return null;
        }
        if (now - station.lastSeen > AGEING_NANOS) {
            stations.remove(destination);
            return null;
        }
        return station.port;
    }

    /** Sends a frame the switch owns down the link to {@code to}, through that link's faults. */
    private void egress(Port to, ByteBuf frame, long now) {
        Tally tally = to.tally;
        Faults f = to.effectiveFaults();
        if (frame.readableBytes() > to.mtu() + ETHERNET_HEADER) {
            tally.malformed++;
            frame.release();
            return;
        }
        if (f.lossRate() > 0 && chance(f.lossRate())) {
            tally.lost++;
            frame.release();
            return;
        }
        if (f.duplicationRate() > 0 && chance(f.duplicationRate())) {
            ByteBuf duplicate = copy(frame, tally);
            if (duplicate != null) {
                tally.duplicated++;
                send(to, frame, f, now);
                send(to, duplicate, f, now);
                return;
            }
        }
        send(to, frame, f, now);
    }

    private void send(Port to, ByteBuf frame, Faults f, long now) {
        Tally tally = to.tally;
        if (inFlight.size() >= inFlightLimit) {
            tally.inFlightDropped++;
            frame.release();
            return;
        }
        if (f.corruptionRate() > 0 && chance(f.corruptionRate())) {
            // Always a copy: the sender may still hold the original (a retained duplicate kept for
            // retransmission), and flood copies must stay independent.
            ByteBuf copy = copy(frame, tally);
            frame.release();
            if (copy == null) {
                return;
            }
            int bit = random.nextInt(copy.readableBytes() * 8);
            int index = copy.readerIndex() + (bit >>> 3);
            copy.setByte(index, copy.getByte(index) ^ (1 << (bit & 7)));
            tally.corrupted++;
            frame = copy;
        }
        long departure = now;
        if (f.bandwidthBytesPerSecond() > 0) {
            ArrayDeque<Long> waiting = to.waiting;
            while (!waiting.isEmpty() && waiting.peekFirst() <= now) {
                waiting.pollFirst(); // began its transmission: no longer queued
            }
            long start = Math.max(now, to.linkFreeAt);
            if (start > now && waiting.size() >= f.queueLimit()) {
                tally.queueDropped++;
                frame.release();
                return;
            }
            if (start > now) {
                waiting.addLast(start);
            }
            long serialization = Math.ceilDiv(frame.readableBytes() * 1_000_000_000L, f.bandwidthBytesPerSecond());
            to.linkFreeAt = start + serialization;
            departure = to.linkFreeAt;
        }
        long arrival = departure + f.delay().toNanos();
        long reorderNanos = f.reorderDelay().toNanos();
        if (f.reorderRate() > 0 && reorderNanos > 0 && chance(f.reorderRate())) {
            arrival += 1 + Math.floorMod(random.nextLong(), reorderNanos);
            tally.reordered++;
        }
        inFlight.add(new InFlight(arrival, sequence++, to, frame));
        if (!deliveryTimer.isScheduled() || arrival < deliveryTimer.deadline()) {
            deliveryTimer.schedule(arrival);
        }
    }

    /** Runs on the delivery timer: hands every frame that is due to its port's receive queue. */
    private void deliverDue() {
        long now = loop.now();
        InFlight head;
        while ((head = inFlight.peek()) != null && head.arrival <= now) {
            inFlight.poll();
            if (head.port.device.deliver(head.frame)) {
                head.port.tally.delivered++;
            } else {
                head.port.tally.portDropped++; // receive queue full or link down; deliver released it
            }
        }
        if (head != null) {
            deliveryTimer.schedule(head.arrival);
        }
    }

    /** Returns a copy of the frame's readable bytes in a pool buffer, or null (counted) when the pool is empty. */
    private ByteBuf copy(ByteBuf frame, Tally tally) {
        ByteBuf copy = pool.tryAllocate();
        if (copy == null) {
            tally.noBuffer++;
            return null;
        }
        int length = frame.readableBytes();
        if (length > copy.writableBytes()) { // cannot happen: frames are checked against MTUs the pool holds
            copy.release();
            tally.noBuffer++;
            return null;
        }
        copy.writeBytes(frame, frame.readerIndex(), length);
        return copy;
    }

    /** Draws true with probability {@code rate}: 53 random bits as a double in [0, 1). */
    private boolean chance(double rate) {
        return (random.nextLong() >>> 11) * 0x1.0p-53 < rate;
    }

    private void detach(Port port) {
        ports.remove(port);
        stations.values().removeIf(s -> s.port == port);
        for (Iterator<InFlight> it = inFlight.iterator(); it.hasNext(); ) {
            InFlight frame = it.next();
            if (frame.port == port) {
                it.remove();
                frame.frame.release();
                port.tally.portDropped++;
            }
        }
        retired.add(port.tally);
        InFlight head = inFlight.peek();
        if (head == null) {
            deliveryTimer.cancel();
        } else {
            deliveryTimer.schedule(head.arrival);
        }
    }

    // ---------------------------------------------------------------- types

    /**
     * What a link does to frames, drawn per frame from the switch's {@link RandomSource}. Rates are
     * probabilities in [0, 1].
     *
     * @param lossRate share of frames dropped
     * @param duplicationRate share of frames sent twice (the second is a copy)
     * @param corruptionRate share of frames with one random bit flipped (in a copy)
     * @param reorderRate share of frames held back by a random extra delay, so later frames overtake them
     * @param reorderDelay the longest hold-back of such a frame
     * @param delay latency added to every frame
     * @param bandwidthBytesPerSecond the link's rate, 0 for unlimited; frames wait behind each other
     * @param queueLimit frames that may wait behind a busy link (with a bandwidth); more are dropped
     */
    public record Faults(double lossRate, double duplicationRate, double corruptionRate, double reorderRate,
                         Duration reorderDelay, Duration delay, long bandwidthBytesPerSecond, int queueLimit) {

        /** Default {@code queueLimit}. */
        public static final int DEFAULT_QUEUE_LIMIT = 64;
        /** A perfect link: nothing lost, nothing late, no rate limit. */
        public static final Faults NONE = new Faults(0, 0, 0, 0, Duration.ZERO, Duration.ZERO, 0, DEFAULT_QUEUE_LIMIT);

        public Faults {
            checkRate("lossRate", lossRate);
            checkRate("duplicationRate", duplicationRate);
            checkRate("corruptionRate", corruptionRate);
            checkRate("reorderRate", reorderRate);
            Objects.requireNonNull(reorderDelay, "reorderDelay == null");
            Objects.requireNonNull(delay, "delay == null");
            if (reorderDelay.isNegative() || delay.isNegative()) {
                throw new IllegalArgumentException("reorderDelay < 0 or delay < 0: " + reorderDelay + ", " + delay);
            }
            if (delay.compareTo(Duration.ofDays(1)) > 0 || reorderDelay.compareTo(Duration.ofDays(1)) > 0) {
                throw new IllegalArgumentException("a delay beyond one day is a mistake: " + delay + ", " + reorderDelay);
            }
            if (bandwidthBytesPerSecond < 0) {
                throw new IllegalArgumentException("bandwidthBytesPerSecond < 0: " + bandwidthBytesPerSecond);
            }
            if (queueLimit < 1) {
                throw new IllegalArgumentException("queueLimit < 1: " + queueLimit);
            }
        }

        private static void checkRate(String name, double rate) {
            if (!(rate >= 0 && rate <= 1)) { // also refuses NaN
                throw new IllegalArgumentException(name + " is not in [0, 1]: " + rate);
            }
        }

        /** Returns a copy that loses {@code rate} of the frames. */
        public Faults withLoss(double rate) {
            return new Faults(rate, duplicationRate, corruptionRate, reorderRate, reorderDelay, delay, bandwidthBytesPerSecond, queueLimit);
        }

        /** Returns a copy that sends {@code rate} of the frames twice. */
        public Faults withDuplication(double rate) {
            return new Faults(lossRate, rate, corruptionRate, reorderRate, reorderDelay, delay, bandwidthBytesPerSecond, queueLimit);
        }

        /** Returns a copy that flips one bit in {@code rate} of the frames. */
        public Faults withCorruption(double rate) {
            return new Faults(lossRate, duplicationRate, rate, reorderRate, reorderDelay, delay, bandwidthBytesPerSecond, queueLimit);
        }

        /** Returns a copy that holds {@code rate} of the frames back by up to {@code maxExtraDelay}. */
        public Faults withReordering(double rate, Duration maxExtraDelay) {
            return new Faults(lossRate, duplicationRate, corruptionRate, rate, maxExtraDelay, delay, bandwidthBytesPerSecond, queueLimit);
        }

        /** Returns a copy with a fixed latency of {@code delay}. */
        public Faults withDelay(Duration delay) {
            return new Faults(lossRate, duplicationRate, corruptionRate, reorderRate, reorderDelay, delay, bandwidthBytesPerSecond, queueLimit);
        }

        /** Returns a copy limited to {@code bytesPerSecond} (0: unlimited) with at most {@code queueLimit} frames waiting. */
        public Faults withBandwidth(long bytesPerSecond, int queueLimit) {
            return new Faults(lossRate, duplicationRate, corruptionRate, reorderRate, reorderDelay, delay, bytesPerSecond, queueLimit);
        }
    }

    /**
     * Counters of a port, or of the whole switch (the sum over its ports). Ingress counters count
     * frames the port sent into the switch; egress counters count frames on their way to the port.
     *
     * @param ingress frames that entered the switch
     * @param unicast of those, frames sent to the one port where the destination was learned
     * @param flooded of those, frames sent to every other port (group or unknown destination)
     * @param filtered of those, frames with nowhere to go (destination learned on the same port, or no other port)
     * @param malformed frames dropped for their length: under 14 bytes, or over a port's {@code mtu + 14}
     * @param lost egress: frames dropped by the loss rate
     * @param duplicated egress: frames sent twice
     * @param corrupted egress: frames with a bit flipped
     * @param reordered egress: frames held back by a random extra delay
     * @param queueDropped egress: frames dropped because the queue behind the link's bandwidth was full
     * @param inFlightDropped egress: frames dropped because the switch held its in-flight limit
     * @param noBuffer egress: copies (flood, duplicate, corruption) not made because the pool was empty
     * @param delivered egress: frames put into the port's receive queue
     * @param portDropped egress: frames the port refused (queue full, link down, closed with frames in flight)
     */
    public record Counters(long ingress, long unicast, long flooded, long filtered, long malformed,
                           long lost, long duplicated, long corrupted, long reordered,
                           long queueDropped, long inFlightDropped, long noBuffer, long delivered, long portDropped) {}

    /**
     * One port of the switch: a {@link NetDevice} for a stack, and its link's settings and counters.
     * Transmitted frames enter the switch; frames the switch delivers wait in a bounded receive queue.
     */
    public final class Port implements NetDevice {

        /** The queue and the device counters; its wire is the switch. */
        private final MemoryNetDevice device;
        private final Tally tally = new Tally();
        /** Start times of frames waiting behind the link's bandwidth, oldest first; at most the queue limit. */
        private final ArrayDeque<Long> waiting = new ArrayDeque<>();
        /** When the link to this port finishes the frames given to it so far. */
        private long linkFreeAt = Long.MIN_VALUE;
        /** This port's own faults, or null for the switch's. */
        private Faults faults;
        private boolean closed;

        private Port(MemoryNetDevice device) {
            this.device = device;
            device.connect(frame -> ingress(this, frame));
        }

        /** Returns the switch this port belongs to. */
        public MemorySwitch owner() {
            return MemorySwitch.this;
        }

        /** Sets this port's own faults, for the link towards it; null returns it to the switch's. */
        public void setFaults(Faults faults) {
            this.faults = faults;
        }

        /** Returns the faults in force on the link towards this port. */
        public Faults effectiveFaults() {
            return faults != null ? faults : MemorySwitch.this.faults;
        }

        /** Returns this port's counters. */
        public Counters counters() {
            return tally.snapshot();
        }

        /** Sets the link state: a port that is down neither sends nor receives (both counted as dropped). */
        public void setLinkUp(boolean up) {
            device.setLinkUp(up);
        }

        /** Returns the frames waiting in the receive queue. */
        public int queued() {
            return device.queued();
        }

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
        public int receive(ByteBuf[] frames, int offset, int max) {
            return device.receive(frames, offset, max);
        }

        /** Hands every frame to the switch, which owns it from then on; accepts them all. */
        @Override
        public int transmit(ByteBuf[] frames, int offset, int count) {
            return device.transmit(frames, offset, count);
        }

        @Override
        public ByteBuf allocateFrame() {
            return device.allocateFrame();
        }

        @Override
        public void setWakeup(Runnable wakeup) {
            device.setWakeup(wakeup);
        }

        @Override
        public NetDeviceStats stats() {
            return device.stats();
        }

        /** Detaches the port: frames in flight to it and in its receive queue are released. Idempotent. */
        @Override
        public void close() {
            if (closed) {
                return;
            }
            closed = true;
            detach(this);
            device.close();
        }

        @Override
        public String toString() {
            return "MemorySwitch.Port[" + device.name() + ", " + device.mac() + "]";
        }
    }

    /** A learned address: the port it was last seen on, and when. */
    private static final class Station {
        Port port;
        long lastSeen;

        Station(Port port, long lastSeen) {
            this.port = port;
            this.lastSeen = lastSeen;
        }
    }

    /** A frame on its way: due at {@code arrival}; {@code sequence} keeps frames due together in sending order. */
    private record InFlight(long arrival, long sequence, Port port, ByteBuf frame) {}

    /** The mutable counters behind {@link Counters}. */
    private static final class Tally {
        long ingress, unicast, flooded, filtered, malformed;
        long lost, duplicated, corrupted, reordered, queueDropped, inFlightDropped, noBuffer, delivered, portDropped;

        void add(Tally o) {
            ingress += o.ingress;
            unicast += o.unicast;
            flooded += o.flooded;
            filtered += o.filtered;
            malformed += o.malformed;
            lost += o.lost;
            duplicated += o.duplicated;
            corrupted += o.corrupted;
            reordered += o.reordered;
            queueDropped += o.queueDropped;
            inFlightDropped += o.inFlightDropped;
            noBuffer += o.noBuffer;
            delivered += o.delivered;
            portDropped += o.portDropped;
        }

        Counters snapshot() {
            return new Counters(ingress, unicast, flooded, filtered, malformed, lost, duplicated, corrupted, reordered,
                    queueDropped, inFlightDropped, noBuffer, delivered, portDropped);
        }
    }
}
