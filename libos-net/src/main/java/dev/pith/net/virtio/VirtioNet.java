package dev.pith.net.virtio;

import dev.pith.core.buffer.DmaBuffer;
import dev.pith.core.buffer.DmaRegion;
import dev.pith.core.buffer.PacketBufferPool;
import dev.pith.core.buffer.PacketBuffers;
import dev.pith.core.device.MacAddress;
import dev.pith.core.device.NetDevice;
import dev.pith.core.device.NetDeviceStats;
import dev.pith.core.device.NetOffload;
import dev.pith.core.dma.DmaArena;
import dev.pith.core.pci.PciDevice;
import dev.pith.core.virtio.Registers;
import dev.pith.core.virtio.Virtio;
import dev.pith.core.virtio.VirtioException;
import dev.pith.core.virtio.VirtioPciTransport;
import dev.pith.core.virtio.Virtqueue;
import dev.pith.net.wire.Checksum;
import io.netty.buffer.ByteBuf;
import java.io.IOException;
import java.lang.foreign.MemorySegment;
import java.lang.foreign.ValueLayout;
import java.lang.invoke.VarHandle;
import java.nio.ByteOrder;
import java.util.Objects;
import java.util.Set;
import java.util.SplittableRandom;

/**
 * A virtio-net driver (virtio 1.2 §5.1): one receive queue, one transmit queue, polled from the
 * event loop. See the {@linkplain dev.pith.net.virtio package documentation} for what it supports.
 *
 * <pre>{@code
 * PciAddress address = PciDevice.scan(PciDevice.SYSFS, Virtio.PCI_VENDOR_ID, Virtio.PCI_DEVICE_ID_NET).getFirst();
 * NetDevice nic = VirtioNet.open(PciDevice.open(PciDevice.SYSFS, address), platform.dmaArena(),
 *         VirtioNet.Settings.defaults());
 * Interface iface = new Interface(loop, nic, random, InterfaceSettings.defaults());
 * }</pre>
 *
 * <p>Receive: every receive buffer is one 2048-byte packet buffer, one device-writable descriptor
 * holding the 12-byte {@code virtio_net_hdr} and the frame after it; {@link #receive} hands the
 * buffer itself to the stack with its reader index past the header, and puts a fresh buffer in the
 * ring for each one taken. Transmit: a frame is a chain of two device-readable descriptors, the
 * header (from a slot of this driver's) and the frame where the stack wrote it, so no byte is
 * copied unless the frame is not in DMA memory.
 *
 * <p>Setup throws, naming the device, the register and the value; after DRIVER_OK nothing throws:
 * bad frames are counted and dropped, and a device that breaks the ring protocol is given up on
 * (link down, FAILED set, logged once). Not thread-safe: the event loop owns the device.
 */
public final class VirtioNet implements NetDevice {

    // ---- §5.1.3 Feature bits (those this driver knows of; it asks only for the first five).

    /** Device handles packets with partial checksum: transmit checksum offload. */
    public static final int F_CSUM = 0;
    /** Driver handles packets with partial checksum: receive checksum offload. */
    public static final int F_GUEST_CSUM = 1;
    /** Device reports its maximum MTU in {@code mtu}. */
    public static final int F_MTU = 3;
    /** Device has given a MAC address in {@code mac}. */
    public static final int F_MAC = 5;
    /** Configuration {@code status} field (link up) is available. */
    public static final int F_STATUS = 16;
    /** Driver can merge receive buffers: declined, one buffer holds one frame. */
    public static final int F_MRG_RXBUF = 15;
    /** Control virtqueue: declined, with everything that needs it (MQ, CTRL_RX, GUEST_ANNOUNCE, ...). */
    public static final int F_CTRL_VQ = 17;

    // ---- §5.1.4 struct virtio_net_config { u8 mac[6]; le16 status; le16 max_virtqueue_pairs; le16 mtu; ... }
    private static final int CONFIG_MAC = 0;
    private static final int CONFIG_STATUS = 6;
    private static final int CONFIG_MTU = 10;
    private static final int VIRTIO_NET_S_LINK_UP = 1;

    // ---- §5.1.6 struct virtio_net_hdr: 12 bytes with VERSION_1 (num_buffers is always there), little-endian.
    /** Bytes of {@code struct virtio_net_hdr} in front of every frame. */
    public static final int HEADER_LENGTH = 12;
    private static final int HDR_FLAGS = 0;
    private static final int HDR_CSUM_START = 6;
    private static final int HDR_CSUM_OFFSET = 8;
    private static final int VIRTIO_NET_HDR_F_NEEDS_CSUM = 1;

    /** The size of every packet buffer for an MTU up to 2018 (12 + 14 + 4 + 2018): two to a 4 KiB page. */
    public static final int BUFFER_SIZE = 2048;
    private static final int DEFAULT_MTU = 1500;
    private static final int ETHERNET_HEADER = 14;
    private static final int VLAN_TAG = 4;
    private static final int RECEIVEQ = 0;
    private static final int TRANSMITQ = 1;

    private static final VarHandle LE16 = ValueLayout.JAVA_SHORT.withOrder(ByteOrder.LITTLE_ENDIAN).varHandle();
    private static final VarHandle U8 = ValueLayout.JAVA_BYTE.varHandle();
    private static final System.Logger LOG = System.getLogger(VirtioNet.class.getName());

    /**
     * How to drive the device; {@link #defaults()} suits QEMU's virtio-net-pci.
     *
     * @param queueSize the most entries per queue, a power of two from 2 to 32768; each queue gets
     *     this or the device's maximum (QEMU: 256), whichever is smaller
     * @param rxBuffers receive buffers: the ring holds up to a queue's worth, the stack the rest
     * @param txBuffers buffers for {@link #allocateFrame()} and for copies of frames not in DMA memory
     * @param checksumOffload take VIRTIO_NET_F_CSUM and F_GUEST_CSUM if offered; off, they are declined
     *     and frames go both ways fully checksummed (Pith's stack computes and checks every checksum)
     * @param mac the address to use instead of the device's, or null for the device's (VIRTIO_NET_F_MAC)
     *     or, when it has none, a random locally administered one
     */
    public record Settings(int queueSize, int rxBuffers, int txBuffers, boolean checksumOffload, MacAddress mac) {

        public Settings {
            if (queueSize < 2 || queueSize > Virtqueue.MAX_SIZE || Integer.bitCount(queueSize) != 1) {
                throw new IllegalArgumentException("queueSize must be a power of two from 2 to " + Virtqueue.MAX_SIZE
                        + ": " + queueSize);
            }
            if (rxBuffers < 1 || txBuffers < 1) {
                throw new IllegalArgumentException("rxBuffers and txBuffers must be >= 1: " + rxBuffers + ", "
                        + txBuffers);
            }
            if (mac != null && (mac.isMulticast() || mac.bits() == 0)) {
                throw new IllegalArgumentException("mac must be a unicast address: " + mac);
            }
        }

        /**
         * Returns the defaults: queues of 256, 512 + 512 buffers of 2048 bytes (2 MiB of DMA memory,
         * plus about 24 KiB of rings and headers), no checksum offload, the device's MAC.
         */
        public static Settings defaults() {
            return new Settings(256, 512, 512, false, null);
        }

        public Settings withQueueSize(int queueSize) {
            return new Settings(queueSize, rxBuffers, txBuffers, checksumOffload, mac);
        }

        public Settings withBuffers(int rxBuffers, int txBuffers) {
            return new Settings(queueSize, rxBuffers, txBuffers, checksumOffload, mac);
        }

        public Settings withChecksumOffload(boolean checksumOffload) {
            return new Settings(queueSize, rxBuffers, txBuffers, checksumOffload, mac);
        }

        public Settings withMac(MacAddress mac) {
            return new Settings(queueSize, rxBuffers, txBuffers, checksumOffload, mac);
        }
    }

    /** A transmit header in DMA memory and the frame sent behind it: the token of one transmit chain. */
    private static final class TxSlot {
        final MemorySegment header;
        final long headerAddress;
        ByteBuf frame;

        TxSlot(DmaRegion region) {
            this.header = region.memory();
            this.headerAddress = region.physicalAddress();
        }
    }

    private final String name;
    private final VirtioPciTransport transport;
    private final long features;
    private final MacAddress mac;
    private final int mtu;
    /** The longest frame the device may be given: MTU, Ethernet header and one VLAN tag. */
    private final int maxFrame;
    private final Set<NetOffload> offloads;
    /** VIRTIO_NET_F_CSUM taken: the device completes TCP/UDP checksums we mark NEEDS_CSUM. */
    private final boolean txChecksum;
    /** VIRTIO_NET_F_GUEST_CSUM taken: received frames may carry NEEDS_CSUM, which we complete. */
    private final boolean rxChecksum;
    private final Virtqueue<ByteBuf> rx;
    private final Virtqueue<TxSlot> tx;
    private final PacketBufferPool rxPool;
    private final PacketBufferPool txPool;
    /** Free transmit slots in {@code freeSlots[0 .. freeSlotCount)}; one per two descriptors of the queue. */
    private final TxSlot[] freeSlots;
    private int freeSlotCount;
    private final long[] chainAddresses = new long[2];
    private final int[] chainLengths = new int[2];
    private final Virtqueue.UsedConsumer<ByteBuf> onReceived = this::received;
    private final Virtqueue.UsedConsumer<TxSlot> onSent = this::sent;

    /** Where {@link #received} puts frames during one {@link #receive} call. */
    private ByteBuf[] out;
    private int outOffset;
    private int outCount;

    private boolean failed;
    private boolean closed;
    private long rxFrames, rxBytes, rxDropped, txFrames, txBytes, txDropped, txCopies, rxBufferShortages;

    private VirtioNet(String name, VirtioPciTransport transport, long features, MacAddress mac, int mtu,
            Virtqueue<ByteBuf> rx, Virtqueue<TxSlot> tx, PacketBufferPool rxPool, PacketBufferPool txPool,
            TxSlot[] slots) {
        this.name = name;
        this.transport = transport;
        this.features = features;
        this.mac = mac;
        this.mtu = mtu;
        this.maxFrame = mtu + ETHERNET_HEADER + VLAN_TAG;
        this.txChecksum = has(F_CSUM);
        this.rxChecksum = has(F_GUEST_CSUM);
        this.offloads = txChecksum ? Set.of(NetOffload.TX_CHECKSUM) : Set.of();
        this.rx = rx;
        this.tx = tx;
        this.rxPool = rxPool;
        this.txPool = txPool;
        this.freeSlots = slots;
        this.freeSlotCount = slots.length;
    }

    // ---- Setup: §3.1.1 (Device Initialization) and §5.1.5.

    /**
     * Takes over a virtio-net PCI function: maps its structures, resets it, enables bus mastering
     * and sets it up as {@link #open(VirtioPciTransport, DmaArena, Settings)} does.
     *
     * @param pci a virtio-net function (1af4:1041, or the transitional 1af4:1000) no kernel driver holds
     * @param dma where rings and buffers come from: the defaults take about 2.1 MiB of it
     * @throws IOException naming the device, the register and the value, if anything about it is
     *     not as this driver needs; the device is then left FAILED
     */
    public static VirtioNet open(PciDevice pci, DmaArena dma, Settings settings) throws IOException {
        int vendor = pci.vendorId();
        int device = pci.deviceId();
        if (vendor != Virtio.PCI_VENDOR_ID
                || (device != Virtio.PCI_DEVICE_ID_NET && device != Virtio.PCI_DEVICE_ID_NET_TRANSITIONAL)) {
            throw new VirtioException(pci.address() + ": PCI ID " + String.format("%04x:%04x", vendor, device)
                    + " is not a virtio-net device (1af4:1041, or 1af4:1000)");
        }
        VirtioPciTransport transport = VirtioPciTransport.open(pci);
        transport.reset(); // firmware may have used the device to boot (DESIGN.md §3)
        pci.enableBusMaster(); // PCI 3.0 §6.2.2: without it the device cannot reach our rings
        return start(transport, dma, settings);
    }

    /**
     * Resets the device behind {@code transport} and sets it up: features (VERSION_1 required),
     * MAC, MTU, the receive queue filled, the transmit queue, DRIVER_OK. Host tests pass a
     * {@code SoftwareVirtioDevice}'s transport here.
     */
    public static VirtioNet open(VirtioPciTransport transport, DmaArena dma, Settings settings) throws IOException {
        transport.reset();
        return start(transport, dma, settings);
    }

    private static VirtioNet start(VirtioPciTransport transport, DmaArena dma, Settings settings)
            throws VirtioException {
        Objects.requireNonNull(dma, "dma == null");
        Objects.requireNonNull(settings, "settings == null");
        String name = "virtio-net " + transport.name();
        // §5.1.3: what we understand. Not asked for, so declined: MRG_RXBUF (one buffer holds a frame), every
        // TSO/GSO/UFO/USO bit, CTRL_VQ and all that needs it, EVENT_IDX and INDIRECT_DESC (we poll, chains are short).
        long wanted = Virtio.feature(F_STATUS) | Virtio.feature(F_MTU)
                | (settings.mac() == null ? Virtio.feature(F_MAC) : 0)
                | (settings.checksumOffload() ? Virtio.feature(F_CSUM) | Virtio.feature(F_GUEST_CSUM) : 0);
        long features = transport.negotiate(wanted); // §3.1.1 steps 2-6: throws without VERSION_1 or FEATURES_OK
        boolean hasMac = (features & Virtio.feature(F_MAC)) != 0;
        boolean hasMtu = (features & Virtio.feature(F_MTU)) != 0;
        boolean hasStatus = (features & Virtio.feature(F_STATUS)) != 0;

        // §5.1.4: the fields exist only with their feature; the structure must reach the last one we read.
        int configNeeded = hasMtu ? CONFIG_MTU + 2 : hasStatus ? CONFIG_STATUS + 2 : hasMac ? CONFIG_MAC + 6 : 0;
        Registers config = null;
        if (configNeeded > 0) {
            try {
                config = transport.deviceConfig();
            } catch (IllegalStateException e) {
                throw setupError(transport, name + ": negotiated " + Virtio.featureNames(features)
                        + " but the device has no device-specific configuration structure (§4.1.4.6)");
            }
            if (config.size() < configNeeded) {
                throw setupError(transport, name + ": the device configuration is " + config.size()
                        + " bytes; features " + Virtio.featureNames(features) + " need " + configNeeded + " (§5.1.4)");
            }
        }

        MacAddress mac;
        if (settings.mac() != null) {
            mac = settings.mac();
        } else if (hasMac) {
            mac = transport.readDeviceConfig(VirtioNet::readMac); // 6 bytes: read under config_generation (§2.5.1)
            if (mac.isMulticast() || mac.bits() == 0) {
                throw setupError(transport, name + ": device configuration mac (offset 0) is " + mac
                        + ", not a unicast address");
            }
        } else {
            // §5.1.4.2: without VIRTIO_NET_F_MAC, use a locally administered address. SplittableRandom seeds from the
            // clock, never blocking on early-boot entropy; an address must be unique, not secret.
            mac = MacAddress.local(new SplittableRandom().nextLong());
        }

        int mtu = DEFAULT_MTU;
        if (hasMtu) {
            mtu = config.read16(CONFIG_MTU);
            int largest = BUFFER_SIZE - HEADER_LENGTH - ETHERNET_HEADER - VLAN_TAG;
            if (mtu < 68 || mtu > largest) {
                // §5.1.4.1: 68 to 65535. Above 2018 a frame would not fit one 2048-byte buffer, and without
                // MRG_RXBUF (§5.1.6.3.1) we would have to promise buffers of a whole MTU.
                throw setupError(transport, name + ": device configuration mtu (offset " + CONFIG_MTU + ") is " + mtu
                        + "; this driver supports 68 to " + largest);
            }
        }

        if (transport.queueCount() < 2) {
            throw setupError(transport, name + ": num_queues is " + transport.queueCount()
                    + "; a network device has receiveq1 and transmitq1 (§5.1.2)");
        }
        int rxSize = queueSize(transport, name, RECEIVEQ, "receiveq1", settings.queueSize());
        int txSize = queueSize(transport, name, TRANSMITQ, "transmitq1", settings.queueSize());

        // Allocated once, here, never freed before the arena: buffers first, so that they fill whole chunks.
        PacketBufferPool rxPool;
        PacketBufferPool txPool;
        Virtqueue<ByteBuf> rx;
        Virtqueue<TxSlot> tx;
        TxSlot[] slots = new TxSlot[txSize / 2];
        try {
            rxPool = dma.packetBuffers(BUFFER_SIZE, settings.rxBuffers());
            txPool = dma.packetBuffers(BUFFER_SIZE, settings.txBuffers());
            rx = Virtqueue.allocate(dma, transport.name() + " receiveq1", rxSize);
            tx = Virtqueue.allocate(dma, transport.name() + " transmitq1", txSize);
            for (int i = 0; i < slots.length; i++) {
                slots[i] = new TxSlot(dma.allocate(HEADER_LENGTH, 16));
            }
        } catch (IllegalArgumentException | IllegalStateException e) {
            VirtioException failure = setupError(transport, name + ": cannot allocate " + (settings.rxBuffers()
                    + settings.txBuffers()) + " buffers of " + BUFFER_SIZE + " bytes and queues of " + rxSize + " and "
                    + txSize + " entries from " + dma + ": " + e.getMessage());
            failure.initCause(e);
            throw failure;
        }

        VirtioNet net = new VirtioNet(name, transport, features, mac, mtu, rx, tx, rxPool, txPool, slots);
        try {
            transport.setUpQueue(RECEIVEQ, rx);
            transport.setUpQueue(TRANSMITQ, tx);
            // §2.7.7: no used buffer notifications, we poll from the event loop (VIRTQ_AVAIL_F_NO_INTERRUPT).
            rx.setNoInterrupt(true);
            tx.setNoInterrupt(true);
            // §5.1.5 step 3, §3.1.1 step 7: fill the receive queue before DRIVER_OK...
            if (net.fillReceiveQueue() == 0) {
                throw new VirtioException(name + ": no receive buffer could be allocated");
            }
            transport.driverOk();
        } catch (VirtioException | RuntimeException e) {
            net.close(); // reset the device, give the buffers back
            transport.fail();
            throw e;
        }
        // ...and notify it only after (§3.1.1: no available buffer notifications before DRIVER_OK).
        rx.kick();
        return net;
    }

    private static MacAddress readMac(Registers config) {
        long bits = 0;
        for (int i = 0; i < 6; i++) {
            bits = bits << 8 | config.read8(CONFIG_MAC + i);
        }
        return new MacAddress(bits);
    }

    /** Returns the queue's size: the wanted one, or the device's maximum if smaller, as a power of two (§2.7). */
    private static int queueSize(VirtioPciTransport transport, String name, int queue, String queueName, int wanted)
            throws VirtioException {
        int max = transport.maxQueueSize(queue);
        int size = Integer.highestOneBit(Math.min(max, wanted));
        if (size < 2) {
            throw setupError(transport, name + ": queue_size of queue " + queue + " (" + queueName + ") is " + max
                    + "; this driver needs at least 2 entries");
        }
        return size;
    }

    private static VirtioException setupError(VirtioPciTransport transport, String message) {
        transport.fail(); // §2.1: FAILED, we have given up on the device
        return new VirtioException(message);
    }

    // ---- Receive: §5.1.6.3 (Setting Up Receive Buffers), §5.1.6.4 (Processing of Incoming Packets).

    @Override
    public int receive(ByteBuf[] frames, int offset, int max) {
        if (failed || closed) {
            return 0;
        }
        reapTransmitted();
        out = frames;
        outOffset = offset;
        outCount = 0;
        // poll() counts dropped frames too, so poll again until the batch is full or the used ring empty.
        while (outCount < max && rx.poll(onReceived, max - outCount) > 0) {
            // received() did the work
        }
        out = null;
        if (fillReceiveQueue() > 0) {
            rx.kick();
        }
        checkQueues();
        return outCount;
    }

    /** Handles one used receive buffer: the header, then {@code written - 12} bytes of frame. */
    private void received(ByteBuf buffer, int written) {
        if (written < HEADER_LENGTH + ETHERNET_HEADER) {
            rxDropped++; // not even an Ethernet header: a device bug, dropped
            buffer.release();
            return;
        }
        // §5.1.6.4.2: only with GUEST_CSUM may flags be set; NEEDS_CSUM means the checksum field holds just the
        // pseudo-header sum. Complete it here, since the stack checks every checksum. DATA_VALID needs nothing.
        if (rxChecksum && (buffer.getUnsignedByte(HDR_FLAGS) & VIRTIO_NET_HDR_F_NEEDS_CSUM) != 0
                && !completeChecksum(buffer, written)) {
            rxDropped++;
            buffer.release();
            return;
        }
        buffer.setIndex(HEADER_LENGTH, written);
        out[outOffset + outCount++] = buffer;
        rxFrames++;
        rxBytes += written - HEADER_LENGTH;
    }

    /** Writes the checksum a NEEDS_CSUM frame lacks: the ones' complement of the sum from csum_start to the end. */
    private static boolean completeChecksum(ByteBuf buffer, int written) {
        int start = HEADER_LENGTH + buffer.getUnsignedShortLE(HDR_CSUM_START);
        int field = start + buffer.getUnsignedShortLE(HDR_CSUM_OFFSET);
        if (field + 2 > written) {
            return false; // csum_start/csum_offset point past the frame
        }
        buffer.setShort(field, Checksum.finish(Checksum.sum(buffer, start, written - start, 0)));
        return true;
    }

    /** Adds a fresh buffer for every free descriptor (§5.1.6.3: keep the queue full); returns how many. */
    private int fillReceiveQueue() {
        int added = 0;
        while (rx.freeDescriptors() > 0) {
            ByteBuf buffer = rxPool.tryAllocate();
            if (buffer == null) {
                rxBufferShortages++; // the stack holds the rest; retried on the next receive
                break;
            }
            // One device-writable descriptor: header and frame (1526 bytes needed, §5.1.6.3.1; 2048 given).
            if (rx.add(((DmaBuffer) buffer).physicalAddress(), buffer.capacity(), true, buffer) < 0) {
                buffer.release(); // BROKEN: checkQueues() gives up on the device
                break;
            }
            added++;
        }
        return added;
    }

    // ---- Transmit: §5.1.6.2 (Packet Transmission).

    @Override
    public int transmit(ByteBuf[] frames, int offset, int count) {
        if (failed || closed) {
            for (int i = offset; i < offset + count; i++) {
                txDropped++; // accepted and dropped, so that the stack does not hold them for a dead device
                frames[i].release();
            }
            return count;
        }
        reapTransmitted();
        int accepted = 0;
        while (accepted < count && freeSlotCount > 0 && enqueue(frames[offset + accepted])) {
            accepted++;
        }
        // §2.7.13: publish the whole batch with one idx update and at most one notification.
        tx.kick();
        checkQueues();
        return accepted;
    }

    /** Exposes one frame as a chain [header, frame]; false (frame not taken) when no buffer is free for a copy. */
    private boolean enqueue(ByteBuf frame) {
        int length = frame.readableBytes();
        if (length < ETHERNET_HEADER || length > maxFrame) {
            txDropped++; // §5.1.4.2: never more than mtu plus the Ethernet header
            frame.release();
            return true;
        }
        long address = PacketBuffers.physicalAddress(frame, frame.readerIndex());
        if (address < 0) {
            // Not in DMA memory (a heap buffer, a composite): copy it into one of ours.
            ByteBuf copy = txPool.tryAllocate();
            if (copy == null) {
                return false;
            }
            copy.writeBytes(frame, frame.readerIndex(), length);
            frame.release();
            frame = copy;
            address = ((DmaBuffer) copy).physicalAddress();
            txCopies++;
        }
        TxSlot slot = freeSlots[--freeSlotCount];
        freeSlots[freeSlotCount] = null;
        writeHeader(slot.header, frame);
        slot.frame = frame;
        // §2.7.4: framing is independent of the descriptor layout, so the header may have its own descriptor.
        chainAddresses[0] = slot.headerAddress;
        chainLengths[0] = HEADER_LENGTH;
        chainAddresses[1] = address;
        chainLengths[1] = length;
        if (tx.addChain(chainAddresses, chainLengths, 2, 2, slot) < 0) {
            slot.frame = null; // BROKEN (FULL cannot happen: a slot for every two descriptors)
            freeSlots[freeSlotCount++] = slot;
            txDropped++;
            frame.release();
            return true;
        }
        txFrames++;
        txBytes += length;
        return true;
    }

    /**
     * Fills a transmit header: all zero (§5.1.6.2.1: flags 0, GSO_NONE, num_buffers 0) for a fully
     * checksummed frame; with VIRTIO_NET_F_CSUM, NEEDS_CSUM for the frames the device can finish.
     */
    private void writeHeader(MemorySegment header, ByteBuf frame) {
        U8.set(header, (long) HDR_FLAGS, (byte) 0);
        LE16.set(header, (long) HDR_CSUM_START, (short) 0);
        LE16.set(header, (long) HDR_CSUM_OFFSET, (short) 0);
        if (txChecksum) {
            leaveChecksumToDevice(header, frame);
        }
    }

    /**
     * For an untagged, unfragmented IPv4 TCP or UDP frame, does what §5.1.6.2.1 asks with
     * NEEDS_CSUM: puts the pseudo-header sum in the checksum field (whatever the stack left there)
     * and says where the device is to sum from and store; any other frame goes out as it is.
     */
    private static void leaveChecksumToDevice(MemorySegment header, ByteBuf frame) {
        int at = frame.readerIndex();
        int ip = at + ETHERNET_HEADER;
        if (frame.readableBytes() < ETHERNET_HEADER + 20 || frame.getUnsignedShort(at + 12) != 0x0800) {
            return;
        }
        int versionAndLength = frame.getUnsignedByte(ip);
        int headerLength = (versionAndLength & 0xF) * 4;
        int totalLength = frame.getUnsignedShort(ip + 2);
        int protocol = frame.getUnsignedByte(ip + 9);
        int checksumOffset = protocol == 6 ? 16 : protocol == 17 ? 6 : 0; // TCP, UDP
        if (versionAndLength >>> 4 != 4 || headerLength < 20 || checksumOffset == 0
                || (frame.getUnsignedShort(ip + 6) & 0x3FFF) != 0 // a fragment: its checksum covers the whole datagram
                || totalLength < headerLength + checksumOffset + 2 || ip + totalLength > frame.writerIndex()) {
            return;
        }
        int transport = ip + headerLength;
        frame.setShort(transport + checksumOffset, Checksum.pseudoHeader(frame.getInt(ip + 12), frame.getInt(ip + 16),
                protocol, totalLength - headerLength));
        U8.set(header, (long) HDR_FLAGS, (byte) VIRTIO_NET_HDR_F_NEEDS_CSUM);
        LE16.set(header, (long) HDR_CSUM_START, (short) (transport - at));
        LE16.set(header, (long) HDR_CSUM_OFFSET, (short) checksumOffset);
    }

    /** Releases the frames the device has sent (§5.1.6.2.3: we check for used buffers on the transmit path). */
    private void reapTransmitted() {
        tx.poll(onSent);
    }

    private void sent(TxSlot slot, int written) {
        slot.frame.release();
        slot.frame = null;
        freeSlots[freeSlotCount++] = slot;
    }

    // ---- Faults.

    /** Gives up on the device if it broke a queue's protocol (see {@link Virtqueue#fault()}). */
    private void checkQueues() {
        if (rx.isBroken() || tx.isBroken()) {
            giveUp(rx.isBroken() ? rx.faultMessage() : tx.faultMessage());
        }
    }

    /** Stops using the device: link down, FAILED set, logged once; nothing thrown into the loop. */
    private void giveUp(String reason) {
        if (failed) {
            return;
        }
        failed = true;
        transport.fail(); // §2.1: FAILED. Its buffers stay with it until close() resets it.
        LOG.log(System.Logger.Level.ERROR, name + ": giving up on the device (link down, FAILED set): " + reason);
    }

    // ---- The rest of NetDevice.

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

    /** Returns TX_CHECKSUM when VIRTIO_NET_F_CSUM was taken; never RX_CHECKSUM (DATA_VALID is per frame, not a promise). */
    @Override
    public Set<NetOffload> offloads() {
        return offloads;
    }

    /**
     * Returns the link state: the bottom bit of {@code status} with VIRTIO_NET_F_STATUS, else up
     * (§5.1.4.2); down once the device was given up on, or when it reports DEVICE_NEEDS_RESET.
     */
    @Override
    public boolean linkUp() {
        if (failed || closed) {
            return false;
        }
        if ((transport.deviceStatus() & Virtio.DEVICE_NEEDS_RESET) != 0) {
            giveUp("device_status has DEVICE_NEEDS_RESET (§2.1.2)");
            return false;
        }
        return !has(F_STATUS) || (transport.deviceConfig().read16(CONFIG_STATUS) & VIRTIO_NET_S_LINK_UP) != 0;
    }

    /** Returns an empty 2048-byte DMA buffer, or null when all {@code txBuffers} are out (or the device is closed). */
    @Override
    public ByteBuf allocateFrame() {
        return closed ? null : txPool.tryAllocate();
    }

    /**
     * Does nothing: the queues are polled, with used buffer notifications off. The guest platform's
     * loop spins 250 µs after its last work, then parks at most 1 ms. Interrupts through uio_pci_generic
     * (DESIGN.md §3) are a later optimisation.
     */
    @Override
    public void setWakeup(Runnable wakeup) {
        Objects.requireNonNull(wakeup, "wakeup == null");
    }

    @Override
    public NetDeviceStats stats() {
        return new NetDeviceStats(rxFrames, rxBytes, rxDropped, txFrames, txBytes, txDropped);
    }

    /** Returns how many frames {@link #transmit} copied into DMA memory because they were elsewhere. */
    public long txCopies() {
        return txCopies;
    }

    /** Returns how many times refilling the receive queue found no free buffer. */
    public long rxBufferShortages() {
        return rxBufferShortages;
    }

    /** Returns the features negotiated (§5.1.3, §6), e.g. for a boot log. */
    public long features() {
        return features;
    }

    /** Returns whether the device broke the protocol and was given up on. */
    public boolean isFailed() {
        return failed;
    }

    /** The receive buffers, for tests: their {@code outstanding()} is the ring plus what the stack holds. */
    PacketBufferPool rxPool() {
        return rxPool;
    }

    /** The transmit buffers, for tests. */
    PacketBufferPool txPool() {
        return txPool;
    }

    Virtqueue<ByteBuf> receiveQueue() {
        return rx;
    }

    Virtqueue<?> transmitQueue() {
        return tx;
    }

    /**
     * Resets the device, so that it no longer touches our memory, then releases every buffer it
     * held: the receive ring's and the frames in flight. If the reset does not complete the
     * buffers are kept (the device might still write to them) and the failure is logged.
     */
    @Override
    public void close() {
        if (closed) {
            return;
        }
        closed = true;
        try {
            transport.reset(); // §4.1.4.3.2: once it reads back 0 the device has let go of the rings
        } catch (VirtioException e) {
            transport.fail();
            LOG.log(System.Logger.Level.ERROR, name + ": reset did not complete; its " + rx.inFlight()
                    + " receive and " + tx.inFlight() + " transmit buffers stay with it: " + e.getMessage());
            return;
        }
        rx.reclaim(ByteBuf::release);
        tx.reclaim(slot -> sent(slot, 0));
    }

    private boolean has(int feature) {
        return (features & Virtio.feature(feature)) != 0;
    }

    @Override
    public String toString() {
        return "VirtioNet[" + name + ", " + mac + ", mtu " + mtu + ", features " + Virtio.featureNames(features)
                + (failed ? ", FAILED" : "") + (closed ? ", closed]" : "]");
    }
}
