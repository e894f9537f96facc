/**
 * The guest platform: what a unikernel that is PID 1 of its own VM needs from Linux and no more —
 * mount proc, sysfs, devtmpfs and hugetlbfs, read {@code pith.*} settings from the kernel command
 * line, memory devices can DMA to, an event loop tuned for polled virtqueues, and a way out that
 * syncs, reports the exit status to QEMU's isa-debug-exit device ({@code (status << 1) | 1}) and
 * powers off, because PID 1 must never return (DESIGN.md §3).
 *
 * <p>{@link dev.pith.core.guest.GuestPlatform#runAsInit} is the outermost frame of an image's
 * {@code main}; {@link dev.pith.core.guest.GuestPlatform#boot} does the mounting. Neither is
 * exercised by host tests beyond what is safe there (parsing, status encoding, the power-off
 * sequence against a fake machine); QEMU runs them for real.
 */
package dev.pith.core.guest;
