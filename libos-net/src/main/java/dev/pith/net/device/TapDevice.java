package dev.pith.net.device;

import dev.pith.core.buffer.PacketBufferPool;
import dev.pith.core.device.MacAddress;
import dev.pith.core.device.NetDevice;
import dev.pith.core.device.NetDeviceStats;
import dev.pith.core.device.NetOffload;
import dev.pith.core.sys.Errno;
import dev.pith.core.sys.Linux;
import dev.pith.core.sys.SyscallException;
import io.netty.buffer.ByteBuf;
import java.io.IOException;
import java.lang.foreign.Arena;
import java.lang.foreign.MemorySegment;
import java.lang.foreign.ValueLayout;
import java.nio.ByteBuffer;
import java.nio.charset.StandardCharsets;
import java.time.Duration;
import java.util.Objects;
import java.util.Set;
import java.util.concurrent.ArrayBlockingQueue;
import java.util.concurrent.atomic.AtomicLong;

/**
 * A Linux TAP interface: Ethernet frames to and from the host kernel, through {@code /dev/net/tun}
 * and FFM system calls. The hosted platform's real network device; it needs root or
 * {@code CAP_NET_ADMIN} (Documentation/networking/tuntap.rst).
 *
 * <pre>{@code
 * TapDevice tap = TapDevice.open("pith0", MacAddress.local(1), 1500, pool, 256);
 * tap.setWakeup(loop::wakeup);
 * // host side: ip addr add 10.0.0.1/24 dev pith0 && ip link set pith0 up
 * }</pre>
 *
 * <p>The {@link #mac()} is the unikernel's own address, the source of the frames it sends; the
 * kernel's side of the interface has another one, chosen by the kernel. The kernel's side keeps its
 * own MTU (1500 unless {@code ip link set <if> mtu N} changes it); keep it at or below {@link #mtu()}.
 *
 * <p>Threads: one platform reader thread, daemon, named {@code pith-tap-<if>}, waits in
 * {@code poll(POLLIN, 100 ms)}, then reads up to {@value #READ_BATCH} frames without blocking (the
 * descriptor is {@code O_NONBLOCK}, as the critical {@code read} downcall requires) into buffers from
 * the pool, queues them in a bounded queue and runs the {@linkplain #setWakeup wake-up}. When the pool
 * is empty or the queue full it still reads the frame, into scratch memory, and drops it, counted in
 * {@code rxDropped}: the kernel's queue never backs up into the loop. {@link #receive} and
 * {@link #transmit} belong to the event loop thread; {@link #transmit} writes each frame with one
 * non-blocking {@code write(2)}.
 *
 * <p>Memory: reads and writes go straight to and from a buffer's memory when it is direct (a
 * {@code MemorySegment} view of {@code nioBuffer}); heap buffers are copied through scratch memory.
 * Each direct read or write allocates its two short-lived view objects ({@code ByteBuffer},
 * {@code MemorySegment}), which escape analysis usually removes. No offloads: the interface is
 * opened without {@code IFF_VNET_HDR}, so the kernel checksums and segments everything.
 *
 * <p>Limits: frames longer than {@code mtu + 14} bytes, or than a pool buffer, are dropped and counted;
 * the interface is not persistent, so the kernel deletes it when {@link #close()} closes the
 * descriptor (unless it was made persistent beforehand, e.g. with {@code ip tuntap add}).
 */
public final class TapDevice implements NetDevice {

    /** Default bound of the receive queue, in frames. */
    public static final int DEFAULT_QUEUE_CAPACITY = 256;
    /** Frames the reader takes per {@code poll} before it wakes the loop. */
    public static final int READ_BATCH = 64;
    /** How long the reader waits in one {@code poll}: the longest {@link #close()} waits for it to notice. */
    public static final int POLL_TIMEOUT_MILLIS = 100;

    /** {@code _IOW('T', 202, int)} in include/uapi/linux/if_tun.h: dir 1 (write) << 30 | sizeof(int) << 16 | 'T' << 8 | 202. */
    static final long TUNSETIFF = 1L << 30 | 4L << 16 | 'T' << 8 | 202;
    /** include/uapi/linux/if_tun.h: an Ethernet (layer 2) device, as opposed to IFF_TUN (0x0001, IP packets). */
    static final short IFF_TAP = 0x0002;
    /** include/uapi/linux/if_tun.h: no 4-byte {flags, proto} packet-information header before each frame. */
    static final short IFF_NO_PI = 0x1000;
    /** include/uapi/linux/if.h: an interface name has at most 15 bytes and a NUL. */
    static final int IFNAMSIZ = 16;
    /** {@code struct ifreq} on x86_64: ifr_name[16], then a union whose largest member, struct ifmap, has 24 bytes. */
    static final int IFREQ_SIZE = 40;
    /** Offset of {@code ifr_flags} (a short) in the union after ifr_name. */
    static final int IFREQ_FLAGS = 16;
    /** include/uapi/asm-generic/poll.h: the descriptor is not open. Not in {@link Linux}'s constants. */
    private static final short POLLNVAL = 0x0020;
    /** Scratch for frames read to be dropped and for copying heap buffers: the largest frame a TAP hands over. */
    private static final int SCRATCH_SIZE = 65_536;

    private static final System.Logger LOG = System.getLogger(TapDevice.class.getName());

    private final String name;
    private final MacAddress mac;
    private final int mtu;
    private final PacketBufferPool pool;
    private final int fd;
    /** Owns the two scratch segments; closed after the reader thread ends. */
    private final Arena arena = Arena.ofShared();
    /** Written only by the reader thread. */
    private final MemorySegment rxScratch;
    /** Written only by the loop thread, for heap buffers. */
    private final MemorySegment txScratch;
    private final ArrayBlockingQueue<ByteBuf> received;
    private final Thread reader;
    private final AtomicLong rxFrames = new AtomicLong();
    private final AtomicLong rxBytes = new AtomicLong();
    private final AtomicLong rxDropped = new AtomicLong();
    private final AtomicLong txFrames = new AtomicLong();
    private final AtomicLong txBytes = new AtomicLong();
    private final AtomicLong txDropped = new AtomicLong();
    private volatile Runnable wakeup = () -> {};
    /** False once close() began: the reader stops at its next poll timeout. */
    private volatile boolean running = true;
    /** Set when the reader met an error it cannot go on after (interface deleted, descriptor broken). */
    private volatile boolean failed;
    /** Whether a write error other than EAGAIN was logged; later ones are only counted. */
    private boolean writeErrorLogged;
    private boolean closed;

    private TapDevice(String name, MacAddress mac, int mtu, PacketBufferPool pool, int queueCapacity, int fd) {
        this.name = name;
        this.mac = mac;
        this.mtu = mtu;
        this.pool = pool;
        this.fd = fd;
        this.received = new ArrayBlockingQueue<>(queueCapacity);
        this.rxScratch = arena.allocate(SCRATCH_SIZE, 64);
        this.txScratch = arena.allocate(SCRATCH_SIZE, 64);
        this.reader = Thread.ofPlatform().name("pith-tap-" + name).daemon(true).unstarted(this::readLoop);
    }

    /**
     * Creates (or attaches to an existing, unattached) TAP interface named {@code interfaceName} and
     * starts its reader thread. The interface is left down and without addresses: configure the host
     * side with {@code ip}. A name with {@code %d} (e.g. "pith%d") lets the kernel pick the number;
     * {@link #name()} then returns the name it picked.
     *
     * @param mac the unikernel's address, the source of the frames it sends
     * @param mtu the largest payload after the 14-byte Ethernet header, 68 to 65,521
     * @param pool where received frames and {@link #allocateFrame()} take buffers from; buffers of at
     *     least {@code mtu + 14} bytes. The caller closes it after this device.
     * @param queueCapacity bound of the receive queue in frames; frames beyond it are dropped and counted
     * @throws IOException naming the interface and the fix when /dev/net/tun cannot be opened or the
     *     interface cannot be created (most often: not root, or the name is taken)
     */
    public static TapDevice open(String interfaceName, MacAddress mac, int mtu, PacketBufferPool pool, int queueCapacity)
            throws IOException {
        Objects.requireNonNull(interfaceName, "interfaceName == null");
        Objects.requireNonNull(mac, "mac == null");
        Objects.requireNonNull(pool, "pool == null");
        byte[] nameBytes = interfaceName.getBytes(StandardCharsets.US_ASCII);
        if (nameBytes.length == 0 || nameBytes.length >= IFNAMSIZ || !interfaceName.matches("[A-Za-z0-9_.%-]+")
                || interfaceName.equals(".") || interfaceName.equals("..")) {
            throw new IllegalArgumentException("not a valid interface name (1 to 15 of A-Z a-z 0-9 _ . - %): \""
                    + interfaceName + "\"");
        }
        if (mac.isMulticast()) {
            throw new IllegalArgumentException("mac " + mac + " is a group address; a device needs a unicast one");
        }
        if (mtu < 68 || mtu > 65_535 - 14) {
            throw new IllegalArgumentException("mtu " + mtu + " is outside 68..65521");
        }
        if (pool.bufferSize() < mtu + 14) {
            throw new IllegalArgumentException("mtu " + mtu + " needs pool buffers of at least " + (mtu + 14)
                    + " bytes; the pool's hold " + pool.bufferSize());
        }
        if (queueCapacity < 1) {
            throw new IllegalArgumentException("queueCapacity < 1: " + queueCapacity);
        }

        int fd;
        try {
            fd = Linux.open("/dev/net/tun", Linux.O_RDWR | Linux.O_CLOEXEC | Linux.O_NONBLOCK, 0);
        } catch (SyscallException e) {
            throw new IOException("cannot open TAP interface " + interfaceName + ": " + openAdvice(e.errnoValue()), e);
        }
        String actualName;
        try (Arena confined = Arena.ofConfined()) {
            MemorySegment ifreq = confined.allocate(IFREQ_SIZE, 8); // zeroed: the union must be 0 besides the flags
            MemorySegment.copy(nameBytes, 0, ifreq, ValueLayout.JAVA_BYTE, 0, nameBytes.length);
            ifreq.set(ValueLayout.JAVA_SHORT, IFREQ_FLAGS, (short) (IFF_TAP | IFF_NO_PI));
            Linux.ioctl(fd, TUNSETIFF, ifreq);
            actualName = ifreq.getString(0, StandardCharsets.US_ASCII); // the kernel writes back the name it used
        } catch (SyscallException e) {
            closeQuietly(fd);
            throw new IOException("cannot create TAP interface " + interfaceName + ": " + ioctlAdvice(e.errnoValue(), interfaceName), e);
        } catch (RuntimeException | Error e) {
            closeQuietly(fd);
            throw e;
        }
        TapDevice device;
        try {
            device = new TapDevice(actualName, mac, mtu, pool, queueCapacity, fd);
        } catch (RuntimeException | Error e) {
            closeQuietly(fd);
            throw e;
        }
        device.reader.start();
        return device;
    }

    /** Opens with a receive queue of {@value #DEFAULT_QUEUE_CAPACITY} frames; see {@link #open(String, MacAddress, int, PacketBufferPool, int)}. */
    public static TapDevice open(String interfaceName, MacAddress mac, int mtu, PacketBufferPool pool) throws IOException {
        return open(interfaceName, mac, mtu, pool, DEFAULT_QUEUE_CAPACITY);
    }

    private static String openAdvice(Errno errno) {
        return switch (errno) {
            case EACCES, EPERM -> "opening /dev/net/tun needs root or CAP_NET_ADMIN";
            case ENOENT -> "/dev/net/tun does not exist: load the tun module (modprobe tun) or create the node"
                    + " (mkdir -p /dev/net && mknod /dev/net/tun c 10 200)";
            case ENODEV, ENXIO -> "the kernel has no TUN/TAP driver: load it with modprobe tun (CONFIG_TUN)";
            default -> "open(\"/dev/net/tun\") failed with " + errno;
        };
    }

    private static String ioctlAdvice(Errno errno, String interfaceName) {
        return switch (errno) {
            case EPERM, EACCES -> "needs root or CAP_NET_ADMIN (or a persistent TAP this user owns: ip tuntap add "
                    + interfaceName + " mode tap user <user>)";
            case EBUSY -> "the interface is already attached to another descriptor (another process uses it);"
                    + " pick another name or stop that process";
            case EINVAL -> "an interface of that name exists and is not a TAP without packet information (a TUN,"
                    + " a bridge, a veth ...); pick another name or delete it (ip link del " + interfaceName + ")";
            case ENFILE, EMFILE, ENOMEM -> "the system is out of descriptors or memory (" + errno + ")";
            default -> "ioctl(TUNSETIFF) failed with " + errno;
        };
    }

    private static void closeQuietly(int fd) {
        try {
            Linux.close(fd);
        } catch (SyscallException ignored) {
            // Setup already failed; that error is the one to report.
        }
    }

    // ---------------------------------------------------------------- the reader thread

    private void readLoop() {
        try {
            while (running) {
                short revents = Linux.poll(fd, Linux.POLLIN, POLL_TIMEOUT_MILLIS);
                if (revents == 0) {
                    continue;
                }
                if ((revents & (Linux.POLLERR | Linux.POLLHUP | POLLNVAL)) != 0) {
                    // tun_chr_poll returns EPOLLERR once the interface is gone (ip link del).
                    fail("poll reported revents 0x" + Integer.toHexString(revents & 0xFFFF)
                            + " (the interface was deleted?)", null);
                    return;
                }
                boolean queued = false;
                for (int i = 0; i < READ_BATCH && running; i++) {
                    int result = readFrame();
                    if (result < 0) {
                        break;
                    }
                    queued |= result > 0;
                }
                if (queued) {
                    wakeup.run();
                }
            }
        } catch (SyscallException e) {
            if (e.errnoValue() != Errno.EINTR) {
                fail(e.getMessage(), e);
            }
        } catch (RuntimeException | Error e) { // pool closed under us, or a bug: stop rather than spin
            fail(e.toString(), e);
        }
    }

    /** Reads one frame: returns 1 if queued, 0 if read and dropped, -1 if none was waiting (EAGAIN). */
    private int readFrame() throws SyscallException {
        ByteBuf buf = received.remainingCapacity() > 0 ? pool.tryAllocate() : null;
        if (buf == null) {
            return readAndDrop();
        }
        MemorySegment direct = segment(buf, 0, buf.capacity());
        MemorySegment target = direct != null ? direct : rxScratch.asSlice(0, Math.min(buf.capacity(), SCRATCH_SIZE));
        long length;
        try {
            length = Linux.read(fd, target);
        } catch (SyscallException e) {
            buf.release();
            return switch (e.errnoValue()) {
                case EAGAIN, EINTR -> -1;
                case EFAULT -> dropped(); // the frame did not fit the buffer; the kernel consumed it
                default -> throw e;
            };
        }
        if (length < 14 || length > mtu + 14) {
            buf.release();
            return dropped();
        }
        if (direct == null) {
            buf.setBytes(0, rxScratch.asSlice(0, length).asByteBuffer());
        }
        buf.writerIndex((int) length);
        if (!received.offer(buf)) { // only the loop takes from the queue, so this cannot happen; stay safe
            buf.release();
            return dropped();
        }
        return 1;
    }

    private int readAndDrop() throws SyscallException {
        try {
            Linux.read(fd, rxScratch);
        } catch (SyscallException e) {
            return switch (e.errnoValue()) {
                case EAGAIN, EINTR -> -1;
                default -> throw e;
            };
        }
        return dropped();
    }

    private int dropped() {
        rxDropped.incrementAndGet();
        return 0;
    }

    private void fail(String reason, Throwable cause) {
        if (!running) {
            return; // closing: errors on the way out are expected
        }
        failed = true;
        LOG.log(System.Logger.Level.WARNING, "TAP " + name + ": reader stopped, link down: " + reason, cause);
        wakeup.run();
    }

    /**
     * Returns a native view of {@code buf}'s bytes {@code [index, index + length)} without copying, or
     * null when its memory is on the heap or not one contiguous region.
     */
    private static MemorySegment segment(ByteBuf buf, int index, int length) {
        if (!buf.isDirect() || buf.nioBufferCount() != 1) {
            return null;
        }
        ByteBuffer view = buf.nioBuffer(index, length);
        return view.isDirect() ? MemorySegment.ofBuffer(view) : null;
    }

    // ---------------------------------------------------------------- NetDevice

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

    /** Returns true until {@link #close()} or until the reader failed (the interface was deleted). */
    @Override
    public boolean linkUp() {
        return running && !failed;
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

    /**
     * Writes each frame's readable bytes to the interface with one non-blocking {@code write(2)} and
     * releases it; accepts every frame. A frame the kernel refuses — EAGAIN (its queue is full), EIO
     * (the interface is down), any other error — or a device that is closed or failed drops it and
     * counts it in {@code txDropped}; nothing is retried or thrown. The first error other than EAGAIN
     * is logged.
     */
    @Override
    public int transmit(ByteBuf[] frames, int offset, int count) {
        for (int i = offset; i < offset + count; i++) {
            ByteBuf frame = frames[i];
            int length = frame.readableBytes();
            txFrames.incrementAndGet();
            txBytes.addAndGet(length);
            try {
                if (closed || failed || !write(frame, length)) {
                    txDropped.incrementAndGet();
                }
            } finally {
                frame.release();
            }
        }
        return count;
    }

    private boolean write(ByteBuf frame, int length) {
        MemorySegment source = segment(frame, frame.readerIndex(), length);
        if (source == null) {
            if (length > SCRATCH_SIZE) {
                return false;
            }
            frame.getBytes(frame.readerIndex(), txScratch.asSlice(0, length).asByteBuffer());
            source = txScratch.asSlice(0, length);
        }
        try {
            return Linux.write(fd, source) == length; // a TAP write takes the whole frame or fails
        } catch (SyscallException e) {
            if (e.errnoValue() != Errno.EAGAIN && !writeErrorLogged) {
                writeErrorLogged = true;
                LOG.log(System.Logger.Level.WARNING, "TAP " + name + ": dropping frames, the first: " + e.getMessage()
                        + " (later failures are only counted in txDropped)");
            }
            return false;
        }
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

    /**
     * Stops the reader thread (within {@value #POLL_TIMEOUT_MILLIS} ms, its poll timeout), closes the
     * descriptor — which deletes a non-persistent interface — and releases the frames still queued.
     * Idempotent.
     */
    @Override
    public void close() {
        if (closed) {
            return;
        }
        closed = true;
        running = false;
        boolean stopped = joinReader();
        if (stopped) {
            try {
                Linux.close(fd);
            } catch (SyscallException e) {
                LOG.log(System.Logger.Level.WARNING, "TAP " + name + ": " + e.getMessage());
            }
            arena.close();
        } else {
            // Never close a descriptor a thread may still read: the number could be reused by then.
            LOG.log(System.Logger.Level.WARNING, "TAP " + name + ": reader thread did not stop; leaving fd " + fd + " open");
        }
        ByteBuf frame;
        while ((frame = received.poll()) != null) {
            frame.release();
        }
    }

    private boolean joinReader() {
        if (Thread.currentThread() == reader) {
            return false;
        }
        boolean interrupted = false;
        try {
            while (true) {
                try {
                    return reader.join(Duration.ofSeconds(10));
                } catch (InterruptedException e) {
                    interrupted = true;
                }
            }
        } finally {
            if (interrupted) {
                Thread.currentThread().interrupt();
            }
        }
    }

    @Override
    public String toString() {
        return "TapDevice[" + name + ", " + mac + ", mtu " + mtu + "]";
    }
}
