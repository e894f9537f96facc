package dev.pith;

import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertEquals;

import dev.pith.block.BlockingDisk;
import java.util.Arrays;
import org.junit.jupiter.api.Test;

/** A task runs once the parts have started; what it returns is the unikernel's exit status. */
class TaskTest {

    @Test
    void aTaskUsesADiskAndEndsTheUnikernelWithItsStatus() {
        byte[][] readBack = new byte[1][];
        RunningUnikernel running = Unikernel.builder("batch")
                .disk(Disk.memory("scratch", 1 << 20))
                .task(context -> {
                    BlockingDisk disk = context.disk("scratch");
                    byte[] pattern = new byte[4096];
                    Arrays.fill(pattern, (byte) 0x5A);
                    disk.write(8, pattern);
                    disk.flush();
                    readBack[0] = new byte[4096];
                    disk.read(8, readBack[0]);
                    return 7;
                })
                .build()
                .start();
        assertEquals(7, running.awaitExit());
        byte[] expected = new byte[4096];
        Arrays.fill(expected, (byte) 0x5A);
        assertArrayEquals(expected, readBack[0]);
    }

    @Test
    void aTaskThatThrowsFailsTheUnikernel() {
        RunningUnikernel running = Unikernel.builder("broken-batch")
                .task(context -> {
                    throw new IllegalStateException("no luck");
                })
                .build()
                .start();
        assertEquals(1, running.awaitExit());
        assertEquals("task", running.failure().orElseThrow().component());
    }

    @Test
    void theTaskStartsAfterEverythingElse() {
        Plan plan = Unikernel.builder("order").disk(Disk.memory("a", 512)).network(Network.virtio()).ipv4(Ipv4.dhcp())
                .tcp().task(c -> 0).build().plan();
        assertEquals("task", plan.parts().getLast().name());
    }
}
