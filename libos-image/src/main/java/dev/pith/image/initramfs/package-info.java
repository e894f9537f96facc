/**
 * The initramfs of a Java guest and the command line that boots it.
 *
 * <p>{@link dev.pith.image.initramfs.CpioWriter} writes cpio "newc" (streaming, reproducible) through a
 * {@link dev.pith.image.initramfs.Compression}; {@link dev.pith.image.initramfs.InitramfsBuilder} lays
 * out /jre, the glibc files, /app/app.jar and the mount points; {@link dev.pith.image.initramfs.KernelCommandLine}
 * makes the kernel start {@code /jre/bin/java} as PID 1; {@link dev.pith.image.initramfs.GuestImage}
 * ties kernel, initramfs and command line together for a direct boot.
 */
package dev.pith.image.initramfs;
