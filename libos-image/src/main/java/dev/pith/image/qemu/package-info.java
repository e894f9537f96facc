/**
 * Running guests under QEMU for tests and for {@code run}: {@link dev.pith.image.qemu.QemuRunner}
 * builds the command line (modern-only virtio devices, user networking on loopback, the
 * isa-debug-exit port), {@link dev.pith.image.qemu.QemuProcess} captures the serial console with
 * timestamps, and {@link dev.pith.image.qemu.QemuResult} says how the run ended
 * ({@link dev.pith.image.qemu.Outcome}).
 */
package dev.pith.image.qemu;
