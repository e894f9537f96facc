package dev.pith.block.virtio;

import static dev.pith.block.virtio.VirtioBlkProtocol.F_BLK_SIZE;
import static dev.pith.block.virtio.VirtioBlkProtocol.F_FLUSH;
import static dev.pith.block.virtio.VirtioBlkProtocol.F_RO;
import static dev.pith.block.virtio.VirtioBlkProtocol.F_SEG_MAX;
import static dev.pith.block.virtio.VirtioBlkProtocol.F_SIZE_MAX;
import static dev.pith.block.virtio.VirtioBlkProtocol.HEADER_LENGTH;
import static dev.pith.block.virtio.VirtioBlkProtocol.SECTOR_SIZE;
import static dev.pith.block.virtio.VirtioBlkProtocol.STATUS_LENGTH;
import static dev.pith.block.virtio.VirtioBlkProtocol.S_IOERR;
import static dev.pith.block.virtio.VirtioBlkProtocol.S_OK;
import static dev.pith.block.virtio.VirtioBlkProtocol.S_UNSUPP;
import static dev.pith.block.virtio.VirtioBlkProtocol.T_FLUSH;
import static dev.pith.block.virtio.VirtioBlkProtocol.T_IN;
import static dev.pith.block.virtio.VirtioBlkProtocol.T_OUT;

import dev.pith.core.EventLoop;
import dev.pith.core.Pollable;
import dev.pith.core.Timer;
import dev.pith.core.buffer.DmaRegion;
import dev.pith.core.buffer.PacketBuffers;
import dev.pith.core.device.AbstractBlockDevice;
import dev.pith.core.device.BlockCompletion;
import dev.pith.core.device.BlockStatus;
import dev.pith.core.dma.DmaArena;
import dev.pith.core.pci.PciAddress;
import dev.pith.core.pci.PciDevice;
import dev.pith.core.virtio.Virtio;
import dev.pith.core.virtio.VirtioException;
import dev.pith.core.virtio.VirtioPciTransport;
import dev.pith.core.virtio.Virtqueue;
import io.netty.buffer.ByteBuf;
import java.io.IOException;
import java.nio.file.Path;
import java.time.Duration;
import java.util.ArrayDeque;
import java.util.List;
import java.util.Objects;
import java.util.concurrent.RejectedExecutionException;
import java.util.function.Consumer;

/**
 * A virtio-blk disk (virtio 1.2 §5.2) over the modern PCI transport, driven from the event loop:
 * the {@link dev.pith.core.device.BlockDevice} of the guest platform.
 *
 * <pre>{@code
 * DmaArena dma = DmaArena.allocate(4 << 20);
 * VirtioBlk disk = VirtioBlk.openBySerial(loop, PciDevice.SYSFS, dma, "data");  // -device virtio-blk-pci,serial=data
 * disk.read(0, 8, buffer, 0, status -> ...);                                    // completes on the loop
 * }</pre>
 *
 * <p>Each caller request becomes one or more virtio-blk requests, each a descriptor chain of a
 * 16-byte header (device-readable), the data (readable for a write, writable for a read) and a
 * 1-byte status (writable) (§5.2.6). The header and status live in a preallocated {@code
 * RequestSlot} per request in flight; the data goes straight to the caller's buffer when it is a
 * {@link dev.pith.core.buffer.DmaBuffer} (a root buffer from a DMA pool, physically contiguous),
 * else through a bounce buffer, counted in {@link VirtioBlkStats#bouncedRequests()}. A request is
 * cut where it would exceed {@code size_max} per descriptor, {@code seg_max} descriptors, 1 MiB, or
 * a bounce buffer. One queue; at most a third of its descriptors' worth of caller requests in
 * flight ({@link #maxInFlight()}, 85 for QEMU's 256), more complete with BUSY.
 *
 * <p>Completions are reaped by a {@link Pollable} on the loop; the device is asked not to
 * interrupt (VIRTQ_AVAIL_F_NO_INTERRUPT, §2.7.7). Status mapping: VIRTIO_BLK_S_OK → OK, IOERR →
 * IO_ERROR, UNSUPP → UNSUPPORTED; a status the device never wrote, or a read whose used length does
 * not cover its data and status, → IO_ERROR, counted. Flush is VIRTIO_BLK_T_FLUSH when the device
 * offers VIRTIO_BLK_F_FLUSH, else UNSUPPORTED at once.
 *
 * <p>If the device breaks the queue protocol (a used id out of range or not in flight, a used
 * length beyond the chain, a used index that jumps) or keeps a request longer than the
 * {@linkplain VirtioBlkSettings#requestTimeout() request timeout}, the driver resets it, ends
 * every request in flight with IO_ERROR, and ends every later request with IO_ERROR:
 * {@link #failed()} and {@link #faultMessage()} say why. {@link #close()} resets the device and
 * ends the requests in flight with CLOSED; later requests end with CLOSED.
 *
 * <p>Setup throws, loudly and precisely ({@link VirtioException}); the data path never throws at
 * the device's fault. Use from the loop thread only, except {@link #open} (any thread, before the
 * device is used) and {@link #close()}.
 */
public final class VirtioBlk extends AbstractBlockDevice {

    /**
     * The serial of the image's own boot disk when it is attached as virtio-blk
     * ({@code -device virtio-blk-pci,drive=boot,serial=pith-boot}): {@link #openBySerial} and
     * {@link #openByIndex} never take it as a data disk. A boot disk without a serial is known by
     * its MBR disk signature instead, if {@link VirtioBlkSettings#bootDiskSignature()} is set.
     */
    public static final String BOOT_DISK_SERIAL = "pith-boot";

    private static final System.Logger LOG = System.getLogger(VirtioBlk.class.getName());
    /** The features this driver understands (§5.2.3); VERSION_1 is always asked for. */
    private static final long WANTED_FEATURES = Virtio.feature(F_RO) | Virtio.feature(F_BLK_SIZE)
            | Virtio.feature(F_FLUSH) | Virtio.feature(F_SEG_MAX) | Virtio.feature(F_SIZE_MAX);
    /** How long a reset after a fault or on close may take; QEMU resets synchronously. */
    static final Duration RESET_TIMEOUT = Duration.ofMillis(100);

    private final VirtioPciTransport transport;
    /** The PCI function, closed by {@link #close()}; null for a transport without one (host tests). */
    private final PciDevice pci;
    private final Virtqueue<RequestSlot> queue;
    private final String serial;
    private final RequestLimits limits;
    private final boolean flushSupported;
    private final long requestTimeoutNanos;

    private final RequestSlot[] slots;
    private final int[] freeSlots;
    private int freeSlotCount;
    private final BlockRequest[] requests;
    private final BlockRequest[] freeRequests;
    private int freeRequestCount;
    /** Requests with parts not yet exposed, oldest first; sized so that it never grows. */
    private final ArrayDeque<BlockRequest> backlog;
    private final BouncePool bounce;
    /** Scratch arrays for {@link Virtqueue#addChain}: header, up to maxSegments data descriptors, status. */
    private final long[] chainAddresses;
    private final int[] chainLengths;

    private final Virtqueue.UsedConsumer<RequestSlot> reaper = this::reaped;
    private final Consumer<RequestSlot> reclaimer = this::reclaimed;
    private final Pollable poller = this::poll;
    private final Timer watchdog;

    /** True while {@link Virtqueue#poll} runs: completions may submit, but kicks and close wait for its end. */
    private boolean reaping;
    private boolean closePending;
    private boolean shutDown;
    private boolean failed;
    private String faultMessage;
    /** The status {@link #reclaimed} gives the chains it takes back after a reset. */
    private BlockStatus endStatus = BlockStatus.IO_ERROR;

    private long chains;
    private long splitRequests;
    private long bouncedRequests;
    private long backlogWaits;
    private long malformedCompletions;
    private long timeouts;
    private long deviceFaults;

    private VirtioBlk(EventLoop loop, VirtioPciTransport transport, PciDevice pci, Virtqueue<RequestSlot> queue,
            String serial, boolean readOnly, RequestLimits limits, boolean flushSupported, RequestSlot[] slots,
            BouncePool bounce, VirtioBlkSettings settings) {
        super(loop, serial.isEmpty() ? transport.name() : serial, limits.sectorSize(), limits.sectors(), readOnly,
                slots.length);
        this.transport = transport;
        this.pci = pci;
        this.queue = queue;
        this.serial = serial;
        this.limits = limits;
        this.flushSupported = flushSupported;
        this.requestTimeoutNanos = settings.requestTimeout().toNanos();
        this.slots = slots;
        this.freeSlots = new int[slots.length];
        for (int i = 0; i < slots.length; i++) {
            freeSlots[i] = slots.length - 1 - i; // hand out slot 0 first
        }
        this.freeSlotCount = slots.length;
        this.requests = new BlockRequest[slots.length];
        this.freeRequests = new BlockRequest[slots.length];
        for (int i = 0; i < slots.length; i++) {
            requests[i] = new BlockRequest();
            freeRequests[i] = requests[i];
        }
        this.freeRequestCount = slots.length;
        this.backlog = new ArrayDeque<>(slots.length);
        this.bounce = bounce;
        this.chainAddresses = new long[limits.maxSegments() + 2];
        this.chainLengths = new int[limits.maxSegments() + 2];
        this.watchdog = loop.timer(this::checkTimeouts);
    }

    // ---- Opening.

    /** Opens the virtio-blk device {@code pci} with the default settings; see {@link #open(EventLoop, PciDevice, DmaArena, VirtioBlkSettings)}. */
    public static VirtioBlk open(EventLoop loop, PciDevice pci, DmaArena dma) throws IOException {
        return open(loop, pci, dma, VirtioBlkSettings.DEFAULT);
    }

    /**
     * Opens the virtio-blk device {@code pci}: reset, bus mastering, features (VERSION_1 required;
     * RO, BLK_SIZE, FLUSH, SEG_MAX, SIZE_MAX when offered), the request queue, DRIVER_OK, and the
     * serial through GET_ID. The disk then belongs to {@code loop}; it takes ownership of {@code
     * pci} (closed by {@link #close()}) but not of {@code dma}, which must outlive it. On failure
     * the device is reset and marked FAILED, and {@code pci} stays the caller's.
     *
     * @param dma guest-physical memory for the queue, request headers and bounce buffers (about
     *     16 KiB plus the bounce buffers, 256 KiB by default)
     * @throws IllegalArgumentException if {@code pci} is not a virtio-blk function (1af4:1042 or 1af4:1001)
     * @throws VirtioException naming the device, register and values, if the device refuses setup
     */
    public static VirtioBlk open(EventLoop loop, PciDevice pci, DmaArena dma, VirtioBlkSettings settings)
            throws IOException {
        Objects.requireNonNull(pci, "pci == null");
        if (!isBlockDevice(pci.vendorId(), pci.deviceId())) {
            throw new IllegalArgumentException(pci + " is not a virtio-blk device (want 1af4:"
                    + Integer.toHexString(Virtio.PCI_DEVICE_ID_BLOCK) + " or 1af4:"
                    + Integer.toHexString(Virtio.PCI_DEVICE_ID_BLOCK_TRANSITIONAL) + ")");
        }
        return open(loop, VirtioPciTransport.open(pci), pci, dma, settings);
    }

    /** Opens the device behind {@code transport}; {@code pci} may be null (a software device in tests). */
    static VirtioBlk open(EventLoop loop, VirtioPciTransport transport, PciDevice pci, DmaArena dma,
            VirtioBlkSettings settings) throws IOException {
        Objects.requireNonNull(loop, "loop == null");
        Objects.requireNonNull(dma, "dma == null");
        Objects.requireNonNull(settings, "settings == null");
        String name = transport.name();
        transport.reset(); // §3.1.1 step 1; firmware may have used the device to boot (DESIGN.md §3)
        try {
            if (pci != null) {
                pci.enableBusMaster(); // PCI Local Bus 3.0 §6.2.2: without it the device cannot DMA
            }
            long features = transport.negotiate(WANTED_FEATURES);
            VirtioBlkConfig config = VirtioBlkConfig.read(transport);
            int queueSize = queueSize(transport, dma, settings);
            RequestLimits limits = RequestLimits.of(name, config, queueSize);
            Virtqueue<RequestSlot> queue = Virtqueue.allocate(dma, name + " requestq", queueSize);
            transport.setUpQueue(0, queue);
            queue.setNoInterrupt(true); // §2.7.7: the driver polls; interrupts would only cost exits
            // Three descriptors per request at least (§5.2.6): header, data, status.
            RequestSlot[] slots = RequestSlot.allocate(dma, queueSize / 3);
            BouncePool bounce = BouncePool.allocate(name, dma, settings.bounceBuffers(), settings.bounceBufferBytes(),
                    limits.sectorSize());
            DmaRegion scratch = dma.allocate(SetupRequests.GET_ID_SCRATCH_BYTES, 16);
            transport.driverOk();
            String serial = SetupRequests.serial(name, queue, slots[0], scratch, settings.setupTimeout());
            VirtioBlk disk = new VirtioBlk(loop, transport, pci, queue, serial,
                    (features & Virtio.feature(F_RO)) != 0, limits, (features & Virtio.feature(F_FLUSH)) != 0,
                    slots, bounce, settings);
            disk.register();
            return disk;
        } catch (IOException | RuntimeException e) {
            // Stop the device (it may hold the GET_ID request) and tell it we gave up (§2.1).
            try {
                transport.reset(RESET_TIMEOUT);
            } catch (VirtioException suppressed) {
                e.addSuppressed(suppressed);
            }
            transport.fail();
            throw e;
        }
    }

    private static int queueSize(VirtioPciTransport transport, DmaArena dma, VirtioBlkSettings settings)
            throws VirtioException {
        int max = transport.maxQueueSize(0);
        // Split virtqueues have power-of-two sizes (§2.7); the descriptor table must fit one DMA chunk.
        int size = Integer.highestOneBit(Math.max(1, Math.min(max, settings.maxQueueSize())));
        size = (int) Math.min(size, Long.highestOneBit(dma.chunkSize() / 16));
        if (size < 4) {
            throw new VirtioException(transport.name() + ": cannot set up requestq: the device allows " + max
                    + " descriptors, a request needs 3 (header, data, status) and this driver at least 4");
        }
        return size;
    }

    private void register() {
        if (loop.inLoop()) {
            loop.register(poller);
        } else {
            loop.execute(() -> loop.register(poller));
        }
    }

    static boolean isBlockDevice(int vendorId, int deviceId) {
        return vendorId == Virtio.PCI_VENDOR_ID && (deviceId == Virtio.PCI_DEVICE_ID_BLOCK
                || deviceId == Virtio.PCI_DEVICE_ID_BLOCK_TRANSITIONAL);
    }

    // ---- Finding disks.

    /**
     * Lists the virtio-blk functions under {@code sysfs} (1af4:1042 modern, 1af4:1001
     * transitional), in PCI address order: QEMU's order of {@code -device} options on one bus.
     */
    public static List<PciAddress> find(Path sysfs) throws IOException {
        return DiskSelection.find(sysfs);
    }

    /**
     * Opens the virtio-blk disk whose serial is {@code serial}, as QEMU's {@code -device
     * virtio-blk-pci,...,serial=data} sets it: probes each candidate's serial with GET_ID in PCI
     * order, resets those that do not match, and opens the first that does and is not the boot disk
     * (see {@link #BOOT_DISK_SERIAL}).
     *
     * @throws IOException if no data disk has that serial; the message lists what was found
     */
    public static VirtioBlk openBySerial(EventLoop loop, Path sysfs, DmaArena dma, String serial) throws IOException {
        return openBySerial(loop, sysfs, dma, serial, VirtioBlkSettings.DEFAULT);
    }

    /** As {@link #openBySerial(EventLoop, Path, DmaArena, String)}, with settings. */
    public static VirtioBlk openBySerial(EventLoop loop, Path sysfs, DmaArena dma, String serial,
            VirtioBlkSettings settings) throws IOException {
        return DiskSelection.openBySerial(loop, DiskSelection.candidates(sysfs), dma, serial, settings);
    }

    /**
     * Opens the {@code index}th virtio-blk data disk in PCI order, counting from 0 and skipping the
     * boot disk (serial {@value #BOOT_DISK_SERIAL}, or the MBR signature of
     * {@link VirtioBlkSettings#bootDiskSignature()}); the others are probed and reset.
     *
     * @throws IOException if there are not that many data disks; the message lists what was found
     */
    public static VirtioBlk openByIndex(EventLoop loop, Path sysfs, DmaArena dma, int index) throws IOException {
        return openByIndex(loop, sysfs, dma, index, VirtioBlkSettings.DEFAULT);
    }

    /** As {@link #openByIndex(EventLoop, Path, DmaArena, int)}, with settings. */
    public static VirtioBlk openByIndex(EventLoop loop, Path sysfs, DmaArena dma, int index,
            VirtioBlkSettings settings) throws IOException {
        return DiskSelection.openByIndex(loop, DiskSelection.candidates(sysfs), dma, index, settings);
    }

    // ---- Accessors.

    /** Returns the serial the device reported through GET_ID; "" if it has none. {@link #id()} falls back to the PCI address. */
    public String serial() {
        return serial;
    }

    /** Returns whether flush reaches the device (VIRTIO_BLK_F_FLUSH); without it flush completes UNSUPPORTED. */
    public boolean flushSupported() {
        return flushSupported;
    }

    /** Returns the most data bytes one virtio-blk request carries; longer caller requests are split. */
    public int maxRequestBytes() {
        return limits.maxRequestBytes();
    }

    /** Returns whether the device broke the protocol or timed out, so that every request now ends with IO_ERROR. */
    public boolean failed() {
        return failed;
    }

    /** Returns what the device did wrong, naming the ring field and values, or null. */
    public String faultMessage() {
        return faultMessage;
    }

    /** Returns the driver's counters. */
    public VirtioBlkStats driverStats() {
        return new VirtioBlkStats(chains, splitRequests, bouncedRequests, backlogWaits, malformedCompletions,
                timeouts, deviceFaults);
    }

    /** Returns the device's name in messages: its PCI address. */
    public String name() {
        return transport.name();
    }

    @Override
    public String toString() {
        return "VirtioBlk[" + transport.name() + ", serial \"" + serial + "\", " + sectors() + " x " + sectorSize()
                + " bytes" + (readOnly() ? ", read-only" : "") + ", " + inFlight() + " in flight"
                + (failed ? ", FAILED: " + faultMessage : "") + (shutDown ? ", closed" : "") + "]";
    }

    // ---- Submission.

    @Override
    protected void startRead(long sector, int sectorCount, ByteBuf buffer, int index, BlockCompletion completion) {
        start(T_IN, sector, sectorCount * sectorSize(), buffer, index, completion);
    }

    @Override
    protected void startWrite(long sector, int sectorCount, ByteBuf buffer, int index, BlockCompletion completion) {
        start(T_OUT, sector, sectorCount * sectorSize(), buffer, index, completion);
    }

    @Override
    protected void startFlush(BlockCompletion completion) {
        if (!flushSupported) {
            endLater(Kind.FLUSH, BlockStatus.UNSUPPORTED, completion);
            return;
        }
        start(T_FLUSH, 0, 0, null, 0, completion);
    }

    private void start(int type, long sector, int length, ByteBuf buffer, int index, BlockCompletion completion) {
        if (failed) {
            endLater(kind(type), BlockStatus.IO_ERROR, completion);
            return;
        }
        // AbstractBlockDevice admits at most maxInFlight() = requests.length, so the pool is never empty here.
        BlockRequest request = freeRequests[--freeRequestCount];
        request.inUse = true;
        request.type = type;
        request.sector = sector * limits.sectorScale();
        request.length = length;
        request.buffer = buffer;
        request.index = index;
        request.completion = completion;
        request.physicalAddress = length == 0 ? -1 : PacketBuffers.physicalAddress(buffer, index);
        if (length > 0 && request.physicalAddress < 0) {
            bouncedRequests++;
        }
        if (backlog.isEmpty() && expose(request)) {
            if (request.outstanding == 0) {
                // It failed before any part went out: end it later, and meanwhile keep close() from ending it too.
                request.waiting = true;
                loop.execute(() -> {
                    request.waiting = false;
                    finish(request);
                });
            }
        } else {
            request.waiting = true;
            backlog.addLast(request);
            backlogWaits++;
        }
        if (!reaping) {
            queue.kick();
        }
    }

    /**
     * Exposes chains for the request's remaining data while slots, bounce buffers and descriptors
     * last; returns whether nothing is left to expose. A request that already failed in part
     * exposes nothing more.
     */
    private boolean expose(BlockRequest request) {
        do {
            if (request.status != BlockStatus.OK) {
                request.exposed = request.length;
                return true;
            }
            if (freeSlotCount == 0) {
                return false;
            }
            int offset = request.exposed;
            int length = Math.min(request.length - offset, limits.maxRequestBytes());
            int bounceBuffer = -1;
            long data = request.physicalAddress + offset;
            if (length > 0 && request.physicalAddress < 0) {
                bounceBuffer = bounce.take();
                if (bounceBuffer < 0) {
                    return false;
                }
                length = Math.min(length, bounce.bufferBytes()); // both whole sectors
                data = bounce.address(bounceBuffer);
            }
            RequestSlot slot = slots[freeSlots[freeSlotCount - 1]];
            // §5.2.6: header (device-readable), data, status (device-writable); sector in 512-byte units.
            slot.prepare(request.type, request.type == T_FLUSH ? 0 : request.sector + offset / SECTOR_SIZE);
            int count = 0;
            chainAddresses[count] = slot.headerAddress;
            chainLengths[count++] = HEADER_LENGTH;
            for (int at = 0; at < length; ) {
                int piece = Math.min(length - at, limits.maxSegmentBytes()); // size_max (§5.2.3)
                chainAddresses[count] = data + at;
                chainLengths[count++] = piece;
                at += piece;
            }
            chainAddresses[count] = slot.statusAddress;
            chainLengths[count++] = STATUS_LENGTH;
            if (bounceBuffer >= 0 && request.type == T_OUT && !copyToBounce(request, offset, length, bounceBuffer)) {
                bounce.give(bounceBuffer);
                request.status = BlockStatus.IO_ERROR;
                continue; // the loop's first check ends the request
            }
            int readable = request.type == T_OUT ? count - 1 : 1;
            if (queue.addChain(chainAddresses, chainLengths, readable, count, slot) < 0) {
                // FULL: descriptors return as chains complete. BROKEN: poll() fails the device.
                if (bounceBuffer >= 0) {
                    bounce.give(bounceBuffer);
                }
                return false;
            }
            freeSlotCount--;
            slot.request = request;
            slot.offset = offset;
            slot.length = length;
            slot.bounce = bounceBuffer;
            slot.exposedAt = loop.now();
            if (offset == 0 && length < request.length) {
                splitRequests++;
            }
            request.exposed += length;
            request.outstanding++;
            chains++;
            if (!watchdog.isScheduled()) {
                watchdog.schedule(slot.exposedAt + requestTimeoutNanos);
            }
        } while (request.exposed < request.length);
        return true;
    }

    private boolean copyToBounce(BlockRequest request, int offset, int length, int bounceBuffer) {
        try {
            request.buffer.getBytes(request.index + offset, bounce.view(bounceBuffer, length));
            return true;
        } catch (RuntimeException e) { // a buffer released too early: the caller's bug, not the loop's
            LOG.log(System.Logger.Level.WARNING, transport.name() + ": cannot copy from the request's buffer: " + e);
            return false;
        }
    }

    /** Exposes what waits in the backlog, oldest first, until something runs out. */
    private void exposeBacklog() {
        BlockRequest request;
        while ((request = backlog.peekFirst()) != null) {
            if (!expose(request)) {
                return;
            }
            backlog.pollFirst();
            request.waiting = false;
            if (request.outstanding == 0) {
                finish(request); // it failed before its last part went out
            }
        }
    }

    // ---- Completion.

    private int poll() {
        if (shutDown || failed) {
            return 0;
        }
        if (queue.isBroken()) {
            fault(queue.faultMessage());
            return 1;
        }
        if (queue.inFlight() == 0) {
            return 0;
        }
        int reaped;
        reaping = true;
        try {
            reaped = queue.poll(reaper);
        } finally {
            reaping = false;
        }
        if (queue.isBroken()) {
            fault(queue.faultMessage());
            return reaped + 1;
        }
        if (closePending) {
            closeNow();
            return reaped + 1;
        }
        if (reaped > 0) {
            exposeBacklog();
            queue.kick(); // one kick for everything completions submitted and the backlog released
        }
        return reaped;
    }

    /** A chain the device used: map its status (§5.2.6), finish its part of the request. */
    private void reaped(RequestSlot slot, int written) {
        int status = slot.status();
        BlockStatus outcome = switch (status) {
            case S_OK -> BlockStatus.OK;
            case S_IOERR -> BlockStatus.IO_ERROR;
            case S_UNSUPP -> BlockStatus.UNSUPPORTED;
            default -> null; // the device never wrote the status (0xff) or wrote nonsense
        };
        // §2.7.8.2: the driver must not trust device-writable bytes beyond the used length: the
        // status is the last writable byte, and a read's data comes before it.
        int writable = (slot.request.type == T_IN ? slot.length : 0) + STATUS_LENGTH;
        boolean covered = written >= (outcome == BlockStatus.OK ? writable : STATUS_LENGTH);
        if (outcome == null || !covered) {
            malformedCompletions++;
            outcome = BlockStatus.IO_ERROR;
        }
        release(slot, outcome);
    }

    /** Ends one chain: copies a bounced read out, frees the slot and bounce buffer, and finishes the request if it was the last. */
    private void release(RequestSlot slot, BlockStatus outcome) {
        BlockRequest request = slot.request;
        if (slot.bounce >= 0) {
            if (outcome == BlockStatus.OK && request.type == T_IN) {
                try {
                    request.buffer.setBytes(request.index + slot.offset, bounce.view(slot.bounce, slot.length));
                } catch (RuntimeException e) { // a buffer released too early: the caller's bug, not the loop's
                    LOG.log(System.Logger.Level.WARNING, transport.name() + ": cannot copy into the request's buffer: "
                            + e);
                    outcome = BlockStatus.IO_ERROR;
                }
            }
            bounce.give(slot.bounce);
        }
        slot.clear();
        freeSlots[freeSlotCount++] = slot.index;
        request.outstanding--;
        if (outcome != BlockStatus.OK && request.status == BlockStatus.OK) {
            request.status = outcome;
        }
        if (request.outstanding == 0 && !request.waiting) {
            finish(request);
        }
    }

    private void finish(BlockRequest request) {
        BlockStatus status = request.status;
        Kind kind = kind(request.type);
        long bytes = status == BlockStatus.OK ? request.length : 0;
        BlockCompletion completion = request.completion;
        request.clear();
        freeRequests[freeRequestCount++] = request; // before the completion, which may submit again
        complete(kind, bytes, status, completion);
    }

    private void endLater(Kind kind, BlockStatus status, BlockCompletion completion) {
        // Completions never run inside the submitting call (BlockCompletion's contract).
        loop.execute(() -> complete(kind, 0, status, completion));
    }

    private static Kind kind(int type) {
        return switch (type) {
            case T_IN -> Kind.READ;
            case T_OUT -> Kind.WRITE;
            default -> Kind.FLUSH;
        };
    }

    // ---- Faults, timeouts and closing.

    /** The watchdog: fails the device if its oldest request is older than the request timeout, else re-arms. */
    private void checkTimeouts() {
        if (shutDown || failed) {
            return;
        }
        RequestSlot oldest = null;
        for (RequestSlot slot : slots) {
            if (slot.request != null && (oldest == null || slot.exposedAt - oldest.exposedAt < 0)) {
                oldest = slot;
            }
        }
        if (oldest == null) {
            return;
        }
        long age = loop.now() - oldest.exposedAt;
        if (age >= requestTimeoutNanos) {
            timeouts++;
            fault("a " + VirtioBlkProtocol.typeName(oldest.request.type) + " request at sector "
                    + (oldest.request.sector + oldest.offset / SECTOR_SIZE) + " has been with the device for "
                    + age / 1_000_000 + " ms, beyond the request timeout of " + requestTimeoutNanos / 1_000_000 + " ms");
        } else {
            watchdog.schedule(oldest.exposedAt + requestTimeoutNanos);
        }
    }

    /** The device broke the protocol or stopped answering: reset it, end everything with IO_ERROR, refuse the rest. */
    private void fault(String message) {
        if (failed || shutDown) {
            return;
        }
        failed = true;
        faultMessage = message;
        deviceFaults++;
        LOG.log(System.Logger.Level.ERROR, transport.name() + ": virtio-blk device failed; every request now ends"
                + " with IO_ERROR: " + message);
        watchdog.cancel();
        stopDevice();
        endOutstanding(BlockStatus.IO_ERROR);
    }

    /**
     * Resets the device, so that it stops touching the rings and buffers (§2.1.2, §4.1.4.3.2), and
     * sets FAILED if it will not reset.
     */
    private void stopDevice() {
        try {
            transport.reset(RESET_TIMEOUT);
        } catch (VirtioException e) {
            transport.fail();
            LOG.log(System.Logger.Level.ERROR, transport.name() + ": the device did not reset; it may still write"
                    + " into buffers of requests ended now: " + e.getMessage());
        }
    }

    /** After a reset: takes every chain back and ends every request with {@code status} (unless it failed already). */
    private void endOutstanding(BlockStatus status) {
        endStatus = status;
        queue.reclaim(reclaimer); // frees slots and bounce buffers; completions wait until the queue is whole
        for (BlockRequest request; (request = backlog.pollFirst()) != null; ) {
            request.waiting = false;
            if (request.status == BlockStatus.OK) {
                request.status = status;
            }
        }
        for (BlockRequest request : requests) {
            if (request.inUse && request.outstanding == 0 && !request.waiting) {
                finish(request);
            }
        }
    }

    private void reclaimed(RequestSlot slot) {
        BlockRequest request = slot.request;
        request.waiting = true; // finish in endOutstanding, after reclaim has made the queue whole
        release(slot, endStatus);
        request.waiting = false;
    }

    /**
     * Reaps what the device has finished (those requests end with their own status), resets the
     * device, ends the requests still in flight with CLOSED, and closes the PCI function. Later requests end with CLOSED. Called off the loop thread, it hands
     * the work to the loop.
     */
    @Override
    public void close() {
        if (!markClosed()) {
            return;
        }
        if (!loop.inLoop()) {
            try {
                loop.execute(this::closeNow);
                return;
            } catch (RejectedExecutionException e) {
                // The loop has stopped: nothing else touches the device; close from here.
            }
        }
        if (reaping) {
            closePending = true; // a completion closed us: finish once Virtqueue.poll has returned
            return;
        }
        closeNow();
    }

    private void closeNow() {
        if (shutDown) {
            return;
        }
        shutDown = true;
        closePending = false;
        if (loop.inLoop()) {
            watchdog.cancel();
            loop.unregister(poller);
        }
        if (!failed) {
            if (!queue.isBroken() && queue.inFlight() > 0) {
                reaping = true; // what the device finished ends with its own status
                try {
                    queue.poll(reaper);
                } finally {
                    reaping = false;
                }
            }
            stopDevice();
            endOutstanding(BlockStatus.CLOSED);
        }
        if (pci != null) {
            try {
                pci.close();
            } catch (IOException e) {
                LOG.log(System.Logger.Level.WARNING, transport.name() + ": closing the PCI function: " + e.getMessage());
            }
        }
    }

    // ---- For tests in this package.

    int freeSlotCount() {
        return freeSlotCount;
    }

    int slotCount() {
        return slots.length;
    }

    int freeBounceBuffers() {
        return bounce.available();
    }

    int bounceBufferCount() {
        return bounce.capacity();
    }

    int freeRequestCount() {
        return freeRequestCount;
    }

    Virtqueue<RequestSlot> queue() {
        return queue;
    }
}
