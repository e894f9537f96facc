package dev.pith.image.disk;

import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertNotEquals;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import dev.pith.image.ImageException;
import dev.pith.image.TestTools;
import java.io.IOException;
import java.io.RandomAccessFile;
import java.nio.ByteBuffer;
import java.nio.ByteOrder;
import java.nio.channels.FileChannel;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.StandardOpenOption;
import java.time.Instant;
import java.util.Arrays;
import java.util.List;
import java.util.Map;
import java.util.Random;
import java.util.stream.Stream;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;

/**
 * Builds disks from stand-in kernel and initrd files (random bytes) with the real tools, and reads
 * them back with other real peers: mtools ({@code minfo}, {@code mdir}, {@code mtype},
 * {@code mcopy}), {@code fsck.fat} on the partition's bytes, and {@code qemu-img}. Booting is
 * {@link DiskBootTest}'s.
 */
class DiskImageTest {
    private static final String LINE = "console=ttyS0 panic=-1 quiet rootfstype=ramfs rdinit=/jre/bin/java -- -cp /app/app.jar Main";
    private static final long MIB = 1024 * 1024;

    private static Path work;
    private static Path kernel;
    private static Path initrd;

    @BeforeAll
    static void inputs() throws IOException {
        TestTools.requireTool("mkfs.fat", "dosfstools");
        TestTools.requireTool("fsck.fat", "dosfstools");
        TestTools.requireTool("syslinux", "syslinux");
        TestTools.requireTool("mcopy", "mtools");
        work = Files.createDirectories(Path.of("target", "disk-image-test")).toAbsolutePath();
        kernel = randomFile(work.resolve("vmlinuz"), 3_000_001, 1);
        initrd = randomFile(work.resolve("initrd.cpio.lz4"), 1_234_567, 2);
    }

    private static Path randomFile(Path file, int size, long seed) throws IOException {
        byte[] b = new byte[size];
        new Random(seed).nextBytes(b);
        return Files.write(file, b);
    }

    private static DiskImage.Builder builder() {
        return DiskImage.builder().kernel(kernel).initrd(initrd).commandLine(LINE);
    }

    private static String mtools(String tool, DiskImage disk, String... args) throws Exception {
        String[] command = Stream.concat(Stream.of(tool, "-i", disk.path() + "@@" + disk.partitionOffsetBytes()), Arrays.stream(args))
                .toArray(String[]::new);
        return TestTools.run(work, null, command).check().stdout();
    }

    @Test
    void writesAnMbrAndABootableFatPartitionThatMtoolsReadsBack() throws Exception {
        DiskImage disk = builder().volumeLabel("HELLO").volumeId(0x1234ABCD).build(work.resolve("basic.img"));

        assertEquals(MIB, disk.partitionOffsetBytes());
        assertEquals(MIB + disk.partitionSizeBytes(), disk.sizeBytes());
        assertEquals(disk.sizeBytes(), Files.size(disk.path()));
        assertEquals(12, disk.fatBits());
        assertEquals("BOOT_IMAGE=/vmlinuz initrd=/initrd " + LINE, disk.bootCommandLine());

        byte[] mbr = new byte[512];
        try (FileChannel ch = FileChannel.open(disk.path())) {
            ch.read(ByteBuffer.wrap(mbr), 0);
        }
        ByteBuffer b = ByteBuffer.wrap(mbr).order(ByteOrder.LITTLE_ENDIAN);
        Path mbrBin = DiskImage.MBR_BOOT_CODE_PATHS.stream().filter(Files::exists).findFirst().orElseThrow();
        assertArrayEquals(Files.readAllBytes(mbrBin), Arrays.copyOf(mbr, 440), "syslinux's mbr.bin");
        assertEquals(0x1234ABCD, b.getInt(440), "disk signature");
        assertEquals((byte) 0x80, mbr[446]);
        assertEquals((byte) 0x01, mbr[450], "FAT12");
        assertEquals(2048, b.getInt(454));
        assertEquals(disk.partitionSizeBytes() / 512, b.getInt(458) & 0xFFFF_FFFFL);
        assertEquals(0xAA55, b.getShort(510) & 0xFFFF);

        String info = mtools("minfo", disk, "::");
        assertTrue(info.contains("hidden sectors: 2048"), info);
        assertTrue(info.contains("serial number: 1234ABCD"), info);
        assertTrue(info.contains("banner:\"SYSLINUX\""), info);
        assertTrue(info.contains("cluster size: 8 sectors"), info);
        assertTrue(info.contains("HELLO"), info); // the label, at 0x2B of the boot sector

        String dir = mtools("mdir", disk, "-a", "-b", "::/");
        assertEquals(List.of("::/ldlinux.sys", "::/ldlinux.c32", "::/syslinux.cfg", "::/vmlinuz", "::/initrd"),
                dir.lines().map(String::strip).toList(), dir);
        assertEquals(new SyslinuxConfig(LINE, true).render(), mtools("mtype", disk, "::/syslinux.cfg"));
        for (String name : List.of("vmlinuz", "initrd")) {
            Path back = work.resolve("back-" + name);
            Files.deleteIfExists(back);
            mtools("mcopy", disk, "::/" + name, back.toString());
            assertArrayEquals(Files.readAllBytes(name.equals("vmlinuz") ? kernel : initrd), Files.readAllBytes(back), name);
        }
        String listing = TestTools.run(work, null, "env", "TZ=UTC", "mdir", "-i", disk.path() + "@@" + MIB, "-a", "::/")
                .check().stdout();
        assertTrue(listing.lines().filter(l -> l.contains("vmlinuz") || l.contains("ldlinux")).allMatch(l -> l.contains("1980-01-01   0:00")),
                listing);

        assertFsckClean(disk);
    }

    @Test
    void fatVariantFollowsTheSize() throws Exception {
        DiskImage fat16 = builder().freeSpaceBytes(40 * MIB).build(work.resolve("fat16.img"));
        assertEquals(16, fat16.fatBits());
        assertTrue(mtools("minfo", fat16, "::").contains("sectors per fat: "));
        assertFsckClean(fat16);

        DiskImage fat32 = builder().freeSpaceBytes(260 * MIB).build(work.resolve("fat32.img"));
        assertEquals(32, fat32.fatBits());
        String info = mtools("minfo", fat32, "::");
        assertTrue(info.contains("Fat32 specific information") || info.contains("big size"), info);
        assertArrayEquals(Files.readAllBytes(kernel), copyBack(fat32, "vmlinuz"));
        assertFsckClean(fat32);
        assertTrue(Files.size(fat32.path()) > 260 * MIB);
        Files.delete(fat32.path()); // 262 MiB, sparse
    }

    @Test
    void sameInputsGiveTheSameBytes() throws Exception {
        DiskImage a = builder().build(work.resolve("same-a.img"));
        Files.setLastModifiedTime(kernel, java.nio.file.attribute.FileTime.from(Instant.now())); // host times do not leak in
        DiskImage b = builder().build(work.resolve("same-b.img"));
        assertEquals(a.volumeId(), b.volumeId());
        assertArrayEquals(Files.readAllBytes(a.path()), Files.readAllBytes(b.path()));

        DiskImage other = builder().commandLine(LINE + " 42").build(work.resolve("same-c.img"));
        assertNotEquals(a.volumeId(), other.volumeId(), "the default id follows the inputs");
        DiskImage later = builder().mtime(Instant.parse("2025-06-01T12:00:00Z")).build(work.resolve("same-d.img"));
        assertFalse(Arrays.equals(Files.readAllBytes(a.path()), Files.readAllBytes(later.path())));
        String listing = TestTools.run(work, null, "env", "TZ=UTC", "mdir", "-i", later.path() + "@@" + MIB, "::/")
                .check().stdout();
        assertTrue(listing.contains("2025-06-01  12:00"), listing);
    }

    @Test
    void convertsToQcow2OnRequest() throws Exception {
        TestTools.requireTool("qemu-img", "qemu-utils");
        DiskImage raw = builder().build(work.resolve("convert.img"));
        DiskImage qcow2 = builder().format(DiskFormat.QCOW2).build(work.resolve("convert.qcow2"));
        assertEquals(DiskFormat.QCOW2, qcow2.format());
        assertEquals(raw.sizeBytes(), qcow2.sizeBytes());

        String info = TestTools.run(work, null, "qemu-img", "info", "--output=json", qcow2.path().toString()).check().stdout();
        assertTrue(info.contains("\"format\": \"qcow2\""), info);
        assertTrue(info.contains("\"virtual-size\": " + raw.sizeBytes()), info);
        TestTools.run(work, null, "qemu-img", "compare", "-f", "raw", "-F", "qcow2", raw.path().toString(), qcow2.path().toString())
                .check();
        DiskImage again = builder().format(DiskFormat.QCOW2).build(work.resolve("convert-again.qcow2"));
        assertArrayEquals(Files.readAllBytes(qcow2.path()), Files.readAllBytes(again.path()), "qemu-img's output is reproducible too");
        System.out.printf("qcow2: raw %.1f MB, qcow2 %.1f MB%n", raw.fileBytes() / 1e6, qcow2.fileBytes() / 1e6);
    }

    @Test
    void worksWithoutAnInitrd() throws Exception {
        DiskImage disk = DiskImage.builder().kernel(kernel).commandLine("console=ttyS0").build(work.resolve("no-initrd.img"));
        assertEquals("BOOT_IMAGE=/vmlinuz console=ttyS0", disk.bootCommandLine());
        assertFalse(mtools("mdir", disk, "-b", "::/").contains("initrd"));
    }

    @Test
    void refusesACommandLineThatSyslinuxWouldLengthenPastLinuxsLimit() {
        String tooLong = "console=ttyS0 -- " + "x".repeat(2000);
        IllegalArgumentException e = assertThrows(IllegalArgumentException.class,
                () -> builder().commandLine(tooLong).build(work.resolve("too-long.img")));
        assertTrue(e.getMessage().contains("x86 Linux keeps at most 2047"), e.getMessage());
        assertFalse(Files.exists(work.resolve("too-long.img")));
    }

    @Test
    void namesWhatIsMissing() {
        ImageException noKernel = assertThrows(ImageException.class,
                () -> builder().kernel(work.resolve("nope")).build(work.resolve("missing.img")));
        assertTrue(noKernel.getMessage().contains("kernel") && noKernel.fix().contains("KernelProvider"), noKernel.getMessage());
        assertThrows(IllegalStateException.class, () -> DiskImage.builder().kernel(kernel).build(work.resolve("missing.img")));
        assertThrows(IllegalArgumentException.class, () -> builder().volumeLabel("lower"));
        assertThrows(IllegalArgumentException.class, () -> builder().volumeLabel("TWELVE_CHARS"));
        assertThrows(IllegalArgumentException.class, () -> builder().mtime(Instant.EPOCH));
    }

    @Test
    void aToolFailureNamesTheToolItsStatusItsMessageAndTheFix() {
        ImageException failed = assertThrows(ImageException.class, () -> HostTool.MKFS_FAT.run("format the FAT partition",
                List.of(work.resolve("no-such-dir/x.img").toString()), Map.of(), "make the directory"));
        assertTrue(failed.getMessage().contains("cannot format the FAT partition: mkfs.fat exited with status 1"), failed.getMessage());
        assertTrue(failed.getMessage().contains("stderr: ") && failed.getMessage().contains("no-such-dir"), failed.getMessage());
        assertEquals("make the directory", failed.fix());

        ImageException missing = assertThrows(ImageException.class, () -> new HostTool("pith-no-such-tool", "pith-tools")
                .run("do it", List.of(), Map.of(), "n/a"));
        assertTrue(missing.getMessage().contains("pith-no-such-tool is not installed"), missing.getMessage());
        assertTrue(missing.fix().startsWith("apt-get install pith-tools"), missing.fix());
    }

    private static byte[] copyBack(DiskImage disk, String name) throws Exception {
        Path back = work.resolve("back-" + disk.path().getFileName() + "-" + name);
        Files.deleteIfExists(back);
        mtools("mcopy", disk, "::/" + name, back.toString());
        return Files.readAllBytes(back);
    }

    /** Copies the partition out (sparse: all-zero MiBs are skipped) and runs fsck.fat on it, read-only. */
    private static void assertFsckClean(DiskImage disk) throws Exception {
        Path partition = work.resolve(disk.path().getFileName() + ".part");
        Files.deleteIfExists(partition);
        try (FileChannel in = FileChannel.open(disk.path());
             FileChannel out = FileChannel.open(partition, StandardOpenOption.CREATE_NEW, StandardOpenOption.WRITE)) {
            ByteBuffer buf = ByteBuffer.allocate((int) MIB);
            for (long at = 0; at < disk.partitionSizeBytes(); at += MIB) {
                buf.clear();
                in.read(buf, disk.partitionOffsetBytes() + at);
                buf.flip();
                if (!isZero(buf)) {
                    out.write(buf, at);
                }
            }
        }
        try (RandomAccessFile f = new RandomAccessFile(partition.toFile(), "rw")) {
            f.setLength(disk.partitionSizeBytes());
        }
        TestTools.Output fsck = TestTools.run(work, null, "fsck.fat", "-n", "-v", partition.toString());
        Files.delete(partition);
        assertEquals(0, fsck.exitCode(), fsck.stdout() + fsck.stderr());
        assertFalse(fsck.stdout().contains("Leaving filesystem unchanged") && fsck.stdout().contains("differences"), fsck.stdout());
        assertTrue(fsck.stdout().contains("2 FATs, " + disk.fatBits() + " bit entries"), fsck.stdout());
        assertTrue(fsck.stdout().contains("2048 hidden sectors"), fsck.stdout());
    }

    private static boolean isZero(ByteBuffer b) {
        for (int i = b.position(); i < b.limit(); i++) {
            if (b.get(i) != 0) {
                return false;
            }
        }
        return true;
    }
}
