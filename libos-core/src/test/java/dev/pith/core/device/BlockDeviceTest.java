package dev.pith.core.device;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import dev.pith.core.EventLoop;
import io.netty.buffer.ByteBuf;
import io.netty.buffer.Unpooled;
import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.TimeUnit;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/** The same contract, checked on both hosted block devices. */
class BlockDeviceTest {

    private final EventLoop loop = EventLoop.builder().build();
    private final List<ByteBuf> buffers = new ArrayList<>();

    @TempDir
    Path dir;

    @AfterEach
    void release() {
        buffers.forEach(ByteBuf::release);
    }

    private ByteBuf buffer(int size) {
        ByteBuf b = Unpooled.directBuffer(size, size);
        buffers.add(b);
        return b;
    }

    /** Submits on the loop and waits for the completion, which must not run inside the submitting call. */
    private BlockStatus await(java.util.function.Consumer<BlockCompletion> request) throws Exception {
        CompletableFuture<BlockStatus> result = new CompletableFuture<>();
        loop.execute(() -> {
            boolean[] submitting = {true};
            request.accept(status -> {
                if (submitting[0]) {
                    result.completeExceptionally(new AssertionError("completion ran inside the submitting call"));
                }
                if (!loop.inLoop()) {
                    result.completeExceptionally(new AssertionError("completion ran off the loop"));
                }
                result.complete(status);
            });
            submitting[0] = false;
        });
        return result.get(10, TimeUnit.SECONDS);
    }

    private void writeReadFlushRoundTrip(BlockDevice disk) throws Exception {
        ByteBuf out = buffer(4096);
        for (int i = 0; i < 4096; i++) {
            out.setByte(i, i * 7);
        }
        assertEquals(BlockStatus.OK, await(c -> disk.write(3, 2, out, 1024, c)));
        assertEquals(BlockStatus.OK, await(disk::flush));
        ByteBuf in = buffer(2048);
        assertEquals(BlockStatus.OK, await(c -> disk.read(3, 2, in, 512, c)));
        for (int i = 0; i < 1024; i++) {
            assertEquals(out.getByte(1024 + i), in.getByte(512 + i), "byte " + i);
        }
        assertEquals(0, in.writerIndex(), "indices are left alone");
        assertEquals(BlockStatus.OUT_OF_RANGE, await(c -> disk.read(disk.sectors() - 1, 2, in, 0, c)));
        assertEquals(BlockStatus.OUT_OF_RANGE, await(c -> disk.read(-1, 1, in, 0, c)));
        assertThrows(IllegalArgumentException.class, () -> disk.read(0, 5, in, 0, s -> {}));
        assertThrows(IllegalArgumentException.class, () -> disk.read(0, 0, in, 0, s -> {}));
        BlockDeviceStats stats = disk.stats();
        assertEquals(1, stats.writes());
        assertEquals(1, stats.reads());
        assertEquals(1, stats.flushes());
        assertEquals(1024, stats.bytesRead());
        assertEquals(2, stats.errors());
    }

    @Test
    void memoryDisk() throws Exception {
        loop.start("disk-loop");
        try {
            MemoryBlockDevice disk = new MemoryBlockDevice(loop, "mem", 512, 64, false);
            writeReadFlushRoundTrip(disk);
            assertEquals((byte) (1024 * 7), disk.contents().get(java.lang.foreign.ValueLayout.JAVA_BYTE, 3 * 512));
            disk.close();
            assertEquals(BlockStatus.CLOSED, await(disk::flush));
        } finally {
            loop.stop();
        }
    }

    @Test
    void fileDiskReachesTheFile() throws Exception {
        Path file = dir.resolve("disk.img");
        Files.write(file, new byte[64 * 512]);
        loop.start("disk-loop");
        try {
            FileBlockDevice disk = FileBlockDevice.open(loop, "data", file, false);
            assertEquals(64, disk.sectors());
            writeReadFlushRoundTrip(disk);
            disk.close();
            byte[] bytes = Files.readAllBytes(file);
            assertEquals((byte) (1024 * 7), bytes[3 * 512]);
            assertEquals((byte) (2047 * 7), bytes[5 * 512 - 1]);
            assertEquals(0, bytes[5 * 512]);
        } finally {
            loop.stop();
        }
    }

    @Test
    void readOnlyDisksRefuseWritesAndFlushes() throws Exception {
        Path file = dir.resolve("ro.img");
        Files.write(file, new byte[8 * 512]);
        loop.start("disk-loop");
        try {
            FileBlockDevice disk = FileBlockDevice.open(loop, "ro", file, true);
            ByteBuf b = buffer(512);
            assertEquals(BlockStatus.READ_ONLY, await(c -> disk.write(0, 1, b, 0, c)));
            assertEquals(BlockStatus.READ_ONLY, await(disk::flush));
            assertEquals(BlockStatus.OK, await(c -> disk.read(0, 1, b, 0, c)));
            disk.close();
        } finally {
            loop.stop();
        }
    }

    @Test
    void tooManyRequestsInFlightAreBusyNotQueuedWithoutBound() throws Exception {
        loop.start("disk-loop");
        try {
            MemoryBlockDevice disk = new MemoryBlockDevice(loop, "mem", 512, 8, false);
            ByteBuf b = buffer(512);
            CompletableFuture<List<BlockStatus>> statuses = new CompletableFuture<>();
            loop.execute(() -> {
                List<BlockStatus> seen = new ArrayList<>();
                int total = disk.maxInFlight() + 3;
                for (int i = 0; i < total; i++) {
                    disk.read(0, 1, b, 0, s -> {
                        seen.add(s);
                        if (seen.size() == total) {
                            statuses.complete(seen);
                        }
                    });
                }
            });
            List<BlockStatus> seen = statuses.get(10, TimeUnit.SECONDS);
            assertEquals(3, seen.stream().filter(s -> s == BlockStatus.BUSY).count());
            assertEquals(disk.maxInFlight(), seen.stream().filter(s -> s == BlockStatus.OK).count());
        } finally {
            loop.stop();
        }
    }

    @Test
    void aReadIntoAReadOnlyBufferIsRefusedAtOnceAndLeaksNoSlot() throws Exception {
        Path file = dir.resolve("disk.img");
        Files.write(file, new byte[8 * 512]);
        loop.start("disk-loop");
        try {
            for (BlockDevice disk : List.of(new MemoryBlockDevice(loop, "mem", 512, 8, false),
                    FileBlockDevice.open(loop, "file", file, false))) {
                ByteBuf readOnly = buffer(512).asReadOnly();
                for (int i = 0; i < disk.maxInFlight() + 1; i++) {
                    assertEquals("cannot read into a read-only buffer: " + readOnly, assertThrows(
                            IllegalArgumentException.class, () -> disk.read(0, 1, readOnly, 0, s -> { })).getMessage());
                }
                assertEquals(BlockStatus.OK, await(c -> disk.read(0, 1, buffer(512), 0, c)), disk.toString());
                disk.close();
            }
        } finally {
            loop.stop();
        }
    }

    @Test
    void aFileThatIsNotWholeSectorsIsRefusedWithTheFix() throws IOException {
        Path file = dir.resolve("odd.img");
        Files.write(file, new byte[1000]);
        IOException e = assertThrows(IOException.class, () -> FileBlockDevice.open(loop, "odd", file, false));
        assertTrue(e.getMessage().contains("truncate -s 1024"), e.getMessage());
        loop.stop();
        assertTrue(loop.awaitTermination(Duration.ofSeconds(1)));
    }
}
