package dev.pith.core.device;

import dev.pith.core.EventLoop;
import io.netty.buffer.ByteBuf;
import java.lang.foreign.Arena;
import java.lang.foreign.MemorySegment;

/**
 * A disk in memory, for tests and scratch space. Requests complete on the loop's next turn.
 * {@link #contents()} exposes the bytes so a test can inspect or corrupt them.
 */
public final class MemoryBlockDevice extends AbstractBlockDevice {

    private final Arena arena = Arena.ofShared();
    private final MemorySegment disk;

    /** Creates a zero-filled disk of {@code sectors} sectors of {@code sectorSize} bytes. */
    public MemoryBlockDevice(EventLoop loop, String id, int sectorSize, long sectors, boolean readOnly) {
        super(loop, id, sectorSize, sectors, readOnly, 256);
        this.disk = arena.allocate(sectorSize * sectors, 4096);
    }

    /** Returns the disk's bytes. */
    public MemorySegment contents() {
        return disk;
    }

    @Override
    protected void startRead(long sector, int sectorCount, ByteBuf buffer, int index, BlockCompletion completion) {
        int length = sectorCount * sectorSize();
        loop.execute(() -> {
            buffer.setBytes(index, disk.asSlice(sector * sectorSize(), length).asByteBuffer());
            complete(Kind.READ, length, BlockStatus.OK, completion);
        });
    }

    @Override
    protected void startWrite(long sector, int sectorCount, ByteBuf buffer, int index, BlockCompletion completion) {
        int length = sectorCount * sectorSize();
        loop.execute(() -> {
            buffer.getBytes(index, disk.asSlice(sector * sectorSize(), length).asByteBuffer());
            complete(Kind.WRITE, length, BlockStatus.OK, completion);
        });
    }

    @Override
    protected void startFlush(BlockCompletion completion) {
        loop.execute(() -> complete(Kind.FLUSH, 0, BlockStatus.OK, completion));
    }

    @Override
    public void close() {
        if (!markClosed()) {
            return;
        }
        // Requests already queued on the loop still complete; the memory goes when they have.
        loop.execute(arena::close);
    }
}
