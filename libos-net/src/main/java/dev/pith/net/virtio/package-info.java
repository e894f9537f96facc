/**
 * Pith's virtio-net driver (virtio 1.2 §5.1), {@link dev.pith.net.virtio.VirtioNet}: what owns
 * QEMU's {@code virtio-net-pci} when a unikernel boots as a VM image (the Linux kernel's
 * virtio drivers are never loaded). Built on {@code dev.pith.core.virtio}'s transport and
 * virtqueues; the stack sees only {@link dev.pith.core.device.NetDevice}.
 *
 * <p>Supported:
 * <ul>
 *   <li>The modern PCI transport only (1af4:1041, or transitional 1af4:1000 through its modern
 *       interface); VIRTIO_F_VERSION_1 is required, so the header is 12 bytes.
 *   <li>One receive queue (0) and one transmit queue (1), each of 256 entries by default, or the
 *       device's maximum if smaller (a power of two, 2 to 32768 through the settings).
 *   <li>Features taken when offered: VIRTIO_NET_F_MAC (else a random locally administered
 *       address, or the one the settings give), VIRTIO_NET_F_STATUS (else the link is up),
 *       VIRTIO_NET_F_MTU (68 to 2018; else 1500). VIRTIO_NET_F_CSUM and VIRTIO_NET_F_GUEST_CSUM
 *       only when {@code Settings.checksumOffload} asks: the driver then marks unfragmented,
 *       untagged IPv4 TCP and UDP frames NEEDS_CSUM (writing the pseudo-header sum itself) and
 *       completes received NEEDS_CSUM frames in software. Off by default, since Pith's stack
 *       computes and checks every checksum anyway; offloads() never promises RX_CHECKSUM.
 *   <li>Declined: VIRTIO_NET_F_MRG_RXBUF, every TSO/GSO/UFO/USO bit, VIRTIO_NET_F_CTRL_VQ and all
 *       that needs it (MQ, RSS, CTRL_RX, CTRL_VLAN, GUEST_ANNOUNCE, ...), VIRTIO_F_EVENT_IDX,
 *       VIRTIO_F_INDIRECT_DESC, VIRTIO_F_RING_PACKED, VIRTIO_F_ACCESS_PLATFORM.
 *   <li>Buffers: 2048 bytes each, from the DMA arena: 512 for receiving (up to a queue's worth in
 *       the ring, one device-writable descriptor each, refilled as the stack takes frames) and 512
 *       for {@code allocateFrame()}. A received frame is the buffer itself, its reader index past
 *       the header; a transmitted frame is a two-descriptor chain, a 12-byte header slot and the
 *       frame in place, so a 256-entry queue carries 128 frames in flight. Frames not in DMA memory
 *       are copied (counted in {@code txCopies()}). The defaults take 2 MiB of buffers and about
 *       24 KiB of rings and header slots: a 4 MiB arena is enough.
 *   <li>Polling: VRING_AVAIL_F_NO_INTERRUPT on both queues; one available-ring update and at most
 *       one notification per {@code transmit} call and per refill; completed transmissions are
 *       reaped at the start of every {@code transmit} and {@code receive}.
 * </ul>
 *
 * <p>Errors: setup throws ({@link dev.pith.core.virtio.VirtioException} naming the device, the
 * register and the value) and leaves the device FAILED. After DRIVER_OK nothing throws: frames
 * shorter than an Ethernet header or longer than the MTU allows are counted and dropped; a device
 * that breaks the ring protocol (an id out of range or not in flight, a used length beyond the
 * buffer, a used index that jumps) or reports DEVICE_NEEDS_RESET is given up on: link down,
 * FAILED set, logged once, frames offered afterwards accepted and dropped.
 *
 * <p>Not supported: interrupts (uio_pci_generic INTx is a later optimisation), several queue pairs,
 * jumbo frames beyond an MTU of 2018, VLAN offload, link-state change notifications (link state is
 * read when asked), device reset and recovery after a fault (close and reopen instead).
 */
package dev.pith.net.virtio;
