/**
 * Pith's storage: the virtio-blk driver and the storage layers built on a {@code BlockDevice}.
 * The block devices themselves (file, memory) and their SPI live in {@code dev.pith.core}.
 */
module dev.pith.block {
    requires transitive dev.pith.core;

    exports dev.pith.block;
    exports dev.pith.block.virtio;
}
