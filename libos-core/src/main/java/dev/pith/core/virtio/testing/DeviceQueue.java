package dev.pith.core.virtio.testing;

import dev.pith.core.dma.DmaArena;
import java.lang.foreign.MemorySegment;
import java.lang.foreign.ValueLayout;
import java.lang.invoke.VarHandle;
import java.nio.ByteOrder;
import java.util.ArrayList;
import java.util.List;

/**
 * The device side of one split virtqueue (virtio 1.2 §2.7), over the rings a driver set up: it
 * takes available chains, checking them as a strict device would, and returns them through the
 * used ring, optionally {@linkplain Misbehavior misbehaving}. Written from the specification
 * independently of {@code Virtqueue}, so that each checks the other.
 *
 * <p>A driver error (a head or {@code next} out of range, a loop, a zero-length or unmapped
 * buffer, a readable descriptor after a writable one, an available {@code idx} that jumps) is
 * recorded in {@link SoftwareVirtioDevice#errors()}, sets DEVICE_NEEDS_RESET and stops the
 * queue, as QEMU's {@code virtio_error} does. All methods hold the device's lock.
 */
public final class DeviceQueue {

    /** Returned by a {@link ChainHandler} to leave a chain uncompleted (the test completes it later). */
    public static final int HOLD = -1;

    /** Serves one chain: returns the bytes written into its writable part, or {@link #HOLD}. */
    @FunctionalInterface
    public interface ChainHandler {
        int handle(DescriptorChain chain);
    }

    private static final VarHandle LE16 = ValueLayout.JAVA_SHORT.withOrder(ByteOrder.LITTLE_ENDIAN).varHandle();
    private static final VarHandle LE32 = ValueLayout.JAVA_INT.withOrder(ByteOrder.LITTLE_ENDIAN).varHandle();
    private static final VarHandle LE64 = ValueLayout.JAVA_LONG.withOrder(ByteOrder.LITTLE_ENDIAN).varHandle();
    private static final int VIRTQ_DESC_F_NEXT = 1;
    private static final int VIRTQ_DESC_F_WRITE = 2;
    private static final int VIRTQ_DESC_F_INDIRECT = 4;
    private static final int VIRTQ_AVAIL_F_NO_INTERRUPT = 1;
    private static final int VIRTQ_USED_F_NO_NOTIFY = 1;

    private final SoftwareVirtioDevice device;
    private final int index;
    private final int size;
    private final DmaArena memory;
    private final MemorySegment descriptors;
    private final MemorySegment avail;
    private final MemorySegment used;
    private final boolean eventIndex;

    private int lastAvailIdx;
    private int usedIdx;
    private boolean broken;
    private volatile Misbehavior misbehavior = Misbehavior.NONE;
    private long notifications;
    private long interrupts;
    private long taken;
    private long completed;

    DeviceQueue(SoftwareVirtioDevice device, int index, int size, DmaArena memory, MemorySegment descriptors,
            MemorySegment avail, MemorySegment used, boolean eventIndex) {
        this.device = device;
        this.index = index;
        this.size = size;
        this.memory = memory;
        this.descriptors = descriptors;
        this.avail = avail;
        this.used = used;
        this.eventIndex = eventIndex;
    }

    public int index() {
        return index;
    }

    public int size() {
        return size;
    }

    /** Returns how many chains the driver has published and the device not yet taken; 0 once broken. */
    public int available() {
        synchronized (device) {
            if (broken) {
                return 0;
            }
            int pending = (availIdx() - lastAvailIdx) & 0xffff;
            if (pending > size) {
                fail("available idx " + availIdx() + " is " + pending + " ahead of the device's " + lastAvailIdx
                        + ", more than the queue size " + size);
                return 0;
            }
            return pending;
        }
    }

    /** Returns the next available chain, checked, or null if there is none (or the driver broke the queue). */
    public DescriptorChain take() {
        synchronized (device) {
            if (available() == 0) {
                if (eventIndex && !broken) {
                    // §2.7.10: ask to be notified when the driver publishes the next entry, as QEMU does.
                    LE16.setVolatile(used, 4 + 8L * size, (short) lastAvailIdx);
                }
                return null;
            }
            int slot = lastAvailIdx & (size - 1);
            int head = Short.toUnsignedInt((short) LE16.get(avail, 4 + 2L * slot));
            DescriptorChain chain = walk(head);
            if (chain == null) {
                return null;
            }
            lastAvailIdx = (lastAvailIdx + 1) & 0xffff;
            taken++;
            return chain;
        }
    }

    private DescriptorChain walk(int head) {
        if (head >= size) {
            fail("available ring entry " + lastAvailIdx + " names head " + head + ", outside the " + size
                    + "-entry descriptor table");
            return null;
        }
        List<DescriptorChain.Descriptor> readable = new ArrayList<>();
        List<DescriptorChain.Descriptor> writable = new ArrayList<>();
        int descriptor = head;
        for (int count = 1; ; count++) {
            if (count > size) {
                fail("the chain from head " + head + " is longer than the queue (a loop?)");
                return null;
            }
            long at = 16L * descriptor;
            long address = (long) LE64.get(descriptors, at);
            int length = (int) LE32.get(descriptors, at + 8);
            int flags = Short.toUnsignedInt((short) LE16.get(descriptors, at + 12));
            int next = Short.toUnsignedInt((short) LE16.get(descriptors, at + 14));
            String where = "descriptor " + descriptor + " (chain from head " + head + ")";
            if ((flags & VIRTQ_DESC_F_INDIRECT) != 0) {
                fail(where + " is indirect, but VIRTIO_F_INDIRECT_DESC was not negotiated");
                return null;
            }
            if (length == 0) {
                fail(where + " has length 0");
                return null;
            }
            MemorySegment segment;
            try {
                segment = memory.resolve(address, Integer.toUnsignedLong(length));
            } catch (IllegalArgumentException e) {
                fail(where + " points at 0x" + Long.toHexString(address) + " + " + Integer.toUnsignedString(length)
                        + " bytes, which is not DMA memory: " + e.getMessage());
                return null;
            }
            boolean isWritable = (flags & VIRTQ_DESC_F_WRITE) != 0;
            if (!isWritable && !writable.isEmpty()) {
                fail(where + " is device-readable but follows a device-writable one (§2.7.4.2)");
                return null;
            }
            (isWritable ? writable : readable)
                    .add(new DescriptorChain.Descriptor(address, length, isWritable, segment));
            if ((flags & VIRTQ_DESC_F_NEXT) == 0) {
                return new DescriptorChain(head, readable, writable);
            }
            if (next >= size) {
                fail(where + " has next " + next + ", outside the descriptor table");
                return null;
            }
            descriptor = next;
        }
    }

    /** Returns {@code chain} to the driver with {@code writtenLength} bytes written, unless told to misbehave. */
    public void complete(DescriptorChain chain, int writtenLength) {
        synchronized (device) {
            if (broken) {
                return;
            }
            switch (misbehavior) {
                case NONE -> publish(chain.head(), writtenLength, 1);
                case USED_INDEX_JUMP -> publish(chain.head(), writtenLength, 1 + size + 1);
                case ID_OUT_OF_RANGE -> publish(size + 7, writtenLength, 1);
                case DUPLICATE_ID -> {
                    writeElement(usedIdx, chain.head(), writtenLength);
                    publish(chain.head(), writtenLength, 2, 1);
                }
                case LENGTH_TOO_LONG -> publish(chain.head(), (int) chain.writableLength() + 1, 1);
                case NEVER_COMPLETE -> { }
            }
        }
    }

    /** Writes a used element with any id and length, and publishes it: for tests of what no device should do. */
    public void completeRaw(int id, int length) {
        synchronized (device) {
            publish(id, length, 1);
        }
    }

    /** Sets the used {@code idx} to any value without writing elements. */
    public void publishUsedIndex(int value) {
        synchronized (device) {
            usedIdx = value & 0xffff;
            LE16.setRelease(used, 2L, (short) usedIdx);
        }
    }

    private void publish(int id, int length, int advance) {
        publish(id, length, advance, 0);
    }

    /** Writes the element at usedIdx + {@code slotOffset}, then advances idx with a release store (§2.7.8.1). */
    private void publish(int id, int length, int advance, int slotOffset) {
        writeElement(usedIdx + slotOffset, id, length);
        int old = usedIdx;
        usedIdx = (usedIdx + advance) & 0xffff;
        LE16.setRelease(used, 2L, (short) usedIdx);
        completed++;
        VarHandle.fullFence(); // idx visible before we read the driver's suppression fields
        if (eventIndex) {
            int usedEvent = Short.toUnsignedInt((short) LE16.getVolatile(avail, 4 + 2L * size));
            if (((usedIdx - usedEvent - 1) & 0xffff) < ((usedIdx - old) & 0xffff)) {
                interrupt();
            }
        } else if ((Short.toUnsignedInt((short) LE16.getVolatile(avail, 0L)) & VIRTQ_AVAIL_F_NO_INTERRUPT) == 0) {
            interrupt();
        }
    }

    private void writeElement(int position, int id, int length) {
        long at = 4 + 8L * (position & (size - 1));
        LE32.set(used, at, id);
        LE32.set(used, at + 4, length);
    }

    private void interrupt() {
        interrupts++;
        device.raiseQueueInterrupt();
    }

    /** Takes every available chain and completes it with {@code handler}'s length; returns how many were taken. */
    public int serve(ChainHandler handler) {
        synchronized (device) {
            int count = 0;
            for (DescriptorChain chain = take(); chain != null; chain = take()) {
                count++;
                int written = handler.handle(chain);
                if (written != HOLD) {
                    complete(chain, written);
                }
            }
            return count;
        }
    }

    /** Makes every later {@link #complete} misbehave so (until {@link Misbehavior#NONE}). */
    public void misbehave(Misbehavior misbehavior) {
        this.misbehavior = misbehavior;
    }

    /** Sets or clears VIRTQ_USED_F_NO_NOTIFY: the device asks not to be notified (§2.7.10). */
    public void setNoNotify(boolean noNotify) {
        synchronized (device) {
            LE16.setVolatile(used, 0L, (short) (noNotify ? VIRTQ_USED_F_NO_NOTIFY : 0));
        }
    }

    /** Sets {@code avail_event} (EVENT_IDX): the driver should notify once its idx passes this value. */
    public void setAvailEvent(int value) {
        synchronized (device) {
            LE16.setVolatile(used, 4 + 8L * size, (short) value);
        }
    }

    /** Returns the driver's published available {@code idx}, read with acquire as the device does. */
    public int availIdx() {
        return Short.toUnsignedInt((short) LE16.getAcquire(avail, 2L));
    }

    /** Returns whether the driver set VIRTQ_AVAIL_F_NO_INTERRUPT. */
    public boolean driverSuppressesInterrupts() {
        return (Short.toUnsignedInt((short) LE16.getVolatile(avail, 0L)) & VIRTQ_AVAIL_F_NO_INTERRUPT) != 0;
    }

    /** Returns the driver's {@code used_event} (meaningful with EVENT_IDX only). */
    public int usedEvent() {
        return Short.toUnsignedInt((short) LE16.getVolatile(avail, 4 + 2L * size));
    }

    public int usedIdx() {
        synchronized (device) {
            return usedIdx;
        }
    }

    /** Returns how many notifications the driver sent this queue. */
    public long notifications() {
        synchronized (device) {
            return notifications;
        }
    }

    /** Returns how many used buffer notifications (interrupts) the device sent. */
    public long interrupts() {
        synchronized (device) {
            return interrupts;
        }
    }

    /** Returns how many chains the device took and how many used elements it wrote. */
    public long taken() {
        synchronized (device) {
            return taken;
        }
    }

    public long completed() {
        synchronized (device) {
            return completed;
        }
    }

    /** Returns whether the driver broke this queue (see {@link SoftwareVirtioDevice#errors()}). */
    public boolean isBroken() {
        synchronized (device) {
            return broken;
        }
    }

    void notified() {
        notifications++;
    }

    private void fail(String message) {
        broken = true;
        device.driverError("queue " + index + ": " + message);
    }

    @Override
    public String toString() {
        return "DeviceQueue[" + index + ", size " + size + ", avail " + lastAvailIdx + ", used " + usedIdx
                + (broken ? ", BROKEN" : "") + (misbehavior != Misbehavior.NONE ? ", " + misbehavior : "") + "]";
    }
}
