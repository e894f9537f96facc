/**
 * Pith's core: the event loop every unikernel runs on, time, packet buffers, the device SPI
 * ({@code NetDevice}, {@code BlockDevice}), the platform SPI (hosted or guest) and the Linux
 * system calls the platforms need.
 */
@SuppressWarnings("module") // the qualified exports name modules that depend on this one, so are not built yet
module dev.pith.core {
    requires transitive io.netty.buffer;
    requires transitive io.netty.common; // ReferenceCounted is part of ByteBuf's API

    exports dev.pith.core;
    exports dev.pith.core.buffer;
    exports dev.pith.core.device;
    exports dev.pith.core.platform;
    exports dev.pith.core.sys;
    exports dev.pith.core.guest;

    // Driver plumbing: PCI, DMA memory, the virtio transport and queues, and the software virtio
    // device that drivers' host tests run against. Only Pith's own driver and composition modules use them.
    exports dev.pith.core.pci to dev.pith.net, dev.pith.block, dev.pith.dsl;
    exports dev.pith.core.dma to dev.pith.net, dev.pith.block, dev.pith.dsl;
    exports dev.pith.core.virtio to dev.pith.net, dev.pith.block, dev.pith.dsl;
    exports dev.pith.core.virtio.testing to dev.pith.net, dev.pith.block;
}
