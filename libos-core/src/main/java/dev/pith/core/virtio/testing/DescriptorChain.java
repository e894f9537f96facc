package dev.pith.core.virtio.testing;

import java.lang.foreign.MemorySegment;
import java.lang.foreign.ValueLayout;
import java.util.List;

/**
 * A descriptor chain as the device sees it (virtio 1.2 §2.7.5): its head, and the memory of each
 * descriptor, device-readable ones first. Made by {@link DeviceQueue#take()}, which has already
 * checked the chain; given back with {@link DeviceQueue#complete}.
 */
public final class DescriptorChain {

    /** One descriptor: where it points and whether the device may write there. */
    public record Descriptor(long address, int length, boolean writable, MemorySegment memory) {}

    private final int head;
    private final List<Descriptor> readable;
    private final List<Descriptor> writable;

    DescriptorChain(int head, List<Descriptor> readable, List<Descriptor> writable) {
        this.head = head;
        this.readable = List.copyOf(readable);
        this.writable = List.copyOf(writable);
    }

    /** Returns the index of the chain's first descriptor, which the used element names. */
    public int head() {
        return head;
    }

    /** Returns the device-readable descriptors, in chain order. */
    public List<Descriptor> readable() {
        return readable;
    }

    /** Returns the device-writable descriptors, in chain order (they follow the readable ones, §2.7.4.2). */
    public List<Descriptor> writable() {
        return writable;
    }

    /** Returns the number of descriptors. */
    public int count() {
        return readable.size() + writable.size();
    }

    public long readableLength() {
        return readable.stream().mapToLong(Descriptor::length).sum();
    }

    public long writableLength() {
        return writable.stream().mapToLong(Descriptor::length).sum();
    }

    /** Returns all device-readable bytes, concatenated: a frame to transmit, a request header. */
    public byte[] readAll() {
        byte[] bytes = new byte[Math.toIntExact(readableLength())];
        int at = 0;
        for (Descriptor descriptor : readable) {
            MemorySegment.copy(descriptor.memory(), ValueLayout.JAVA_BYTE, 0, bytes, at, descriptor.length());
            at += descriptor.length();
        }
        return bytes;
    }

    /** Scatters {@code data} over the device-writable descriptors; returns how many bytes fit. */
    public int write(byte[] data) {
        int at = 0;
        for (Descriptor descriptor : writable) {
            if (at == data.length) {
                break;
            }
            int count = Math.min(descriptor.length(), data.length - at);
            MemorySegment.copy(data, at, descriptor.memory(), ValueLayout.JAVA_BYTE, 0, count);
            at += count;
        }
        return at;
    }

    @Override
    public String toString() {
        return "DescriptorChain[head " + head + ", " + readable.size() + " readable (" + readableLength() + " bytes), "
                + writable.size() + " writable (" + writableLength() + " bytes)]";
    }
}
