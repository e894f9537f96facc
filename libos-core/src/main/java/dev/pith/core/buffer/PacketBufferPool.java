package dev.pith.core.buffer;

import io.netty.buffer.ByteBuf;

/**
 * A fixed number of packet buffers of one size, allocated without blocking and without throwing:
 * when every buffer is out, the data path drops the packet and the pool counts it.
 *
 * <p>Buffers may be released on any thread. See the {@linkplain dev.pith.core.buffer package
 * documentation} for the ownership rules.
 */
public interface PacketBufferPool extends AutoCloseable {

    /**
     * Returns an empty buffer of capacity and maximum capacity {@link #bufferSize()} (reader and
     * writer index 0, reference count 1) that the caller owns, or {@code null} when all
     * {@link #capacity()} buffers are out; each {@code null} adds one to {@link #exhaustedCount()}.
     *
     * @throws IllegalStateException if the pool is closed
     */
    ByteBuf tryAllocate();

    /** Returns the capacity of every buffer in bytes. */
    int bufferSize();

    /** Returns the number of buffers the pool holds, in use or free. */
    int capacity();

    /** Returns the number of buffers allocated and not yet released (leaked buffers stay counted). */
    int outstanding();

    /** Returns how many times {@link #tryAllocate()} found no free buffer. */
    long exhaustedCount();

    /**
     * Frees the pool's memory, or only its buffer objects when the memory belongs to someone else
     * (a {@link SlabBufferPool}'s region); does nothing if already closed.
     *
     * @throws IllegalStateException naming the count if buffers are still outstanding (a leak);
     *     the pool then stays open and its buffers stay valid
     */
    @Override
    void close();
}
