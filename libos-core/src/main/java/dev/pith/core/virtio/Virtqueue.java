package dev.pith.core.virtio;

import dev.pith.core.buffer.DmaRegion;
import dev.pith.core.dma.DmaArena;
import java.lang.foreign.MemorySegment;
import java.lang.foreign.ValueLayout;
import java.lang.invoke.VarHandle;
import java.nio.ByteOrder;
import java.util.Objects;
import java.util.function.Consumer;

/**
 * The driver side of a split virtqueue (virtio 1.2 §2.7): a descriptor table, an available ring
 * the driver writes and a used ring the device writes, each in physically contiguous DMA memory.
 *
 * <pre>{@code
 * Virtqueue<ByteBuf> tx = Virtqueue.allocate(arena, "net tx", 256);
 * transport.setUpQueue(1, tx);                                       // before DRIVER_OK
 * tx.setNoInterrupt(true);                                           // we poll (§2.7.7)
 * int head = tx.add(PacketBuffers.physicalAddress(frame, 0), length, false, frame);
 * if (head < 0) { drops++; frame.release(); }                        // FULL or BROKEN: count and drop
 * tx.kick();                                                         // once per batch
 * tx.poll((buf, written) -> buf.release());                          // reap what the device used
 * }</pre>
 *
 * <p>Each chain the driver exposes carries a token (the caller's buffer or request), kept in an
 * array indexed by the chain's head and handed back with the written length when the device has
 * used the chain. The free-descriptor list and the chains' links live in Java arrays, never in the
 * shared descriptor table, so a device that scribbles on descriptors cannot corrupt them.
 *
 * <p>Defensive against a malformed or malicious device: a used index that runs ahead of what is
 * in flight, an id out of range or not in flight (a duplicate), or a length beyond the chain's
 * device-writable bytes each put the queue into a {@linkplain #fault() fault} state with a message
 * naming the field and values; from then on {@link #add} returns {@link #BROKEN}, {@link #poll}
 * returns 0 and {@link #kick} does nothing, until the driver resets the device and calls
 * {@link #reclaim}. Every loop is bounded by the queue size; nothing here waits for the device.
 *
 * <p>Not thread-safe: one event loop owns a queue. {@link #add}, {@link #kick} and {@link #poll}
 * allocate nothing.
 *
 * @param <T> the type of the tokens that identify exposed chains
 */
public final class Virtqueue<T> {

    /** The largest queue size, the highest power of two that fits 16 bits (§2.7). */
    public static final int MAX_SIZE = 32768;
    /** {@link #add} result: not enough free descriptors; counted in {@link #fullCount()}. */
    public static final int FULL = -1;
    /** {@link #add} result: the queue is in a {@linkplain #fault() fault} state. */
    public static final int BROKEN = -2;

    /** Notifies the device that a queue has new available buffers (§4.1.5.2 on PCI: a write to its notify address). */
    @FunctionalInterface
    public interface Notifier {
        void notifyDevice();
    }

    /** Receives a used chain's token and the number of bytes the device wrote into its device-writable part. */
    @FunctionalInterface
    public interface UsedConsumer<T> {
        void accept(T token, int writtenLength);
    }

    /** What a device did wrong; see {@link #fault()}. */
    public enum Fault {
        /** Used {@code idx} advanced by more entries than chains were in flight. */
        USED_INDEX_JUMP,
        /** A used element's {@code id} is not a descriptor index. */
        ID_OUT_OF_RANGE,
        /** A used element's {@code id} is not the head of a chain in flight (a duplicate, or never exposed). */
        ID_NOT_IN_FLIGHT,
        /** A used element's {@code len} exceeds the chain's device-writable bytes. */
        LENGTH_TOO_LONG
    }

    // §2.7.5 struct virtq_desc { le64 addr; le32 len; le16 flags; le16 next; }
    private static final long DESC_SIZE = 16;
    private static final long DESC_ADDR = 0;
    private static final long DESC_LEN = 8;
    private static final long DESC_FLAGS = 12;
    private static final long DESC_NEXT = 14;
    /** §2.7.5: the buffer continues via the next field. */
    private static final int VIRTQ_DESC_F_NEXT = 1;
    /** §2.7.5: the buffer is device write-only (otherwise device read-only). */
    private static final int VIRTQ_DESC_F_WRITE = 2;

    // §2.7.6 struct virtq_avail { le16 flags; le16 idx; le16 ring[size]; le16 used_event; }
    private static final long AVAIL_FLAGS = 0;
    private static final long AVAIL_IDX = 2;
    private static final long AVAIL_RING = 4;
    /** §2.7.7: the driver does not want used buffer notifications. */
    private static final int VIRTQ_AVAIL_F_NO_INTERRUPT = 1;

    // §2.7.8 struct virtq_used { le16 flags; le16 idx; struct virtq_used_elem { le32 id; le32 len; } ring[size];
    // le16 avail_event; }
    private static final long USED_FLAGS = 0;
    private static final long USED_IDX = 2;
    private static final long USED_RING = 4;
    private static final long USED_ELEM_SIZE = 8;
    private static final long USED_ELEM_ID = 0;
    private static final long USED_ELEM_LEN = 4;
    /** §2.7.10: the device does not want available buffer notifications. */
    private static final int VIRTQ_USED_F_NO_NOTIFY = 1;

    // All fields are little-endian (§2.7, "le16"); the layouts are aligned, so a misplaced region fails loudly.
    private static final VarHandle LE16 = ValueLayout.JAVA_SHORT.withOrder(ByteOrder.LITTLE_ENDIAN).varHandle();
    private static final VarHandle LE32 = ValueLayout.JAVA_INT.withOrder(ByteOrder.LITTLE_ENDIAN).varHandle();
    private static final VarHandle LE64 = ValueLayout.JAVA_LONG.withOrder(ByteOrder.LITTLE_ENDIAN).varHandle();

    private static final int NONE = -1;

    private final String name;
    private final int size;
    private final MemorySegment descriptors;
    private final MemorySegment avail;
    private final MemorySegment used;
    private final long descriptorsAddress;
    private final long availAddress;
    private final long usedAddress;
    /** Offset of {@code used_event} in the available ring, and of {@code avail_event} in the used ring. */
    private final long usedEventOffset;
    private final long availEventOffset;

    /** Token of the chain whose head is the index; null when that descriptor is not a chain head in flight. */
    private final Object[] tokens;
    /** Java-side link of each descriptor: the next free one, or the next in its chain; never in shared memory. */
    private final int[] next;
    /** Number of descriptors in the chain headed by the index. */
    private final int[] chainLength;
    /** Device-writable bytes of the chain headed by the index: the most a used {@code len} may say. */
    private final int[] writableLength;
    private int freeHead;
    private int freeCount;

    /** The available {@code idx} as last published (16 bits, wrapping). */
    private int availIdx;
    /** Chains placed in the available ring since the last {@link #kick}. */
    private int added;
    /** Where the next used element will be (16 bits, wrapping): the driver's {@code last_seen_used}. */
    private int lastUsedIdx;
    /** Chains exposed and not yet used, including those {@link #added} but not yet published. */
    private int inFlight;

    private boolean eventIndex;
    private boolean noInterrupt;
    private Notifier notifier;

    private Fault fault;
    private String faultMessage;

    private long kicks;
    private long notifications;
    private long fullCount;
    private long usedCount;

    /**
     * Creates a queue of {@code size} entries over three regions, zeroing them.
     *
     * @param name used in messages, e.g. "0000:00:03.0 queue 1 (tx)"
     * @param size a power of two from 1 to {@value #MAX_SIZE}
     * @param descriptorTable the Descriptor Area: 16 × size bytes, physically 16-aligned
     * @param driverArea the available ring: 6 + 2 × size bytes, 2-aligned
     * @param deviceArea the used ring: 6 + 8 × size bytes, 4-aligned (§2.7, alignment table)
     */
    public Virtqueue(String name, int size, DmaRegion descriptorTable, DmaRegion driverArea, DmaRegion deviceArea) {
        this.name = Objects.requireNonNull(name, "name == null");
        if (size < 1 || size > MAX_SIZE || Integer.bitCount(size) != 1) {
            throw new IllegalArgumentException(name + ": queue size must be a power of two from 1 to " + MAX_SIZE
                    + ": " + size);
        }
        this.size = size;
        this.descriptors = check(name, "descriptor table", descriptorTable, descriptorTableSize(size), 16);
        this.avail = check(name, "available ring", driverArea, driverAreaSize(size), 2);
        this.used = check(name, "used ring", deviceArea, deviceAreaSize(size), 4);
        this.descriptorsAddress = descriptorTable.physicalAddress();
        this.availAddress = driverArea.physicalAddress();
        this.usedAddress = deviceArea.physicalAddress();
        this.usedEventOffset = AVAIL_RING + 2L * size;
        this.availEventOffset = USED_RING + USED_ELEM_SIZE * size;
        this.tokens = new Object[size];
        this.next = new int[size];
        this.chainLength = new int[size];
        this.writableLength = new int[size];
        initialize();
    }

    /**
     * Allocates the three parts of a queue of {@code size} entries from {@code arena}, each on its
     * own cache lines (the driver writes the available ring, the device the used ring).
     *
     * @throws IllegalArgumentException if a part is larger than the arena's contiguous chunks
     *     (the descriptor table of a 512-entry queue is 8 KiB: more than a locked 4 KiB page)
     */
    public static <T> Virtqueue<T> allocate(DmaArena arena, String name, int size) {
        if (size < 1 || size > MAX_SIZE || Integer.bitCount(size) != 1) {
            throw new IllegalArgumentException(name + ": queue size must be a power of two from 1 to " + MAX_SIZE
                    + ": " + size);
        }
        return new Virtqueue<>(name, size, arena.allocate(descriptorTableSize(size), 64),
                arena.allocate(driverAreaSize(size), 64), arena.allocate(deviceAreaSize(size), 64));
    }

    /** Returns the Descriptor Area's size for {@code size} entries: 16 × size (§2.7). */
    public static long descriptorTableSize(int size) {
        return DESC_SIZE * size;
    }

    /** Returns the Driver Area's size for {@code size} entries: 6 + 2 × size, {@code used_event} included (§2.7). */
    public static long driverAreaSize(int size) {
        return 6 + 2L * size;
    }

    /** Returns the Device Area's size for {@code size} entries: 6 + 8 × size, {@code avail_event} included (§2.7). */
    public static long deviceAreaSize(int size) {
        return 6 + 8L * size;
    }

    private static MemorySegment check(String name, String part, DmaRegion region, long bytes, long alignment) {
        Objects.requireNonNull(region, part + " == null");
        if (!region.hasPhysicalAddress()) {
            throw new IllegalArgumentException(name + ": the " + part + " has no physical address a device could use");
        }
        if (region.memory().byteSize() < bytes) {
            throw new IllegalArgumentException(name + ": the " + part + " needs " + bytes + " bytes, the region has "
                    + region.memory().byteSize());
        }
        if (region.physicalAddress() % alignment != 0 || region.memory().address() % alignment != 0) {
            throw new IllegalArgumentException(name + ": the " + part + " must be " + alignment + "-aligned (§2.7): 0x"
                    + Long.toHexString(region.physicalAddress()));
        }
        return region.memory().asSlice(0, bytes);
    }

    /** Zeroes the rings and makes every descriptor free; {@code used->flags} must start at 0 (§2.7.10.1). */
    private void initialize() {
        descriptors.fill((byte) 0);
        avail.fill((byte) 0);
        used.fill((byte) 0);
        for (int i = 0; i < size; i++) {
            next[i] = i + 1 < size ? i + 1 : NONE;
            tokens[i] = null;
        }
        freeHead = 0;
        freeCount = size;
        availIdx = 0;
        added = 0;
        lastUsedIdx = 0;
        inFlight = 0;
        fault = null;
        faultMessage = null;
        if (noInterrupt && !eventIndex) {
            LE16.setVolatile(avail, AVAIL_FLAGS, (short) VIRTQ_AVAIL_F_NO_INTERRUPT);
        }
    }

    // ---- Setup, done by the transport.

    /** Sets what {@link #kick} calls when the device wants a notification; {@code setUpQueue} does this. */
    public void setNotifier(Notifier notifier) {
        this.notifier = Objects.requireNonNull(notifier, "notifier == null");
    }

    /**
     * Uses {@code used_event} and {@code avail_event} instead of the flags (§2.7.7, §2.7.10); only
     * when VIRTIO_F_EVENT_IDX was negotiated, which the transport knows and sets.
     */
    void useEventIndex(boolean negotiated) {
        this.eventIndex = negotiated;
        setNoInterrupt(noInterrupt);
    }

    // ---- The data path.

    /**
     * Exposes one buffer as a one-descriptor chain, to be published by the next {@link #kick}.
     *
     * @param address the buffer's physical address
     * @param length its length in bytes, at least 1
     * @param deviceWritable whether the device writes the buffer (receive) or reads it (transmit)
     * @param token handed back by {@link #poll} when the device has used the buffer
     * @return the chain's head, {@link #FULL} or {@link #BROKEN}
     */
    public int add(long address, int length, boolean deviceWritable, T token) {
        if (fault != null) {
            return BROKEN;
        }
        Objects.requireNonNull(token, "token == null");
        checkLength(length);
        if (freeCount == 0) {
            fullCount++;
            return FULL;
        }
        int head = freeHead;
        freeHead = next[head];
        freeCount--;
        writeDescriptor(head, address, length, deviceWritable ? VIRTQ_DESC_F_WRITE : 0, 0);
        expose(head, 1, deviceWritable ? length : 0, token);
        return head;
    }

    /**
     * Exposes a chain of {@code count} buffers (§2.7.13.1): the first {@code readable} are
     * device-readable and the rest device-writable, the only order the device accepts (§2.7.4.2).
     * virtio-blk's requests are such chains: a 16-byte header (readable), the data (readable for a
     * write, writable for a read), a 1-byte status (writable).
     *
     * @param addresses physical addresses, of which the first {@code count} are used
     * @param lengths lengths in bytes, each at least 1; the writable ones may total at most 2^31 - 1
     * @param readable how many of the chain's buffers, from the start, the device reads
     * @return the chain's head, {@link #FULL} or {@link #BROKEN}
     */
    public int addChain(long[] addresses, int[] lengths, int readable, int count, T token) {
        if (fault != null) {
            return BROKEN;
        }
        Objects.requireNonNull(token, "token == null");
        if (count < 1 || count > size || count > addresses.length || count > lengths.length
                || readable < 0 || readable > count) {
            throw new IllegalArgumentException(name + ": chain of " + count + " buffers, " + readable
                    + " readable, from arrays of " + addresses.length + " and " + lengths.length);
        }
        long writable = 0;
        for (int i = 0; i < count; i++) {
            checkLength(lengths[i]);
            if (i >= readable) {
                writable += lengths[i];
            }
        }
        if (writable > Integer.MAX_VALUE) {
            throw new IllegalArgumentException(name + ": chain has " + writable
                    + " writable bytes, more than 2^31 - 1");
        }
        if (freeCount < count) {
            fullCount++;
            return FULL;
        }
        // The free list is linked through next[], so the chain is its first count entries, already in order.
        int head = freeHead;
        int descriptor = head;
        for (int i = 0; i < count; i++) {
            boolean last = i == count - 1;
            int flags = (i >= readable ? VIRTQ_DESC_F_WRITE : 0) | (last ? 0 : VIRTQ_DESC_F_NEXT);
            writeDescriptor(descriptor, addresses[i], lengths[i], flags, last ? 0 : next[descriptor]);
            if (!last) {
                descriptor = next[descriptor];
            }
        }
        freeHead = next[descriptor];
        freeCount -= count;
        expose(head, count, (int) writable, token);
        return head;
    }

    private void checkLength(int length) {
        // QEMU treats a zero-length descriptor as a driver error and stops the device.
        if (length < 1) {
            throw new IllegalArgumentException(name + ": buffer length < 1: " + length);
        }
    }

    private void writeDescriptor(int index, long address, int length, int flags, int nextIndex) {
        long at = index * DESC_SIZE;
        LE64.set(descriptors, at + DESC_ADDR, address);
        LE32.set(descriptors, at + DESC_LEN, length);
        LE16.set(descriptors, at + DESC_FLAGS, (short) flags);
        LE16.set(descriptors, at + DESC_NEXT, (short) nextIndex);
    }

    /** §2.7.13.2: place the head in the next available ring entry; idx is published by {@link #kick}. */
    private void expose(int head, int count, int writable, T token) {
        tokens[head] = token;
        chainLength[head] = count;
        writableLength[head] = writable;
        int slot = (availIdx + added) & (size - 1);
        LE16.set(avail, AVAIL_RING + 2L * slot, (short) head);
        added++;
        inFlight++;
    }

    /**
     * Publishes the chains added since the last kick and notifies the device unless it suppressed
     * notifications (§2.7.13.3, §2.7.13.4). Call it once per batch.
     *
     * @return whether the device was notified
     * @throws IllegalStateException if no {@linkplain #setNotifier notifier} was set (the queue was never set up)
     */
    public boolean kick() {
        if (fault != null || added == 0) {
            return false;
        }
        if (notifier == null) {
            throw new IllegalStateException(name + ": kick before the queue was set up with a transport");
        }
        int old = availIdx;
        int now = (old + added) & 0xffff;
        availIdx = now;
        added = 0;
        kicks++;
        // §2.7.13.3.1: the descriptors and ring entries must reach the device before idx does: a release store.
        LE16.setRelease(avail, AVAIL_IDX, (short) now);
        // §2.7.13.4.1: a full barrier between publishing idx and reading the suppression fields, or the device may
        // have gone to sleep after reading the old idx while we read its stale "no notify": a lost notification.
        VarHandle.fullFence();
        boolean notify;
        if (eventIndex) {
            // §2.7.10: notify if idx just moved past avail_event: vring_need_event(event, new, old).
            int event = Short.toUnsignedInt((short) LE16.getVolatile(used, availEventOffset));
            notify = ((now - event - 1) & 0xffff) < ((now - old) & 0xffff);
        } else {
            notify = (Short.toUnsignedInt((short) LE16.getVolatile(used, USED_FLAGS)) & VIRTQ_USED_F_NO_NOTIFY) == 0;
        }
        if (notify) {
            notifications++;
            notifier.notifyDevice();
        }
        return notify;
    }

    /** Reaps at most a queue's worth of used chains; see {@link #poll(UsedConsumer, int)}. */
    public int poll(UsedConsumer<? super T> consumer) {
        return poll(consumer, size);
    }

    /**
     * Hands up to {@code max} used chains to {@code consumer}, oldest first, after returning their
     * descriptors to the free list (so the consumer may add again at once). Returns how many; 0
     * when none are used, and from the entry on which the device broke the protocol, the queue
     * stays in its {@linkplain #fault() fault} state.
     */
    @SuppressWarnings("unchecked") // tokens[] holds only Ts
    public int poll(UsedConsumer<? super T> consumer, int max) {
        if (fault != null) {
            return 0;
        }
        // §2.7.8: the device writes the elements, then idx; acquire so that they are read after it.
        int usedIdx = Short.toUnsignedInt((short) LE16.getAcquire(used, USED_IDX));
        int pending = (usedIdx - lastUsedIdx) & 0xffff;
        if (pending == 0) {
            return 0;
        }
        int published = inFlight - added;
        if (pending > published) {
            return broken(Fault.USED_INDEX_JUMP, "used idx moved from " + lastUsedIdx + " to " + usedIdx + ": "
                    + pending + " entries, but only " + published + " chains are in flight");
        }
        int count = Math.min(pending, max);
        for (int i = 0; i < count; i++) {
            long element = USED_RING + USED_ELEM_SIZE * (lastUsedIdx & (size - 1));
            int id = (int) LE32.get(used, element + USED_ELEM_ID);
            int length = (int) LE32.get(used, element + USED_ELEM_LEN);
            if (Integer.compareUnsigned(id, size) >= 0) {
                return broken(i, Fault.ID_OUT_OF_RANGE, "used ring entry " + lastUsedIdx + " has id "
                        + Integer.toUnsignedString(id) + ", outside 0.." + (size - 1));
            }
            Object token = tokens[id];
            if (token == null) {
                return broken(i, Fault.ID_NOT_IN_FLIGHT, "used ring entry " + lastUsedIdx + " has id " + id
                        + ", which is not the head of a chain in flight (a duplicate?)");
            }
            if (Integer.compareUnsigned(length, writableLength[id]) > 0) {
                return broken(i, Fault.LENGTH_TOO_LONG, "used ring entry " + lastUsedIdx + " says "
                        + Integer.toUnsignedString(length) + " bytes written to chain " + id + ", which has "
                        + writableLength[id] + " device-writable bytes");
            }
            tokens[id] = null;
            free(id);
            inFlight--;
            usedCount++;
            lastUsedIdx = (lastUsedIdx + 1) & 0xffff;
            consumer.accept((T) token, length);
        }
        if (eventIndex && !noInterrupt) {
            publishUsedEvent();
        }
        return count;
    }

    /** Puts the chain headed by {@code head} back on the free list: its tail links to the old free head. */
    private void free(int head) {
        int tail = head;
        for (int i = 1; i < chainLength[head]; i++) {
            tail = next[tail];
        }
        next[tail] = freeHead;
        freeHead = head;
        freeCount += chainLength[head];
    }

    /** Returns whether the device has used chains that {@link #poll} has not reaped yet. */
    public boolean hasUsed() {
        return fault == null
                && Short.toUnsignedInt((short) LE16.getAcquire(used, USED_IDX)) != lastUsedIdx;
    }

    /**
     * Asks the device not to send used buffer notifications (true: the driver polls), or to send
     * them again (§2.7.7). Without EVENT_IDX this is VIRTQ_AVAIL_F_NO_INTERRUPT in the available
     * ring's flags; with it the flags stay 0 and {@code used_event} follows {@link #poll}. Either
     * way it is advice, and spurious notifications remain possible.
     */
    public void setNoInterrupt(boolean noInterrupt) {
        this.noInterrupt = noInterrupt;
        if (eventIndex) {
            LE16.setVolatile(avail, AVAIL_FLAGS, (short) 0); // §2.7.7.1: MUST be 0 with EVENT_IDX
            if (!noInterrupt) {
                publishUsedEvent();
            }
        } else {
            LE16.setVolatile(avail, AVAIL_FLAGS, (short) (noInterrupt ? VIRTQ_AVAIL_F_NO_INTERRUPT : 0));
        }
    }

    /**
     * Re-enables used buffer notifications and returns whether used chains arrived meanwhile,
     * which the caller must then poll instead of waiting: the race §2.7.14 describes.
     */
    public boolean enableInterruptAndCheck() {
        setNoInterrupt(false);
        VarHandle.fullFence(); // the flag or used_event must be visible before we look at idx again
        return hasUsed();
    }

    private void publishUsedEvent() {
        // §2.7.7: notify when the used ring reaches our next entry.
        LE16.setRelease(avail, usedEventOffset, (short) lastUsedIdx);
        VarHandle.fullFence();
    }

    // ---- Faults.

    private int broken(Fault kind, String message) {
        return broken(0, kind, message);
    }

    private int broken(int reaped, Fault kind, String message) {
        fault = kind;
        faultMessage = name + ": " + message;
        return reaped;
    }

    /** Returns what the device did wrong, or null while it has kept to the protocol. */
    public Fault fault() {
        return fault;
    }

    /** Returns whether the queue is in a fault state. */
    public boolean isBroken() {
        return fault != null;
    }

    /** Returns the fault's description, naming the ring field and values; null without a fault. */
    public String faultMessage() {
        return faultMessage;
    }

    /** Throws if the queue is in a fault state: for setup code and tests, which may throw. */
    public void checkNotBroken() throws VirtioException {
        if (fault != null) {
            throw new VirtioException(faultMessage);
        }
    }

    /**
     * Takes back every chain in flight after the device was reset (so it no longer touches the
     * rings), handing each token to {@code inFlightToken}, and makes the queue new: zeroed rings,
     * indices 0, no fault. Set the queue up again before using it.
     */
    @SuppressWarnings("unchecked")
    public int reclaim(Consumer<? super T> inFlightToken) {
        int reclaimed = 0;
        for (int i = 0; i < size; i++) {
            if (tokens[i] != null) {
                T token = (T) tokens[i];
                tokens[i] = null;
                reclaimed++;
                inFlightToken.accept(token);
            }
        }
        initialize();
        return reclaimed;
    }

    // ---- Accessors.

    public String name() {
        return name;
    }

    /** Returns the number of descriptors, which is also the number of ring entries. */
    public int size() {
        return size;
    }

    /** Returns the physical address of the Descriptor Area, for {@code queue_desc}. */
    public long descriptorTableAddress() {
        return descriptorsAddress;
    }

    /** Returns the physical address of the Driver Area (available ring), for {@code queue_driver}. */
    public long driverAreaAddress() {
        return availAddress;
    }

    /** Returns the physical address of the Device Area (used ring), for {@code queue_device}. */
    public long deviceAreaAddress() {
        return usedAddress;
    }

    /** Returns how many descriptors are free. */
    public int freeDescriptors() {
        return freeCount;
    }

    /** Returns how many chains are exposed (published or not) and not yet used. */
    public int inFlight() {
        return inFlight;
    }

    /** Returns how many times {@link #kick} published chains. */
    public long kicks() {
        return kicks;
    }

    /** Returns how many of those kicks notified the device. */
    public long notifications() {
        return notifications;
    }

    /** Returns how many times {@link #add} or {@link #addChain} found too few free descriptors. */
    public long fullCount() {
        return fullCount;
    }

    /** Returns how many used chains {@link #poll} has handed over. */
    public long usedCount() {
        return usedCount;
    }

    @Override
    public String toString() {
        return "Virtqueue[" + name + ", size " + size + ", " + inFlight + " in flight, " + freeCount + " free"
                + (fault != null ? ", BROKEN: " + fault : "") + "]";
    }
}
