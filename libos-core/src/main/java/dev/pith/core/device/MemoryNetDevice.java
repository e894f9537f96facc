package dev.pith.core.device;

import dev.pith.core.buffer.PacketBufferPool;
import io.netty.buffer.ByteBuf;
import java.util.Objects;
import java.util.Set;
import java.util.concurrent.ArrayBlockingQueue;
import java.util.concurrent.atomic.AtomicLong;
import java.util.function.Consumer;

/**
 * A network device in memory, for tests and for wiring stacks together inside one JVM:
 * frames it transmits go to a "wire" (another device, a switch port, a test's list), and frames
 * {@linkplain #deliver delivered} to it wait in a bounded receive queue until the stack takes
 * them. {@link #link} joins two devices back to back like a cable.
 *
 * <p>{@link #deliver} may be called from any thread; the rest follows {@link NetDevice}'s rules.
 */
public final class MemoryNetDevice implements NetDevice {

    private final String name;
    private final MacAddress mac;
    private final int mtu;
    private final PacketBufferPool pool;
    private final ArrayBlockingQueue<ByteBuf> received;
    private final AtomicLong rxFrames = new AtomicLong();
    private final AtomicLong rxBytes = new AtomicLong();
    private final AtomicLong rxDropped = new AtomicLong();
    private final AtomicLong txFrames = new AtomicLong();
    private final AtomicLong txBytes = new AtomicLong();
    private final AtomicLong txDropped = new AtomicLong();
    private volatile Consumer<ByteBuf> wire;
    private volatile Runnable wakeup = () -> {};
    private volatile boolean linkUp = true;
    private volatile boolean closed;

    /**
     * Creates a device.
     *
     * @param pool where {@link #allocateFrame()} takes buffers from; its buffers must hold {@code mtu + 14} bytes
     * @param queueCapacity bound of the receive queue; frames beyond it are dropped and counted
     */
    public MemoryNetDevice(String name, MacAddress mac, int mtu, PacketBufferPool pool, int queueCapacity) {
        this.name = Objects.requireNonNull(name, "name == null");
        this.mac = Objects.requireNonNull(mac, "mac == null");
        this.pool = Objects.requireNonNull(pool, "pool == null");
        if (mtu < 68 || pool.bufferSize() < mtu + 14) {
            throw new IllegalArgumentException("mtu " + mtu + " needs >= 68 and buffers of at least mtu + 14 bytes; the pool's hold "
                    + pool.bufferSize());
        }
        this.mtu = mtu;
        this.received = new ArrayBlockingQueue<>(queueCapacity);
    }

    /** Connects two devices back to back: what one transmits, the other receives. */
    public static void link(MemoryNetDevice a, MemoryNetDevice b) {
        a.connect(b::deliver);
        b.connect(a::deliver);
    }

    /** Sends every transmitted frame to {@code wire}, which takes ownership of it. */
    public void connect(Consumer<ByteBuf> wire) {
        this.wire = Objects.requireNonNull(wire, "wire == null");
    }

    /**
     * Puts a frame "on the wire" towards this device. The device owns {@code frame} from now on:
     * it queues it, or drops (releases) and counts it when the queue is full, the link is down or
     * the device is closed. Callable from any thread; returns whether the frame was queued.
     */
    public boolean deliver(ByteBuf frame) {
        if (closed || !linkUp || !received.offer(frame)) {
            rxDropped.incrementAndGet();
            frame.release();
            return false;
        }
        wakeup.run();
        return true;
    }

    /** Sets the link state; a device whose link is down neither sends nor receives. */
    public void setLinkUp(boolean up) {
        this.linkUp = up;
    }

    @Override
    public String name() {
        return name;
    }

    @Override
    public MacAddress mac() {
        return mac;
    }

    @Override
    public int mtu() {
        return mtu;
    }

    @Override
    public Set<NetOffload> offloads() {
        return Set.of();
    }

    @Override
    public boolean linkUp() {
        return linkUp;
    }

    @Override
    public int receive(ByteBuf[] frames, int offset, int max) {
        int n = 0;
        ByteBuf frame;
        while (n < max && (frame = received.poll()) != null) {
            rxFrames.incrementAndGet();
            rxBytes.addAndGet(frame.readableBytes());
            frames[offset + n++] = frame;
        }
        return n;
    }

    @Override
    public int transmit(ByteBuf[] frames, int offset, int count) {
        Consumer<ByteBuf> w = wire;
        for (int i = offset; i < offset + count; i++) {
            ByteBuf frame = frames[i];
            txFrames.incrementAndGet();
            txBytes.addAndGet(frame.readableBytes());
            if (w == null || !linkUp || closed) {
                txDropped.incrementAndGet();
                frame.release();
            } else {
                w.accept(frame);
            }
        }
        return count;
    }

    @Override
    public ByteBuf allocateFrame() {
        return pool.tryAllocate();
    }

    @Override
    public void setWakeup(Runnable wakeup) {
        this.wakeup = Objects.requireNonNull(wakeup, "wakeup == null");
    }

    @Override
    public NetDeviceStats stats() {
        return new NetDeviceStats(rxFrames.get(), rxBytes.get(), rxDropped.get(), txFrames.get(), txBytes.get(), txDropped.get());
    }

    /** Returns the number of frames waiting in the receive queue. */
    public int queued() {
        return received.size();
    }

    @Override
    public void close() {
        closed = true;
        ByteBuf frame;
        while ((frame = received.poll()) != null) {
            frame.release();
        }
    }

    @Override
    public String toString() {
        return "MemoryNetDevice[" + name + ", " + mac + "]";
    }
}
