/**
 * A virtio device written in Java, for host tests of drivers:
 * {@link dev.pith.core.virtio.testing.SoftwareVirtioDevice} implements the virtio-pci common
 * configuration (virtio 1.2 §4.1.4.3), notifications and ISR, and
 * {@link dev.pith.core.virtio.testing.DeviceQueue} the device side of split virtqueues (§2.7) over
 * a {@link dev.pith.core.dma.DmaArena#simulated simulated} DMA arena. It can loop a queue back to
 * another, serve chains with a script, run step by step in the driver's thread or on its own, and
 * misbehave on request ({@link dev.pith.core.virtio.testing.Misbehavior}); it also records every
 * protocol error the driver makes.
 *
 * <p>Test support, not a device for production: it is exported only to the driver modules.
 */
package dev.pith.core.virtio.testing;
