package dev.pith.core.buffer;

import io.netty.buffer.ByteBuf;
import java.lang.foreign.MemorySegment;
import java.nio.ByteBuffer;
import java.util.Objects;

/** Static helpers for packet buffers. */
public final class PacketBuffers {

    private PacketBuffers() {}

    /**
     * Returns the physical address of {@code buf}'s byte at {@code index}, or -1 when {@code buf}'s
     * memory has none.
     *
     * <p>For a {@link DmaBuffer} (a root buffer from a pool over DMA memory) this is one addition
     * and allocates nothing; that is what drivers hand to devices. A derived buffer (slice,
     * duplicate, read-only view) over a {@code DmaBuffer} root gets its address the slow way:
     * Netty does not expose a slice's offset into its root, so this asks both for a
     * {@code ByteBuffer} view of one byte and subtracts their native addresses, allocating a few
     * short-lived objects. Anything else (heap buffers, composites, other allocators' buffers) is -1.
     *
     * @throws IndexOutOfBoundsException if {@code index} is not within {@code buf.capacity()}
     */
    public static long physicalAddress(ByteBuf buf, int index) {
        Objects.checkIndex(index, buf.capacity());
        if (buf instanceof DmaBuffer dma) {
            return dma.physicalAddress(index);
        }
        ByteBuf root = buf;
        for (ByteBuf next = root.unwrap(); next != null; next = root.unwrap()) {
            root = next;
        }
        if (root == buf || !(root instanceof DmaBuffer dma)) {
            return -1;
        }
        long address = nativeAddress(buf.nioBuffer(index, 1));
        long rootAddress = nativeAddress(root.nioBuffer(0, 1));
        long offset = address - rootAddress;
        // A view that copied instead of sharing the root's memory lands outside it.
        if (address == -1 || rootAddress == -1 || offset < 0 || offset >= root.capacity()) {
            return -1;
        }
        return dma.physicalAddress((int) offset);
    }

    private static long nativeAddress(ByteBuffer view) {
        return view.isDirect() ? MemorySegment.ofBuffer(view).address() : -1;
    }
}
