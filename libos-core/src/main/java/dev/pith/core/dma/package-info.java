/**
 * Memory for devices: a {@link dev.pith.core.dma.DmaArena} maps hugepages (or locked 4 KiB pages),
 * learns each page's physical address from {@code /proc/self/pagemap}
 * ({@code Documentation/admin-guide/mm/pagemap.rst}: bits 0–54 PFN, bit 63 present; root only) and
 * carves it into physically contiguous {@link dev.pith.core.buffer.DmaRegion}s for virtqueues and
 * packet buffers — ixy's src/memory.c in Java.
 *
 * <p>Guest-physical addresses are what devices take: Pith's guest has no vIOMMU and never
 * negotiates VIRTIO_F_ACCESS_PLATFORM (virtio 1.2 §6). Host tests use
 * {@link dev.pith.core.dma.DmaArena#simulated simulated} arenas, ordinary memory with made-up
 * physical addresses that a software device maps back with
 * {@link dev.pith.core.dma.DmaArena#resolve resolve}.
 */
package dev.pith.core.dma;
