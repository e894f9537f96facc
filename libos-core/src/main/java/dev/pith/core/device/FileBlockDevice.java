package dev.pith.core.device;

import dev.pith.core.EventLoop;
import io.netty.buffer.ByteBuf;
import java.io.IOException;
import java.nio.ByteBuffer;
import java.nio.channels.FileChannel;
import java.nio.file.Path;
import java.nio.file.StandardOpenOption;
import java.util.concurrent.ExecutorService;
import java.util.concurrent.Executors;

/**
 * A disk backed by a file, for the hosted platform. The file's length must be a whole number of
 * sectors. Requests run in order on one worker thread, so the event loop never blocks on the
 * file system, and complete on the loop.
 */
public final class FileBlockDevice extends AbstractBlockDevice {

    private final FileChannel channel;
    private final ExecutorService worker;

    private FileBlockDevice(EventLoop loop, String id, FileChannel channel, int sectorSize, long sectors, boolean readOnly) {
        super(loop, id, sectorSize, sectors, readOnly, 64);
        this.channel = channel;
        this.worker = Executors.newSingleThreadExecutor(Thread.ofPlatform().daemon().name("pith-disk-" + id).factory());
    }

    /**
     * Opens {@code file} as a disk of 512-byte sectors named {@code id}.
     *
     * @throws IOException if the file cannot be opened or its length is not a multiple of 512
     */
    public static FileBlockDevice open(EventLoop loop, String id, Path file, boolean readOnly) throws IOException {
        FileChannel channel = readOnly
                ? FileChannel.open(file, StandardOpenOption.READ)
                : FileChannel.open(file, StandardOpenOption.READ, StandardOpenOption.WRITE);
        long size = channel.size();
        if (size % 512 != 0) {
            channel.close();
            throw new IOException("disk image " + file + " is " + size + " bytes, not a whole number of 512-byte sectors;"
                    + " resize it, for example: truncate -s " + (size / 512 + 1) * 512 + " " + file);
        }
        return new FileBlockDevice(loop, id, channel, 512, size / 512, readOnly);
    }

    @Override
    protected void startRead(long sector, int sectorCount, ByteBuf buffer, int index, BlockCompletion completion) {
        int length = sectorCount * sectorSize();
        ByteBuffer view = view(buffer, index, length);
        long position = sector * sectorSize();
        submit(Kind.READ, length, completion, () -> {
            while (view.hasRemaining()) {
                if (channel.read(view, position + view.position()) < 0) {
                    throw new IOException("unexpected end of file at " + (position + view.position()));
                }
            }
        });
    }

    @Override
    protected void startWrite(long sector, int sectorCount, ByteBuf buffer, int index, BlockCompletion completion) {
        int length = sectorCount * sectorSize();
        ByteBuffer view = view(buffer, index, length);
        long position = sector * sectorSize();
        submit(Kind.WRITE, length, completion, () -> {
            while (view.hasRemaining()) {
                channel.write(view, position + view.position());
            }
        });
    }

    @Override
    protected void startFlush(BlockCompletion completion) {
        submit(Kind.FLUSH, 0, completion, () -> channel.force(false));
    }

    private static ByteBuffer view(ByteBuf buffer, int index, int length) {
        // A composite buffer's nioBuffer() is a copy, into which a read would vanish.
        if (buffer.nioBufferCount() != 1) {
            throw new IllegalArgumentException("block I/O needs a buffer with one contiguous region, not " + buffer);
        }
        return buffer.nioBuffer(index, length);
    }

    private interface Io {
        void run() throws IOException;
    }

    private void submit(Kind kind, long bytes, BlockCompletion completion, Io io) {
        worker.execute(() -> {
            BlockStatus status;
            try {
                io.run();
                status = BlockStatus.OK;
            } catch (IOException | RuntimeException e) {
                // Whatever failed, the request must complete: its in-flight slot comes back only then.
                status = channel.isOpen() ? BlockStatus.IO_ERROR : BlockStatus.CLOSED;
            }
            BlockStatus outcome = status;
            loop.execute(() -> complete(kind, bytes, outcome, completion));
        });
    }

    @Override
    public void close() {
        if (!markClosed()) {
            return;
        }
        // Queued requests finish first: the worker runs in order.
        worker.execute(() -> {
            try {
                channel.close();
            } catch (IOException ignored) {
                // Nothing is left to lose: every request has completed.
            }
        });
        worker.shutdown();
    }
}
