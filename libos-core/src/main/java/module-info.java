/**
 * Pith's core: the event loop every unikernel runs on, time, packet buffers, the device SPI
 * ({@code NetDevice}, {@code BlockDevice}), the platform SPI (hosted or guest) and the Linux
 * system calls the platforms need.
 */
module dev.pith.core {
    requires transitive io.netty.buffer;
    requires transitive io.netty.common; // ReferenceCounted is part of ByteBuf's API

    exports dev.pith.core;
    exports dev.pith.core.buffer;
    exports dev.pith.core.device;
    exports dev.pith.core.platform;
    exports dev.pith.core.sys;
}
