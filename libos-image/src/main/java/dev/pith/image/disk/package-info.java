/**
 * Bootable disk images: {@link dev.pith.image.disk.DiskImage} puts a direct-boot triple (kernel,
 * initrd, command line) on a BIOS disk — an MBR with syslinux's boot code, one FAT partition at
 * 1 MiB with syslinux, its configuration and the files — that QEMU boots with a plain
 * {@code -drive file=app.img,format=raw}, and converts it to qcow2 with {@code qemu-img} on request.
 * The MBR is written here; {@code mkfs.fat}, {@code syslinux} and {@code mcopy} (Debian's
 * dosfstools, syslinux and mtools) do the rest on the image file, without loop devices or mounts.
 */
package dev.pith.image.disk;
