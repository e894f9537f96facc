package dev.pith.block;

import dev.pith.core.EventLoop;
import dev.pith.core.device.BlockDevice;
import dev.pith.core.device.BlockStatus;
import io.netty.buffer.ByteBuf;
import io.netty.buffer.Unpooled;
import java.io.IOException;
import java.util.Objects;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.ExecutionException;
import java.util.concurrent.RejectedExecutionException;

/**
 * A {@link BlockDevice} seen from a virtual thread: each call hands its request to the event loop
 * and blocks until it completes; a status other than OK is an {@link IOException} that names it.
 * The data goes through a buffer of the call's own, copied once. Not for the loop thread.
 */
public final class BlockingDisk {

    private final EventLoop loop;
    private final BlockDevice device;

    public BlockingDisk(EventLoop loop, BlockDevice device) {
        this.loop = Objects.requireNonNull(loop, "loop == null");
        this.device = Objects.requireNonNull(device, "device == null");
    }

    /** Returns the disk's sector size in bytes. */
    public int sectorSize() {
        return device.sectorSize();
    }

    /** Returns the disk's capacity in sectors. */
    public long sectors() {
        return device.sectors();
    }

    /** Reads {@code dst.length} bytes (a whole number of sectors) from {@code sector}. */
    public void read(long sector, byte[] dst) throws IOException {
        ByteBuf buffer = Unpooled.directBuffer(dst.length, dst.length);
        try {
            await(c -> device.read(sector, sectors(dst.length), buffer, 0, c), "read", sector);
            buffer.getBytes(0, dst);
        } finally {
            buffer.release();
        }
    }

    /** Writes {@code src} (a whole number of sectors) at {@code sector}; durable after {@link #flush()}. */
    public void write(long sector, byte[] src) throws IOException {
        ByteBuf buffer = Unpooled.directBuffer(src.length, src.length);
        try {
            buffer.setBytes(0, src);
            await(c -> device.write(sector, sectors(src.length), buffer, 0, c), "write", sector);
        } finally {
            buffer.release();
        }
    }

    /** Makes every completed write durable. */
    public void flush() throws IOException {
        await(device::flush, "flush", -1);
    }

    private int sectors(int bytes) {
        if (bytes == 0 || bytes % device.sectorSize() != 0) {
            throw new IllegalArgumentException(bytes + " bytes is not a whole number of " + device.sectorSize() + "-byte sectors");
        }
        return bytes / device.sectorSize();
    }

    private interface Request {
        void submit(dev.pith.core.device.BlockCompletion completion);
    }

    private void await(Request request, String what, long sector) throws IOException {
        if (loop.inLoop() && !Thread.currentThread().isVirtual() && Thread.currentThread().getName().startsWith("pith")) {
            throw new IllegalStateException("BlockingDisk blocks: use it from a virtual thread, not the event loop");
        }
        CompletableFuture<BlockStatus> done = new CompletableFuture<>();
        try {
            loop.execute(() -> request.submit(done::complete));
        } catch (RejectedExecutionException e) {
            throw new IOException(device.id() + ": the event loop has stopped", e);
        }
        BlockStatus status;
        try {
            status = done.get();
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
            throw new IOException(device.id() + ": interrupted during " + what, e);
        } catch (ExecutionException e) {
            throw new IOException(device.id() + ": " + what + " failed", e.getCause());
        }
        if (status != BlockStatus.OK) {
            throw new IOException(device.id() + ": " + what + (sector >= 0 ? " at sector " + sector : "") + " ended " + status);
        }
    }
}
