/**
 * Build-time pieces of a Pith image. {@link dev.pith.image.ImageException} is the one error type:
 * every failure names what failed and how to fix it.
 *
 * <ul>
 *   <li>{@code initramfs}: {@code CpioWriter} (cpio "newc", streaming, reproducible),
 *       {@code Compression}, {@code InitramfsBuilder}, {@code GuestImage} and its
 *       {@code KernelCommandLine}.</li>
 *   <li>{@code runtime}: {@code RuntimeImage} (jdeps, jlink) and {@code ElfFile} /
 *       {@code NativeDependencies} (the glibc files the runtime's ELF files need).</li>
 *   <li>{@code kernel}: {@code KernelProvider} (Debian's cloud kernel, cached; or a file).</li>
 *   <li>{@code qemu}: {@code QemuRunner} (direct boot or disk, serial capture, exit status).</li>
 * </ul>
 */
package dev.pith.image;
