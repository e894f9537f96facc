package dev.pith.block.virtio;

import static dev.pith.block.virtio.VirtioBlkProtocol.F_BLK_SIZE;
import static dev.pith.block.virtio.VirtioBlkProtocol.F_FLUSH;
import static dev.pith.block.virtio.VirtioBlkProtocol.F_RO;
import static dev.pith.block.virtio.VirtioBlkProtocol.F_SEG_MAX;
import static dev.pith.block.virtio.VirtioBlkProtocol.F_SIZE_MAX;

import dev.pith.core.dma.DmaArena;
import dev.pith.core.virtio.Virtio;
import dev.pith.core.virtio.testing.DescriptorChain;
import dev.pith.core.virtio.testing.DeviceQueue;
import dev.pith.core.virtio.testing.SoftwareVirtioDevice;
import java.lang.foreign.MemorySegment;
import java.lang.foreign.ValueLayout;
import java.nio.ByteOrder;
import java.nio.charset.StandardCharsets;
import java.util.ArrayList;
import java.util.List;

/**
 * A virtio-blk device for host tests: a {@link SoftwareVirtioDevice} whose queue 0 handler
 * implements IN, OUT, FLUSH and GET_ID (virtio 1.2 §5.2.6) over a byte array, written from the
 * spec independently of the driver. It records every chain's layout, can hold chains to complete
 * them later, and can misbehave in the ways a block device can (a status it never writes, a short
 * used length, a forced status).
 */
final class FakeDisk implements AutoCloseable {

    /** A chain as the device saw it: the header's fields and the descriptors' lengths and addresses. */
    record Seen(int type, long sector, List<Integer> readable, List<Integer> writable, List<Long> readableAddresses,
            List<Long> writableAddresses) {}

    static final ValueLayout.OfInt LE32 = ValueLayout.JAVA_INT_UNALIGNED.withOrder(ByteOrder.LITTLE_ENDIAN);
    static final ValueLayout.OfLong LE64 = ValueLayout.JAVA_LONG_UNALIGNED.withOrder(ByteOrder.LITTLE_ENDIAN);

    final DmaArena memory;
    final boolean ownsMemory;
    final SoftwareVirtioDevice device;
    final byte[] disk;
    final String serial;
    final boolean readOnly;
    final List<Seen> seen = new ArrayList<>();
    final List<DescriptorChain> held = new ArrayList<>();
    volatile boolean holding;
    volatile int flushes;
    /** A status to answer IN, OUT or FLUSH requests with instead of the real one; -1 for none. */
    volatile int forcedStatus = -1;
    /** Leave the status byte alone. */
    volatile boolean skipStatus;
    /** Report this used length instead of the real one; -1 for none. */
    volatile int forcedUsedLength = -1;
    /** Answer GET_ID with UNSUPP. */
    volatile boolean getIdUnsupported;

    private FakeDisk(Builder b) {
        this.memory = b.memory != null ? b.memory : DmaArena.simulated(b.arenaBytes, b.chunkSize);
        this.ownsMemory = b.memory == null;
        this.disk = new byte[Math.toIntExact(b.sectors512 * 512)];
        this.serial = b.serial;
        this.readOnly = b.readOnly;
        long features = Virtio.feature(Virtio.F_VERSION_1) | b.features;
        if (b.readOnly) {
            features |= Virtio.feature(F_RO);
        }
        if (b.sizeMax > 0) {
            features |= Virtio.feature(F_SIZE_MAX);
        }
        if (b.segMax > 0) {
            features |= Virtio.feature(F_SEG_MAX);
        }
        if (b.blkSize > 0) {
            features |= Virtio.feature(F_BLK_SIZE);
        }
        this.device = SoftwareVirtioDevice.builder(memory).name(b.name).features(features)
                .queues(1, b.maxQueueSize).deviceConfigSize(64).build();
        MemorySegment config = device.deviceConfigMemory();
        config.set(LE64, 0, b.sectors512);
        config.set(LE32, 8, b.sizeMax);
        config.set(LE32, 12, b.segMax);
        config.set(LE32, 20, b.blkSize);
        device.serve(0, this::handle);
    }

    static Builder builder() {
        return new Builder();
    }

    static final class Builder {
        private DmaArena memory;
        private long arenaBytes = 8 << 20;
        private long chunkSize = 4096;
        private String name = "0000:00:05.0";
        private long features = Virtio.feature(F_FLUSH);
        private long sectors512 = 2048;
        private String serial = "data";
        private boolean readOnly;
        private int sizeMax;
        private int segMax;
        private int blkSize;
        private int maxQueueSize = 256;

        Builder memory(DmaArena memory) {
            this.memory = memory;
            return this;
        }

        Builder chunkSize(long chunkSize) {
            this.chunkSize = chunkSize;
            return this;
        }

        Builder name(String name) {
            this.name = name;
            return this;
        }

        Builder noFlush() {
            this.features &= ~Virtio.feature(F_FLUSH);
            return this;
        }

        Builder sectors(long sectors512) {
            this.sectors512 = sectors512;
            return this;
        }

        Builder serial(String serial) {
            this.serial = serial;
            return this;
        }

        Builder readOnly() {
            this.readOnly = true;
            return this;
        }

        Builder sizeMax(int bytes) {
            this.sizeMax = bytes;
            return this;
        }

        Builder segMax(int segments) {
            this.segMax = segments;
            return this;
        }

        Builder blkSize(int bytes) {
            this.blkSize = bytes;
            return this;
        }

        Builder maxQueueSize(int size) {
            this.maxQueueSize = size;
            return this;
        }

        FakeDisk build() {
            return new FakeDisk(this);
        }
    }

    DeviceQueue queue() {
        return device.queue(0);
    }

    /** Completes every held chain as the device normally would. */
    void releaseHeld() {
        List<DescriptorChain> chains;
        synchronized (device) {
            chains = new ArrayList<>(held);
            held.clear();
        }
        for (DescriptorChain chain : chains) {
            queue().complete(chain, serve(chain));
        }
    }

    /** Completes the oldest held chain as the device normally would. */
    void releaseFirst() {
        DescriptorChain chain;
        synchronized (device) {
            chain = held.removeFirst();
        }
        queue().complete(chain, serve(chain));
    }

    private int handle(DescriptorChain chain) {
        byte[] header = new byte[16];
        MemorySegment first = chain.readable().getFirst().memory();
        MemorySegment.copy(first, ValueLayout.JAVA_BYTE, 0, header, 0, Math.min(16, chain.readable().getFirst().length()));
        MemorySegment h = MemorySegment.ofArray(header);
        seen.add(new Seen(h.get(LE32, 0), h.get(LE64, 8),
                chain.readable().stream().map(DescriptorChain.Descriptor::length).toList(),
                chain.writable().stream().map(DescriptorChain.Descriptor::length).toList(),
                chain.readable().stream().map(DescriptorChain.Descriptor::address).toList(),
                chain.writable().stream().map(DescriptorChain.Descriptor::address).toList()));
        if (holding) {
            held.add(chain);
            return DeviceQueue.HOLD;
        }
        return serve(chain);
    }

    /** Carries out one request (§5.2.6) and returns the used length: the device-writable bytes it wrote. */
    private int serve(DescriptorChain chain) {
        byte[] readable = chain.readAll();
        MemorySegment h = MemorySegment.ofArray(readable);
        int type = h.get(LE32, 0);
        long sector = h.get(LE64, 8);
        List<DescriptorChain.Descriptor> writable = chain.writable();
        DescriptorChain.Descriptor last = writable.getLast();
        MemorySegment statusByte = last.memory().asSlice(last.length() - 1, 1);
        long writableBytes = chain.writableLength();
        int status;
        int used;
        switch (type) {
            case 0 -> { // IN: data is every writable byte but the status
                long length = writableBytes - 1;
                if (length % 512 != 0 || sector * 512 + length > disk.length) {
                    status = 1;
                    used = 1;
                } else {
                    byte[] data = new byte[(int) length];
                    System.arraycopy(disk, (int) (sector * 512), data, 0, data.length);
                    scatter(writable, data);
                    status = 0;
                    used = (int) writableBytes;
                }
            }
            case 1 -> { // OUT: data is every readable byte after the 16-byte header
                int length = readable.length - 16;
                if (readOnly) {
                    status = 1; // §5.2.6.2: IOERR for a write to a read-only device, and no data written
                } else if (length % 512 != 0 || sector * 512 + length > disk.length) {
                    status = 1;
                } else {
                    System.arraycopy(readable, 16, disk, (int) (sector * 512), length);
                    status = 0;
                }
                used = 1;
            }
            case 4 -> {
                flushes++;
                status = 0;
                used = 1;
            }
            case 8 -> {
                if (getIdUnsupported) {
                    status = 2;
                    used = 1;
                } else {
                    byte[] id = new byte[20]; // NUL-padded, no NUL when 20 long
                    byte[] text = serial.getBytes(StandardCharsets.US_ASCII);
                    System.arraycopy(text, 0, id, 0, Math.min(20, text.length));
                    scatter(writable, id);
                    status = 0;
                    used = (int) writableBytes;
                }
            }
            default -> {
                status = 2;
                used = 1;
            }
        }
        if (type != 8 && forcedStatus >= 0) {
            status = forcedStatus;
        }
        if (!skipStatus) {
            statusByte.set(ValueLayout.JAVA_BYTE, 0, (byte) status);
        }
        return type != 8 && forcedUsedLength >= 0 ? forcedUsedLength : used;
    }

    private static void scatter(List<DescriptorChain.Descriptor> writable, byte[] data) {
        int at = 0;
        for (DescriptorChain.Descriptor d : writable) {
            int n = Math.min(d.length(), data.length - at);
            if (n <= 0) {
                break;
            }
            MemorySegment.copy(data, at, d.memory(), ValueLayout.JAVA_BYTE, 0, n);
            at += n;
        }
    }

    /** Returns the chains seen of {@code type}. */
    List<Seen> seen(int type) {
        synchronized (device) {
            return seen.stream().filter(s -> s.type() == type).toList();
        }
    }

    @Override
    public void close() throws Exception {
        device.close();
        if (ownsMemory) {
            memory.close();
        }
    }
}
