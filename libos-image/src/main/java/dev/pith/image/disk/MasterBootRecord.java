package dev.pith.image.disk;

import java.nio.ByteBuffer;
import java.nio.ByteOrder;
import java.util.Objects;

/**
 * Sector 0 of a BIOS disk with one bootable primary partition: the boot code (syslinux's
 * {@code mbr.bin}, which loads the active partition's first sector and jumps to it), the disk
 * signature, the partition table and the 0x55AA boot signature.
 *
 * <p>Layout (the "classical generic MBR"; the disk signature is Windows NT's, and Linux's
 * {@code PARTUUID} of partition 1 is {@code <signature as 8 hex digits>-01}):
 * <pre>
 *   0  boot code                440 bytes
 * 440  disk signature           LE32
 * 444  0x0000
 * 446  4 partition entries      16 bytes each: status, CHS first, type, CHS last, LBA first (LE32), sectors (LE32)
 * 510  0x55 0xAA
 * </pre>
 * CHS addresses use the geometry every BIOS reports for a disk of this size under LBA
 * translation (255 heads, 63 sectors per track) and saturate at cylinder 1023 (0xFE 0xFF 0xFF);
 * {@code mbr.bin} and SeaBIOS use the LBA fields through the EDD extensions anyway.
 */
final class MasterBootRecord {
    /** Bytes in a sector; the only sector size BIOS boot knows. */
    static final int SECTOR_SIZE = 512;
    /** Bytes of boot code before the disk signature ({@code mbr.bin} is exactly this long). */
    static final int BOOT_CODE_SIZE = 440;
    /** Heads of the CHS geometry written into the partition entry (and given to {@code mkfs.fat -g}). */
    static final int HEADS = 255;
    /** Sectors per track of that geometry. */
    static final int SECTORS_PER_TRACK = 63;
    /** Status byte of the active (bootable) partition, the one {@code mbr.bin} boots. */
    static final int ACTIVE = 0x80;

    private static final class Field {
        static final int BOOT_CODE = 0;
        static final int DISK_SIGNATURE = 440;
        static final int PARTITION_TABLE = 446;
        static final int BOOT_SIGNATURE = 510;
    }

    private static final class Entry {
        static final int STATUS = 0;
        static final int CHS_FIRST = 1;
        static final int TYPE = 4;
        static final int CHS_LAST = 5;
        static final int LBA_FIRST = 8;
        static final int SECTORS = 12;
    }

    private MasterBootRecord() {
    }

    /**
     * The 512 bytes of sector 0: {@code bootCode} (at most 440 bytes), {@code diskSignature}, and
     * one active partition of {@code partitionType} covering {@code sectors} sectors from LBA
     * {@code firstLba}.
     */
    static byte[] sector(byte[] bootCode, int diskSignature, int partitionType, long firstLba, long sectors) {
        Objects.requireNonNull(bootCode, "bootCode == null");
        if (bootCode.length > BOOT_CODE_SIZE) {
            throw new IllegalArgumentException("MBR boot code is " + bootCode.length + " bytes, more than " + BOOT_CODE_SIZE
                    + " (the rest of sector 0 holds the partition table): is it really syslinux's mbr.bin?");
        }
        if (partitionType <= 0 || partitionType > 0xFF) {
            throw new IllegalArgumentException("partition type out of range: " + partitionType);
        }
        if (firstLba < 1 || sectors < 1 || firstLba + sectors - 1 > 0xFFFF_FFFFL) {
            throw new IllegalArgumentException("partition [" + firstLba + ", +" + sectors
                    + ") does not fit the MBR's 32-bit sector numbers (2 TiB)");
        }
        ByteBuffer b = ByteBuffer.allocate(SECTOR_SIZE).order(ByteOrder.LITTLE_ENDIAN);
        b.put(Field.BOOT_CODE, bootCode);
        b.putInt(Field.DISK_SIGNATURE, diskSignature);
        int e = Field.PARTITION_TABLE;
        b.put(e + Entry.STATUS, (byte) ACTIVE);
        b.put(e + Entry.CHS_FIRST, chs(firstLba));
        b.put(e + Entry.TYPE, (byte) partitionType);
        b.put(e + Entry.CHS_LAST, chs(firstLba + sectors - 1));
        b.putInt(e + Entry.LBA_FIRST, (int) firstLba);
        b.putInt(e + Entry.SECTORS, (int) sectors);
        b.put(Field.BOOT_SIGNATURE, (byte) 0x55);
        b.put(Field.BOOT_SIGNATURE + 1, (byte) 0xAA);
        return b.array();
    }

    /**
     * The 3-byte CHS address of {@code lba}: head; sector (bits 0-5) with cylinder bits 8-9 (bits
     * 6-7); cylinder bits 0-7. Beyond cylinder 1023 the address saturates to (1023, 254, 63).
     */
    static byte[] chs(long lba) {
        long cylinder = lba / ((long) HEADS * SECTORS_PER_TRACK);
        if (cylinder > 1023) {
            return new byte[] {(byte) 0xFE, (byte) 0xFF, (byte) 0xFF};
        }
        int head = (int) (lba / SECTORS_PER_TRACK % HEADS);
        int sector = (int) (lba % SECTORS_PER_TRACK) + 1;
        return new byte[] {(byte) head, (byte) (sector | (cylinder >> 2 & 0xC0)), (byte) cylinder};
    }
}
