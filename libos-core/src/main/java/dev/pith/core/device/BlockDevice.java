package dev.pith.core.device;

import io.netty.buffer.ByteBuf;

/**
 * A disk as the storage layer sees it: fixed-size sectors, asynchronous reads, writes and
 * flushes completed on the event loop, whatever drives it (virtio-blk, a file, memory).
 *
 * <p>Requests name a buffer and an index in it; the device reads or writes
 * {@code sectorCount * sectorSize()} bytes there and leaves the buffer's reader and writer
 * indices alone. The caller keeps ownership of the buffer, must keep it alive and untouched until
 * the completion runs, and the device holds no reference to it afterwards. In the guest the
 * buffer must come from DMA memory (a root buffer of the device's pool).
 *
 * <p>Misuse (a non-positive count, a buffer too small) throws at once; conditions that depend on
 * the disk (out of range, read-only, busy, I/O errors) arrive as a {@link BlockStatus}. A request
 * that completes with {@code OK} is done; a write is durable only after a later flush completes.
 */
public interface BlockDevice extends AutoCloseable {

    /** Returns the identity used to pick this disk: its serial number, or a name the platform gave it. */
    String id();

    /** Returns the sector size in bytes, a power of two, usually 512. */
    int sectorSize();

    /** Returns the capacity in sectors. */
    long sectors();

    /** Returns whether the device refuses writes. */
    boolean readOnly();

    /** Returns how many requests may be in flight at once; more complete with {@link BlockStatus#BUSY}. */
    int maxInFlight();

    /** Reads {@code sectorCount} sectors from {@code sector} into {@code buffer} at {@code index}. */
    void read(long sector, int sectorCount, ByteBuf buffer, int index, BlockCompletion completion);

    /** Writes {@code sectorCount} sectors from {@code buffer} at {@code index} to the disk at {@code sector}. */
    void write(long sector, int sectorCount, ByteBuf buffer, int index, BlockCompletion completion);

    /** Makes every write completed so far durable. */
    void flush(BlockCompletion completion);

    /** Returns the device's counters. */
    BlockDeviceStats stats();

    /**
     * Stops the device: later requests complete with {@link BlockStatus#CLOSED}; requests already
     * in flight still complete, with {@code CLOSED} where the device can no longer carry them out.
     */
    @Override
    void close();
}
