package dev.pith.net.internal.tcp;

import io.netty.buffer.ByteBuf;

/**
 * A bounded circular byte buffer, TCP's send and receive buffer (RFC 9293 §3.3.1's "send buffer"
 * and "receive buffer"; smoltcp's {@code RingBuffer}).
 *
 * <p>Bytes from offset 0 to {@link #length()} are <em>stored</em>: appended by the application and
 * not yet acknowledged (send side), or received in order and not yet read (receive side). Past the
 * end, {@link #writeAt} may place out-of-order bytes that {@link #commit} later makes stored, once
 * the gap before them is filled; an {@link Assembler} remembers which ranges those are. Offsets are
 * always relative to the front.
 *
 * <p>The backing array is allocated on the first write, at {@code initialCapacity} bytes, and
 * doubles when needed up to {@code maxCapacity}, so an idle connection costs no buffer memory and
 * a busy one stops allocating once it has grown. {@link #release()} drops the array. No method
 * keeps a reference to a {@code ByteBuf} it is given, and none releases one: callers own them.
 * Not thread-safe: one event loop.
 */
final class ByteRing {

    private final int initialCapacity;
    private final int maxCapacity;
    /** Null until the first write and after {@link #release()}. */
    private byte[] array;
    /** Index in {@link #array} of offset 0. */
    private int head;
    /** Bytes stored, from offset 0. */
    private int length;
    /** Bytes from offset 0 that growth must preserve: stored ones and any written past them by writeAt; >= length. */
    private int extent;

    /** Creates an empty ring that allocates {@code initialCapacity} bytes on first use and holds at most {@code maxCapacity}. */
    ByteRing(int initialCapacity, int maxCapacity) {
        if (initialCapacity < 1 || initialCapacity > maxCapacity) {
            throw new IllegalArgumentException(
                    "need 1 <= initialCapacity <= maxCapacity: " + initialCapacity + ", " + maxCapacity);
        }
        this.initialCapacity = initialCapacity;
        this.maxCapacity = maxCapacity;
    }

    /** Returns the number of bytes stored. */
    int length() {
        return length;
    }

    /** Returns whether no byte is stored. */
    boolean isEmpty() {
        return length == 0;
    }

    /** Returns how many more bytes may be stored: {@code maxCapacity - length()}, whatever is allocated now. */
    int free() {
        return maxCapacity - length;
    }

    /** Returns the most bytes this ring will hold. */
    int maxCapacity() {
        return maxCapacity;
    }

    /** Returns the size of the backing array now, 0 before the first write. */
    int capacity() {
        return array == null ? 0 : array.length;
    }

    /**
     * Copies {@code min(max, src.readableBytes(), free())} bytes from {@code src}'s reader index to
     * the end, advancing that reader index; returns the count. Overwrites anything {@link #writeAt}
     * put there.
     */
    int append(ByteBuf src, int max) {
        int n = Math.min(Math.min(max, src.readableBytes()), free());
        if (n <= 0) {
            return 0;
        }
        ensureCapacity(length + n);
        int tail = index(length);
        int first = Math.min(n, array.length - tail);
        src.readBytes(array, tail, first);
        if (n > first) {
            src.readBytes(array, 0, n - first);
        }
        length += n;
        extent = Math.max(extent, length);
        return n;
    }

    /**
     * Copies stored bytes {@code [offset, offset + count)} into {@code dst} at {@code dstIndex}
     * (absolute: {@code dst}'s indices are unchanged); the bytes stay stored. For (re)transmission.
     */
    void peek(int offset, ByteBuf dst, int dstIndex, int count) {
        checkStored(offset, count);
        if (count == 0) {
            return;
        }
        int i = index(offset);
        int first = Math.min(count, array.length - i);
        dst.setBytes(dstIndex, array, i, first);
        if (count > first) {
            dst.setBytes(dstIndex + first, array, 0, count - first);
        }
    }

    /** Drops {@code n} stored bytes from the front (acknowledged data). */
    void discard(int n) {
        if (n < 0 || n > length) {
            throw new IndexOutOfBoundsException("discard(" + n + ") with " + length + " bytes stored");
        }
        if (n == 0) {
            return;
        }
        head = index(n);
        length -= n;
        extent -= n;
    }

    /**
     * Moves up to {@code max} bytes from the front into {@code dst} at its writer index, advancing
     * it; stops early if {@code dst} cannot grow further. Returns the count.
     */
    int read(ByteBuf dst, int max) {
        int n = Math.min(Math.min(max, length), dst.maxWritableBytes());
        if (n <= 0) {
            return 0;
        }
        int i = index(0);
        int first = Math.min(n, array.length - i);
        dst.writeBytes(array, i, first);
        if (n > first) {
            dst.writeBytes(array, 0, n - first);
        }
        discard(n);
        return n;
    }

    /**
     * Copies {@code count} bytes of {@code src} from {@code srcIndex} (absolute; {@code src}'s
     * indices are unchanged) to {@code offset} bytes past the end of the stored data, without
     * storing them: out-of-order data. Requires {@code offset + count <= free()}; grows if needed.
     */
    void writeAt(int offset, ByteBuf src, int srcIndex, int count) {
        if (offset < 0 || count < 0 || (long) offset + count > free()) {
            throw new IndexOutOfBoundsException(
                    "writeAt(" + offset + ", count " + count + ") with " + free() + " bytes free");
        }
        if (count == 0) {
            return;
        }
        int end = length + offset + count;
        ensureCapacity(end);
        int i = index(length + offset);
        int first = Math.min(count, array.length - i);
        src.getBytes(srcIndex, array, i, first);
        if (count > first) {
            src.getBytes(srcIndex + first, array, 0, count - first);
        }
        extent = Math.max(extent, end);
    }

    /** Makes {@code n} bytes past the end, written earlier by {@link #writeAt}, stored. */
    void commit(int n) {
        if (n < 0 || n > extent - length) {
            throw new IndexOutOfBoundsException(
                    "commit(" + n + ") but only " + (extent - length) + " bytes written past the end");
        }
        length += n;
    }

    /**
     * Moves up to {@code max} bytes from this ring's front to the end of {@code target}, as many as
     * both allow; returns the count.
     */
    int transferTo(ByteRing target, int max) {
        if (target == this) {
            throw new IllegalArgumentException("transferTo(this)");
        }
        int n = Math.min(Math.min(max, length), target.free());
        if (n <= 0) {
            return 0;
        }
        target.ensureCapacity(target.length + n);
        int i = index(0);
        int first = Math.min(n, array.length - i);
        target.put(array, i, first);
        if (n > first) {
            target.put(array, 0, n - first);
        }
        discard(n);
        return n;
    }

    /** Drops the backing array and every byte; the ring allocates again on its next write. */
    void release() {
        array = null;
        head = 0;
        length = 0;
        extent = 0;
    }

    /** Appends {@code count} bytes of {@code src}; capacity is already ensured. */
    private void put(byte[] src, int srcIndex, int count) {
        int tail = index(length);
        int first = Math.min(count, array.length - tail);
        System.arraycopy(src, srcIndex, array, tail, first);
        if (count > first) {
            System.arraycopy(src, srcIndex + first, array, 0, count - first);
        }
        length += count;
        extent = Math.max(extent, length);
    }

    /** Returns the array index of {@code offset}; without overflow even for arrays near 2^31. */
    private int index(int offset) {
        int untilWrap = array.length - head;
        return offset < untilWrap ? head + offset : offset - untilWrap;
    }

    private void checkStored(int offset, int count) {
        if (offset < 0 || count < 0 || (long) offset + count > length) {
            throw new IndexOutOfBoundsException(
                    "[" + offset + ", " + offset + " + " + count + ") outside " + length + " bytes stored");
        }
    }

    /** Makes the array hold at least {@code needed} (<= maxCapacity) bytes, preserving offsets [0, extent). */
    private void ensureCapacity(int needed) {
        int current = array == null ? 0 : array.length;
        if (needed <= current) {
            return;
        }
        long size = array == null ? initialCapacity : current;
        while (size < needed) {
            size *= 2;
        }
        byte[] bigger = new byte[(int) Math.min(size, maxCapacity)];
        if (array != null) {
            // Linearize: offset 0 moves to index 0.
            int first = Math.min(extent, array.length - head);
            System.arraycopy(array, head, bigger, 0, first);
            if (extent > first) {
                System.arraycopy(array, 0, bigger, first, extent - first);
            }
        }
        array = bigger;
        head = 0;
    }
}
