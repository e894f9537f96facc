package dev.pith;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import dev.pith.core.device.BlockDevice;
import dev.pith.core.device.BlockStatus;
import io.netty.buffer.ByteBuf;
import io.netty.buffer.Unpooled;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.TimeUnit;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/** run()/start() on the hosted platform: parts start in order, stop cleanly, and fail loudly. */
class HostedRunTest {

    @TempDir
    Path dir;

    @Test
    void disksStartAreUsableAndStopCleanly() throws Exception {
        Path file = dir.resolve("data.img");
        Files.write(file, new byte[16 * 512]);
        RunningUnikernel running = Unikernel.builder("disks")
                .disk(Disk.file("data", file))
                .disk(Disk.memory("scratch", 4096))
                .build()
                .start();
        BlockDevice data = awaitDisk(running, "data");
        ByteBuf buf = Unpooled.directBuffer(512);
        buf.setCharSequence(0, "hello pith", java.nio.charset.StandardCharsets.US_ASCII);
        CompletableFuture<BlockStatus> written = new CompletableFuture<>();
        running.loop().execute(() -> data.write(2, 1, buf, 0, s -> data.flush(written::complete)));
        assertEquals(BlockStatus.OK, written.get(10, TimeUnit.SECONDS));
        buf.release();
        assertEquals(8, awaitDisk(running, "scratch").sectors());
        running.stop();
        assertEquals(0, running.awaitExit());
        assertTrue(running.failure().isEmpty());
        assertEquals("hello pith", new String(Files.readAllBytes(file), 1024, 10, java.nio.charset.StandardCharsets.US_ASCII));
    }

    @Test
    void aPartThatFailsToStartStopsTheUnikernelWithItsNameAndStatusOne() {
        Path missing = dir.resolve("no-such.img");
        RunningUnikernel running = Unikernel.builder("broken")
                .disk(Disk.memory("scratch", 4096))
                .disk(Disk.file("data", missing))
                .build()
                .start();
        assertEquals(1, running.awaitExit());
        var failure = running.failure().orElseThrow();
        assertEquals("disk:data", failure.component());
        assertTrue(failure.message().contains("no-such.img"), failure.message());
    }

    private static BlockDevice awaitDisk(RunningUnikernel running, String name) throws Exception {
        CompletableFuture<BlockDevice> disk = new CompletableFuture<>();
        running.loop().execute(() -> disk.complete(running.disk(name)));
        return disk.get(10, TimeUnit.SECONDS);
    }
}
