/**
 * The virtio-blk driver (virtio 1.2 §5.2): {@link dev.pith.block.virtio.VirtioBlk}, a
 * {@link dev.pith.core.device.BlockDevice} over the modern PCI transport and one split virtqueue
 * of {@code dev.pith.core.virtio}, and the rule that picks a data disk by serial or position,
 * never the boot disk. A newcomer reads it in one sitting, starting at {@code VirtioBlk.open}.
 *
 * <ul>
 *   <li>{@code VirtioBlk}: setup (§3.1.1), submission (a request per descriptor chain: header,
 *       data, status, §5.2.6), completion on the event loop, faults, timeouts and close.
 *   <li>{@code VirtioBlkProtocol}, {@code VirtioBlkConfig}: the spec's numbers and the device
 *       configuration (§5.2.3, §5.2.4); {@code RequestLimits}: how requests are cut to fit.
 *   <li>{@code RequestSlot}, {@code BlockRequest}, {@code BouncePool}: the preallocated state of
 *       requests in flight, so the data path allocates nothing.
 *   <li>{@code SetupRequests}, {@code DiskSelection}: the serial (GET_ID), the boot disk's MBR, and
 *       the choice of disk.
 * </ul>
 */
package dev.pith.block.virtio;
