/**
 * Virtio 1.2 over PCI, driver side: enough for a virtio-net or virtio-blk driver that a newcomer
 * reads in one sitting, as ixy's src/driver/virtio.c.
 *
 * <ul>
 *   <li>{@link dev.pith.core.virtio.VirtioPciTransport}: the modern PCI transport (§4.1) — the
 *       vendor capabilities (§4.1.4), reset, the status handshake ACKNOWLEDGE → DRIVER → features →
 *       FEATURES_OK → queues → DRIVER_OK (§3.1.1), notifications (§4.1.5.2).
 *   <li>{@link dev.pith.core.virtio.Virtqueue}: a split virtqueue (§2.7) — descriptor chains
 *       (§2.7.5, §2.7.13.1), publishing with a release store and a full fence before reading the
 *       device's suppression flags (§2.7.13.3, §2.7.13.4), reaping with acquire (§2.7.8),
 *       interrupt suppression (§2.7.7) and EVENT_IDX (§2.7.10).
 *   <li>{@link dev.pith.core.virtio.Registers}: exact-width, little-endian, volatile register
 *       access (§4.1.3.1), over a mapped BAR or a device written in Java
 *       ({@code dev.pith.core.virtio.testing}).
 * </ul>
 *
 * <p>Section numbers are those of virtio 1.2 (split virtqueues are §2.7 there, §2.6 in 1.1);
 * feature bits are in §6. Not supported: the legacy interface, packed virtqueues (§2.8), indirect
 * descriptors, VIRTIO_F_ACCESS_PLATFORM (no vIOMMU in Pith's guest), interrupts of any kind: Pith
 * polls (INTx through uio_pci_generic would let an idle guest sleep; not written yet).
 *
 * <p>Setup fails loudly: a {@link dev.pith.core.virtio.VirtioException} naming the device, the
 * register and the values. The data path never throws at the device's fault: a malformed used ring
 * puts the queue into a fault state that the driver counts and reports.
 */
package dev.pith.core.virtio;
