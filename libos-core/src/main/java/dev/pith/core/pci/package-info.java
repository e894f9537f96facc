/**
 * PCI from user space, through sysfs ({@code Documentation/PCI/sysfs-pci.rst}): find functions by
 * vendor and device ID, read and write configuration space with exact-width positional reads and
 * writes of {@code config}, walk the capability list (PCI Local Bus 3.0 §6.7), map memory BARs from
 * {@code resourceN}, and set Bus Master Enable (§6.2.2) — all through java.nio, no FFM downcall.
 * {@link dev.pith.core.pci.PciDevice} is the whole of it, as ixy's src/pci.c.
 *
 * <p>Facts checked on QEMU 7.2 (DESIGN.md §3): modern virtio devices put all their structures in
 * one 64-bit memory BAR (BAR 4 on QEMU's PC); the legacy I/O BAR can only be reached by pread and
 * pwrite of {@code resource0}, one system call per register, so Pith does not use it.
 */
package dev.pith.core.pci;
