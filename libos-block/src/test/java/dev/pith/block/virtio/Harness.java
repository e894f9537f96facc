package dev.pith.block.virtio;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import dev.pith.core.EventLoop;
import dev.pith.core.device.BlockCompletion;
import dev.pith.core.device.BlockStatus;
import io.netty.buffer.ByteBuf;
import io.netty.buffer.Unpooled;
import java.util.ArrayList;
import java.util.List;
import java.util.function.Consumer;

/** A loop driven by hand, disks opened on fake devices, and the checks every test ends with. */
final class Harness implements AutoCloseable {

    final EventLoop loop;
    final List<String> violations = new ArrayList<>();
    private final List<ByteBuf> buffers = new ArrayList<>();
    private final List<AutoCloseable> closeables = new ArrayList<>();

    Harness(EventLoop loop) {
        this.loop = loop;
    }

    Harness() {
        this(EventLoop.builder().build());
    }

    FakeDisk fake(FakeDisk.Builder builder) {
        FakeDisk fake = builder.build();
        closeables.add(fake);
        return fake;
    }

    VirtioBlk open(FakeDisk fake) throws Exception {
        return open(fake, VirtioBlkSettings.DEFAULT);
    }

    VirtioBlk open(FakeDisk fake, VirtioBlkSettings settings) throws Exception {
        VirtioBlk disk = VirtioBlk.open(loop, fake.device.transport(), null, fake.memory, settings);
        closeables.add(0, disk::close); // before the fake device and its memory
        return disk;
    }

    /** A heap buffer, which the driver must bounce; released after the test. */
    ByteBuf heap(int size) {
        ByteBuf buffer = Unpooled.buffer(size, size);
        buffers.add(buffer);
        return buffer;
    }

    /** Keeps {@code buffer} to release after the test. */
    ByteBuf keep(ByteBuf buffer) {
        buffers.add(buffer);
        return buffer;
    }

    static void fill(ByteBuf buffer, int seed) {
        for (int i = 0; i < buffer.capacity(); i++) {
            buffer.setByte(i, (i * 31 + seed * 7 + (i >>> 9)) & 0xff);
        }
    }

    /** A completion that records its status and checks the contract: once, on the loop, never inside the submit. */
    final class Outcome implements BlockCompletion {
        BlockStatus status;
        boolean submitting = true;

        @Override
        public void complete(BlockStatus status) {
            if (submitting) {
                violations.add("completion ran inside the submitting call");
            }
            if (this.status != null) {
                violations.add("completed twice: " + this.status + ", then " + status);
            }
            this.status = status;
        }
    }

    /** Submits a request and returns its outcome, not yet driven. */
    Outcome submit(Consumer<BlockCompletion> request) {
        Outcome outcome = new Outcome();
        request.accept(outcome);
        outcome.submitting = false;
        return outcome;
    }

    /** Submits a request, runs the loop until idle, and returns how it ended. */
    BlockStatus run(Consumer<BlockCompletion> request) {
        Outcome outcome = submit(request);
        loop.runUntilIdle();
        if (outcome.status == null) {
            throw new AssertionError("the request did not complete");
        }
        return outcome.status;
    }

    /** Checks that nothing leaked and nobody broke a rule. */
    void assertQuiet(VirtioBlk disk, FakeDisk fake) {
        assertEquals(List.of(), violations, "completion contract");
        assertEquals(List.of(), fake.device.errors(), "driver errors the device saw");
        assertEquals(disk.slotCount(), disk.freeSlotCount(), "request slots leaked");
        assertEquals(disk.bounceBufferCount(), disk.freeBounceBuffers(), "bounce buffers leaked");
        assertEquals(disk.maxInFlight(), disk.freeRequestCount(), "requests leaked");
        assertEquals(0, disk.queue().inFlight(), "chains still in flight");
        assertTrue(disk.maxInFlight() >= 1);
    }

    @Override
    public void close() throws Exception {
        buffers.forEach(ByteBuf::release);
        for (AutoCloseable c : closeables) {
            c.close();
        }
        if (!loop.isStopping()) {
            loop.runUntilIdle();
        }
    }
}
