package dev.pith.image.disk;

import dev.pith.image.ImageException;
import dev.pith.image.initramfs.GuestImage;
import dev.pith.image.initramfs.KernelCommandLine;
import java.io.IOException;
import java.io.InputStream;
import java.io.RandomAccessFile;
import java.nio.ByteBuffer;
import java.nio.channels.FileChannel;
import java.nio.charset.StandardCharsets;
import java.nio.file.AtomicMoveNotSupportedException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.StandardCopyOption;
import java.nio.file.StandardOpenOption;
import java.time.Instant;
import java.util.ArrayList;
import java.util.Comparator;
import java.util.List;
import java.util.Map;
import java.util.Objects;
import java.util.stream.Stream;
import java.util.zip.CRC32C;

/**
 * A BIOS-bootable disk image that holds a direct-boot triple: an MBR with syslinux's boot code and
 * one active FAT partition at sector 2048 holding syslinux, {@code /syslinux.cfg}, {@code /vmlinuz}
 * and {@code /initrd}. It boots with no tool of Pith's: {@code qemu-system-x86_64 -drive
 * file=app.img,format=raw}, or as a virtio-blk disk, or on any BIOS that boots a disk.
 *
 * <pre>{@code
 * GuestImage image = GuestImage.builder()...build(target.resolve("image"));
 * DiskImage disk = DiskImage.builder()
 *         .guestImage(image)                     // kernel, initrd, command line
 *         .build(target.resolve("app.img"));     // raw; .format(DiskFormat.QCOW2) for qcow2
 * }</pre>
 *
 * <p>The build runs Debian's tools on a file, never a loop device or a mount, so it needs no
 * privileges: {@code mkfs.fat --offset} formats the partition's byte range, {@code syslinux
 * --offset} installs {@code ldlinux.sys}/{@code ldlinux.c32} and the partition's boot sector,
 * {@code mcopy -i file@@offset} copies the files, and the MBR is written here.
 * {@code qemu-img convert} makes a qcow2 on request.
 *
 * <p>Reproducible: the same inputs and settings give the same bytes. The volume serial number is
 * fixed ({@code mkfs.fat --invariant -i}; by default a CRC32C of the inputs), every file and the
 * volume label carry one time ({@code SOURCE_DATE_EPOCH} for mtools and syslinux's mcopy,
 * {@code TZ=UTC}), and the files are written in a fixed order.
 *
 * @param path the image file
 * @param format its format
 * @param sizeBytes the disk's size (a raw file's length; a qcow2's virtual size)
 * @param partitionOffsetBytes where the FAT partition starts (1 MiB: sector 2048)
 * @param partitionSizeBytes the partition's length
 * @param fatBits the FAT variant: 12, 16 or 32
 * @param volumeId the FAT volume serial number, also the MBR's disk signature
 * @param volumeLabel the FAT volume label
 * @param bootCommandLine the command line the kernel receives from syslinux
 */
public record DiskImage(Path path, DiskFormat format, long sizeBytes, long partitionOffsetBytes, long partitionSizeBytes,
                        int fatBits, int volumeId, String volumeLabel, String bootCommandLine) {
    /** The first sector of the partition: 1 MiB, where fdisk puts it. */
    public static final long PARTITION_START_SECTOR = 2048;
    /** Where Debian's packages put syslinux's MBR boot code: syslinux-common's path first, then syslinux's. */
    public static final List<Path> MBR_BOOT_CODE_PATHS = List.of(
            Path.of("/usr/lib/syslinux/mbr/mbr.bin"), Path.of("/usr/lib/SYSLINUX/mbr.bin"));
    /** The earliest time a FAT directory entry holds, and the default time of every file. */
    public static final Instant FAT_EPOCH = Instant.parse("1980-01-01T00:00:00Z");
    /** The latest time a FAT directory entry holds (two-second resolution). */
    public static final Instant FAT_END = Instant.parse("2107-12-31T23:59:58Z");

    /** Room for {@code ldlinux.sys} (58 KiB in Debian's 6.04) and {@code ldlinux.c32} (117 KiB). */
    private static final long SYSLINUX_FILES_BYTES = 256 * 1024;

    /** Checks the values. */
    public DiskImage {
        Objects.requireNonNull(path, "path == null");
        Objects.requireNonNull(format, "format == null");
        Objects.requireNonNull(volumeLabel, "volumeLabel == null");
        Objects.requireNonNull(bootCommandLine, "bootCommandLine == null");
    }

    /** A new builder. */
    public static Builder builder() {
        return new Builder();
    }

    /** The image file's length on the host (a raw image's holes count; a qcow2 leaves zero clusters out). */
    public long fileBytes() throws IOException {
        return Files.size(path);
    }

    /**
     * Assembles a {@link DiskImage}. Required: the kernel and the command line (or
     * {@link #guestImage(GuestImage)}); the initrd is optional (a kernel with a built-in initramfs
     * needs none).
     */
    public static final class Builder {
        private Path kernel;
        private Path initrd;
        private KernelCommandLine kernelCommandLine;
        private String commandLine;
        private String volumeLabel = "PITH";
        private Integer volumeId;
        private long freeSpaceBytes = 1024 * 1024;
        private Instant mtime = FAT_EPOCH;
        private DiskFormat format = DiskFormat.RAW;
        private Path mbrBootCode;

        private Builder() {
        }

        /** The kernel, initrd and command line of {@code image}. */
        public Builder guestImage(GuestImage image) {
            kernel(image.kernel());
            initrd(image.initrd());
            return commandLine(image.commandLine());
        }

        /** The kernel (a bzImage), copied to {@code /vmlinuz}. */
        public Builder kernel(Path vmlinuz) {
            this.kernel = Objects.requireNonNull(vmlinuz, "vmlinuz == null");
            return this;
        }

        /** The initramfs, copied to {@code /initrd}; null for none. */
        public Builder initrd(Path initrd) {
            this.initrd = initrd;
            return this;
        }

        /** The kernel command line; its limits are checked again with syslinux's additions. */
        public Builder commandLine(KernelCommandLine line) {
            this.kernelCommandLine = Objects.requireNonNull(line, "line == null");
            this.commandLine = line.toString();
            return this;
        }

        /** The kernel command line as QEMU's {@code -append} would take it: printable ASCII, at most 2012 bytes with an initrd. */
        public Builder commandLine(String line) {
            this.kernelCommandLine = null;
            this.commandLine = Objects.requireNonNull(line, "line == null");
            return this;
        }

        /** The FAT volume label: 1 to 11 of A-Z, 0-9, space, '_' and '-' (default {@code PITH}). */
        public Builder volumeLabel(String label) {
            Objects.requireNonNull(label, "label == null");
            if (!label.matches("[A-Z0-9_-][A-Z0-9 _-]{0,10}")) {
                throw new IllegalArgumentException("volume label '" + label + "' is not 1 to 11 of A-Z, 0-9, space, '_', '-'"
                        + " (not starting with a space)");
            }
            this.volumeLabel = label;
            return this;
        }

        /**
         * The FAT volume serial number, also the MBR disk signature (Linux's {@code PARTUUID} is
         * {@code %08x-01} of it). Default: a CRC32C of the command line, the kernel and the
         * initrd, so that the same inputs give the same disk and different ones different ids.
         */
        public Builder volumeId(int id) {
            this.volumeId = id;
            return this;
        }

        /** Free space left in the partition beyond the files (default 1 MiB; the partition ends on a MiB boundary). */
        public Builder freeSpaceBytes(long bytes) {
            if (bytes < 0) {
                throw new IllegalArgumentException("freeSpaceBytes < 0: " + bytes);
            }
            this.freeSpaceBytes = bytes;
            return this;
        }

        /** The modification time of every file, rounded down to even seconds (default {@link #FAT_EPOCH}). */
        public Builder mtime(Instant time) {
            Objects.requireNonNull(time, "time == null");
            if (time.isBefore(FAT_EPOCH) || time.isAfter(FAT_END)) {
                throw new IllegalArgumentException("mtime " + time + " is outside what FAT holds: " + FAT_EPOCH + " to " + FAT_END);
            }
            this.mtime = time;
            return this;
        }

        /** The output format (default {@link DiskFormat#RAW}). */
        public Builder format(DiskFormat format) {
            this.format = Objects.requireNonNull(format, "format == null");
            return this;
        }

        /** The MBR boot code (default: the first of {@link #MBR_BOOT_CODE_PATHS} that exists). */
        public Builder mbrBootCode(Path file) {
            this.mbrBootCode = Objects.requireNonNull(file, "file == null");
            return this;
        }

        /**
         * Writes the image to {@code output} (replacing it) and describes it. The image is
         * assembled in a temporary directory beside {@code output} and moved into place when whole.
         *
         * @throws ImageException if an input is missing or a tool fails (the message names the
         *         tool, its exit status and its standard error, and the fix)
         * @throws IllegalArgumentException if the command line exceeds syslinux's or Linux's limits
         */
        public DiskImage build(Path output) throws IOException {
            if (kernel == null) {
                throw new IllegalStateException("DiskImage.kernel(...) (or guestImage(...)) was not called; it is required");
            }
            if (commandLine == null) {
                throw new IllegalStateException("DiskImage.commandLine(...) (or guestImage(...)) was not called; it is required");
            }
            requireFile(kernel, "kernel", "get one with KernelProvider.debianCloud().kernel(), or fix the path");
            if (initrd != null) {
                requireFile(initrd, "initrd", "build it first (GuestImage.builder()...build(dir)), or fix the path");
            }
            SyslinuxConfig config = kernelCommandLine != null
                    ? SyslinuxConfig.of(kernelCommandLine, initrd != null)
                    : new SyslinuxConfig(commandLine, initrd != null);
            byte[] bootCode = readBootCode();
            byte[] configBytes = config.render().getBytes(StandardCharsets.US_ASCII);

            List<Long> files = new ArrayList<>(List.of(SYSLINUX_FILES_BYTES, (long) configBytes.length, Files.size(kernel)));
            if (initrd != null) {
                files.add(Files.size(initrd));
            }
            FatLayout layout = FatLayout.forFiles(files, freeSpaceBytes);
            int id = volumeId != null ? volumeId : defaultVolumeId(config);
            long offset = PARTITION_START_SECTOR * MasterBootRecord.SECTOR_SIZE;
            long size = offset + layout.bytes();

            Path target = output.toAbsolutePath();
            Path directory = Files.createDirectories(target.getParent());
            Path work = Files.createTempDirectory(directory, "." + target.getFileName() + "-");
            try {
                Path raw = work.resolve("disk.img");
                try (RandomAccessFile f = new RandomAccessFile(raw.toFile(), "rw")) {
                    f.setLength(size); // sparse: only what the tools write takes space
                }
                Map<String, String> env = environment();
                format(raw, layout, id, env);
                HostTool.SYSLINUX.run("install syslinux into the FAT partition of " + target.getFileName(),
                        List.of("--install", "--offset", Long.toString(offset), raw.toString()), env,
                        "syslinux 6 (Debian's syslinux package) installs into FAT12/16/32 file systems: read its message above");
                Path configFile = Files.write(work.resolve("syslinux.cfg"), configBytes);
                copy(raw, offset, configFile, SyslinuxConfig.CONFIG_PATH, env);
                copy(raw, offset, kernel, SyslinuxConfig.KERNEL_PATH, env);
                if (initrd != null) {
                    copy(raw, offset, initrd, SyslinuxConfig.INITRD_PATH, env);
                }
                byte[] mbr = MasterBootRecord.sector(bootCode, id, layout.partitionType(), PARTITION_START_SECTOR, layout.sectors());
                try (FileChannel ch = FileChannel.open(raw, StandardOpenOption.WRITE)) {
                    ch.write(ByteBuffer.wrap(mbr), 0);
                }
                Path result = raw;
                if (format == DiskFormat.QCOW2) {
                    result = work.resolve("disk.qcow2");
                    HostTool.QEMU_IMG.run("convert " + target.getFileName() + " to qcow2",
                            List.of("convert", "-f", "raw", "-O", "qcow2", raw.toString(), result.toString()), env,
                            "check the free space beside " + target);
                }
                moveIntoPlace(result, target);
            } finally {
                deleteTree(work);
            }
            return new DiskImage(target, format, size, offset, layout.bytes(), layout.fatBits(), id, volumeLabel,
                    config.kernelCommandLineAsBooted());
        }

        private void format(Path raw, FatLayout layout, int id, Map<String, String> env) throws IOException {
            List<String> args = new ArrayList<>(List.of(
                    "--invariant",                  // first: it would reset the -i given before it
                    "-i", String.format("%08x", id),
                    "-n", volumeLabel,
                    "-F", Integer.toString(layout.fatBits()),
                    "-s", Integer.toString(FatLayout.SECTORS_PER_CLUSTER),
                    "-h", Long.toString(PARTITION_START_SECTOR), // hidden sectors: the partition's LBA, for syslinux's boot sector
                    "-g", MasterBootRecord.HEADS + "/" + MasterBootRecord.SECTORS_PER_TRACK,
                    "--mbr=n"));
            if (layout.fatBits() != 32) {
                args.addAll(List.of("-r", Integer.toString(FatLayout.ROOT_ENTRIES)));
            }
            args.addAll(List.of("--offset=" + PARTITION_START_SECTOR, raw.toString(), Long.toString(layout.bytes() / 1024)));
            HostTool.MKFS_FAT.run("format the FAT partition", args, env,
                    "check that " + raw.getParent() + " is writable and has " + layout.bytes() / (1024 * 1024) + " MiB free");
        }

        private static void copy(Path raw, long offset, Path source, String guestPath, Map<String, String> env) throws IOException {
            HostTool.MCOPY.run("copy " + source + " to " + guestPath + " on the FAT partition",
                    List.of("-i", raw + "@@" + offset, "-o", source.toString(), "::" + guestPath), env,
                    "if mtools says the disk is full, leave more room with DiskImage.builder().freeSpaceBytes(...)");
        }

        /** TZ and SOURCE_DATE_EPOCH fix the times mtools writes; the rest keeps the user's mtools settings out. */
        private Map<String, String> environment() {
            long seconds = mtime.getEpochSecond() & ~1L; // FAT keeps two-second steps
            return Map.of("TZ", "UTC", "LC_ALL", "C", "SOURCE_DATE_EPOCH", Long.toString(seconds),
                    "MTOOLS_SKIP_CHECK", "1", "MTOOLSRC", "/dev/null");
        }

        private byte[] readBootCode() throws IOException {
            Path file = mbrBootCode;
            if (file == null) {
                file = MBR_BOOT_CODE_PATHS.stream().filter(Files::isRegularFile).findFirst()
                        .orElseThrow(() -> new ImageException("syslinux's MBR boot code is not installed (looked for "
                                + MBR_BOOT_CODE_PATHS + ")", "apt-get install syslinux-common, or name the file with"
                                + " DiskImage.builder().mbrBootCode(path)"));
            }
            requireFile(file, "MBR boot code", "apt-get install syslinux-common, or fix the path");
            byte[] code = Files.readAllBytes(file);
            if (code.length != MasterBootRecord.BOOT_CODE_SIZE) {
                throw new ImageException("MBR boot code " + file + " is " + code.length + " bytes, not "
                        + MasterBootRecord.BOOT_CODE_SIZE, "use syslinux's mbr.bin (syslinux-common: /usr/lib/syslinux/mbr/mbr.bin)");
            }
            return code;
        }

        private int defaultVolumeId(SyslinuxConfig config) throws IOException {
            CRC32C crc = new CRC32C();
            crc.update(config.render().getBytes(StandardCharsets.US_ASCII));
            for (Path p : initrd == null ? List.of(kernel) : List.of(kernel, initrd)) {
                byte[] buffer = new byte[1 << 20];
                try (InputStream in = Files.newInputStream(p)) {
                    for (int n; (n = in.read(buffer)) > 0; ) {
                        crc.update(buffer, 0, n);
                    }
                }
            }
            return (int) crc.getValue();
        }

        private static void requireFile(Path file, String what, String fix) {
            if (!Files.isRegularFile(file)) {
                throw new ImageException(what + " " + file + " does not exist", fix);
            }
        }

        private static void moveIntoPlace(Path from, Path to) throws IOException {
            try {
                Files.move(from, to, StandardCopyOption.REPLACE_EXISTING, StandardCopyOption.ATOMIC_MOVE);
            } catch (AtomicMoveNotSupportedException e) {
                Files.move(from, to, StandardCopyOption.REPLACE_EXISTING);
            }
        }

        private static void deleteTree(Path dir) throws IOException {
            try (Stream<Path> walk = Files.walk(dir)) {
                for (Path p : walk.sorted(Comparator.reverseOrder()).toList()) {
                    Files.deleteIfExists(p);
                }
            }
        }
    }
}
