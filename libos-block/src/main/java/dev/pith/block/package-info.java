/**
 * Storage on a {@link dev.pith.core.device.BlockDevice}: {@link dev.pith.block.BlockingDisk} for
 * blocking code on virtual threads; the virtio-blk driver is in {@code dev.pith.block.virtio}.
 */
package dev.pith.block;
