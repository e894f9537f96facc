package dev.pith.core.device;

import dev.pith.core.EventLoop;
import io.netty.buffer.ByteBuf;
import java.util.Objects;

/**
 * The checks and bookkeeping every {@link BlockDevice} shares, so a driver only moves bytes:
 * argument checks, range, read-only and in-flight limits, counters, and completion on the event
 * loop. Subclasses implement {@code start*} and call {@link #complete} once per request, on the
 * loop thread.
 */
public abstract class AbstractBlockDevice implements BlockDevice {

    /** Kinds of request, for {@link #complete}. */
    protected enum Kind { READ, WRITE, FLUSH }

    protected final EventLoop loop;
    private final String id;
    private final int sectorSize;
    private final long sectors;
    private final boolean readOnly;
    private final int maxInFlight;
    private int inFlight;
    private boolean closed;
    private long reads, writes, flushes, bytesRead, bytesWritten, errors;

    protected AbstractBlockDevice(EventLoop loop, String id, int sectorSize, long sectors, boolean readOnly, int maxInFlight) {
        this.loop = Objects.requireNonNull(loop, "loop == null");
        this.id = Objects.requireNonNull(id, "id == null");
        if (sectorSize < 512 || Integer.bitCount(sectorSize) != 1) {
            throw new IllegalArgumentException("sector size must be a power of two >= 512: " + sectorSize);
        }
        if (sectors < 0 || maxInFlight < 1) {
            throw new IllegalArgumentException("sectors < 0 or maxInFlight < 1: " + sectors + ", " + maxInFlight);
        }
        this.sectorSize = sectorSize;
        this.sectors = sectors;
        this.readOnly = readOnly;
        this.maxInFlight = maxInFlight;
    }

    @Override public final String id() { return id; }
    @Override public final int sectorSize() { return sectorSize; }
    @Override public final long sectors() { return sectors; }
    @Override public final boolean readOnly() { return readOnly; }
    @Override public final int maxInFlight() { return maxInFlight; }

    @Override
    public final void read(long sector, int sectorCount, ByteBuf buffer, int index, BlockCompletion completion) {
        BlockStatus refused = admit(sector, sectorCount, buffer, index, completion, false);
        if (refused != null) {
            refuse(Kind.READ, refused, completion);
        } else {
            startRead(sector, sectorCount, buffer, index, completion);
        }
    }

    @Override
    public final void write(long sector, int sectorCount, ByteBuf buffer, int index, BlockCompletion completion) {
        BlockStatus refused = admit(sector, sectorCount, buffer, index, completion, true);
        if (refused != null) {
            refuse(Kind.WRITE, refused, completion);
        } else {
            startWrite(sector, sectorCount, buffer, index, completion);
        }
    }

    @Override
    public final void flush(BlockCompletion completion) {
        Objects.requireNonNull(completion, "completion == null");
        BlockStatus refused = closed ? BlockStatus.CLOSED : readOnly ? BlockStatus.READ_ONLY
                : inFlight >= maxInFlight ? BlockStatus.BUSY : null;
        if (refused != null) {
            refuse(Kind.FLUSH, refused, completion);
        } else {
            inFlight++;
            startFlush(completion);
        }
    }

    /** Starts an admitted read; the range and buffer have been checked. */
    protected abstract void startRead(long sector, int sectorCount, ByteBuf buffer, int index, BlockCompletion completion);

    /** Starts an admitted write; the range and buffer have been checked and the device is writable. */
    protected abstract void startWrite(long sector, int sectorCount, ByteBuf buffer, int index, BlockCompletion completion);

    /** Starts an admitted flush. */
    protected abstract void startFlush(BlockCompletion completion);

    /** Ends a started request on the loop thread: updates the counters and runs its completion. */
    protected final void complete(Kind kind, long bytes, BlockStatus status, BlockCompletion completion) {
        inFlight--;
        count(kind, bytes, status);
        completion.complete(status);
    }

    /** Returns the number of requests started and not yet completed. */
    protected final int inFlight() {
        return inFlight;
    }

    /** Marks the device closed: later requests complete with {@link BlockStatus#CLOSED}; returns false if it already was. */
    protected final boolean markClosed() {
        boolean wasOpen = !closed;
        closed = true;
        return wasOpen;
    }

    @Override
    public BlockDeviceStats stats() {
        return new BlockDeviceStats(reads, writes, flushes, bytesRead, bytesWritten, errors);
    }

    private BlockStatus admit(long sector, int sectorCount, ByteBuf buffer, int index, BlockCompletion completion, boolean write) {
        Objects.requireNonNull(buffer, "buffer == null");
        Objects.requireNonNull(completion, "completion == null");
        if (sectorCount <= 0) {
            throw new IllegalArgumentException("sectorCount <= 0: " + sectorCount);
        }
        long bytes = (long) sectorCount * sectorSize;
        if (index < 0 || index + bytes > buffer.capacity()) {
            throw new IllegalArgumentException(sectorCount + " sectors of " + sectorSize + " bytes at index " + index
                    + " do not fit a buffer of capacity " + buffer.capacity());
        }
        if (!write && buffer.isReadOnly()) {
            throw new IllegalArgumentException("cannot read into a read-only buffer: " + buffer);
        }
        if (closed) {
            return BlockStatus.CLOSED;
        }
        if (write && readOnly) {
            return BlockStatus.READ_ONLY;
        }
        if (sector < 0 || sector > sectors - sectorCount) {
            return BlockStatus.OUT_OF_RANGE;
        }
        if (inFlight >= maxInFlight) {
            return BlockStatus.BUSY;
        }
        inFlight++;
        return null;
    }

    private void refuse(Kind kind, BlockStatus status, BlockCompletion completion) {
        // Completions never run inside the submitting call (BlockCompletion's contract).
        loop.execute(() -> {
            count(kind, 0, status);
            completion.complete(status);
        });
    }

    private void count(Kind kind, long bytes, BlockStatus status) {
        if (status != BlockStatus.OK) {
            errors++;
            return;
        }
        switch (kind) {
            case READ -> { reads++; bytesRead += bytes; }
            case WRITE -> { writes++; bytesWritten += bytes; }
            case FLUSH -> flushes++;
        }
    }
}
