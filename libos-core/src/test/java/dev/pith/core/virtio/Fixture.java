package dev.pith.core.virtio;

import dev.pith.core.buffer.DmaRegion;
import dev.pith.core.dma.DmaArena;
import dev.pith.core.virtio.testing.SoftwareVirtioDevice;
import java.io.IOException;
import java.util.ArrayList;
import java.util.List;

/** A software device, a transport set up against it, and live queues: the driver's world in a test. */
final class Fixture implements AutoCloseable {

    final DmaArena memory;
    final SoftwareVirtioDevice device;
    final VirtioPciTransport transport;
    final List<Virtqueue<Integer>> queues = new ArrayList<>();

    private Fixture(DmaArena memory, SoftwareVirtioDevice device) {
        this.memory = memory;
        this.device = device;
        this.transport = device.transport();
    }

    /** A device offering {@code offered}, with queues of these sizes set up and DRIVER_OK, after accepting {@code wanted}. */
    static Fixture live(long offered, long wanted, int... sizes) throws IOException {
        Fixture fixture = configured(offered, wanted, sizes);
        fixture.transport.driverOk();
        return fixture;
    }

    /** As {@link #live} but before DRIVER_OK. */
    static Fixture configured(long offered, long wanted, int... sizes) throws IOException {
        DmaArena memory = DmaArena.simulated(4 << 20, 4096);
        int max = 1;
        for (int size : sizes) {
            max = Math.max(max, size);
        }
        SoftwareVirtioDevice device = SoftwareVirtioDevice.builder(memory).features(offered)
                .queues(Math.max(1, sizes.length), Math.max(256, max)).deviceConfigSize(16).build();
        Fixture fixture = new Fixture(memory, device);
        fixture.transport.reset();
        fixture.transport.negotiate(wanted);
        for (int i = 0; i < sizes.length; i++) {
            Virtqueue<Integer> queue = Virtqueue.allocate(memory, "queue " + i, sizes[i]);
            fixture.transport.setUpQueue(i, queue);
            fixture.queues.add(queue);
        }
        return fixture;
    }

    static long version1() {
        return Virtio.feature(Virtio.F_VERSION_1);
    }

    Virtqueue<Integer> queue(int index) {
        return queues.get(index);
    }

    /** A buffer of {@code size} bytes in DMA memory. */
    DmaRegion buffer(int size) {
        return memory.allocate(size, 16);
    }

    @Override
    public void close() throws IOException {
        device.close();
        memory.close();
    }
}
