package dev.pith.image.disk;

import java.util.List;

/**
 * The size and FAT variant of the boot partition, chosen before {@code mkfs.fat} runs so that the
 * files are known to fit: 4 KiB clusters; FAT12 up to 3,800 clusters (about 15 MiB), FAT16 up to
 * 65,000 (about 254 MiB), FAT32 above. The thresholds keep a margin below the limits the FAT
 * specification ties to the cluster count (FAT12 &lt; 4,085 &le; FAT16 &lt; 65,525 &le; FAT32),
 * since rounding the partition up to a whole MiB adds up to 256 clusters.
 *
 * @param fatBits 12, 16 or 32 ({@code mkfs.fat -F})
 * @param sectors the partition's length in 512-byte sectors, a multiple of 2048 (1 MiB)
 */
record FatLayout(int fatBits, long sectors) {
    /** Bytes per cluster ({@code mkfs.fat -s 8}). */
    static final int CLUSTER_BYTES = 4096;
    /** Sectors per cluster. */
    static final int SECTORS_PER_CLUSTER = CLUSTER_BYTES / MasterBootRecord.SECTOR_SIZE;
    /** Root directory entries of FAT12/16 ({@code mkfs.fat -r}); FAT32 keeps its root in clusters. */
    static final int ROOT_ENTRIES = 512;
    /** Partitions start and end on MiB boundaries, as fdisk and every cloud want. */
    static final long ALIGNMENT_SECTORS = 2048;

    private static final long FAT12_MAX_CLUSTERS = 3_800;
    private static final long FAT16_MIN_CLUSTERS = 4_200;
    private static final long FAT16_MAX_CLUSTERS = 65_000;
    private static final long FAT32_MIN_CLUSTERS = 66_000;
    /** Clusters for directories (FAT32's root, long file names), beyond the files themselves. */
    private static final long DIRECTORY_CLUSTERS = 4;

    /** Checks the variant and the alignment. */
    FatLayout {
        if (fatBits != 12 && fatBits != 16 && fatBits != 32) {
            throw new IllegalArgumentException("fatBits must be 12, 16 or 32: " + fatBits);
        }
        if (sectors <= 0 || sectors % ALIGNMENT_SECTORS != 0) {
            throw new IllegalArgumentException("partition sectors must be a positive multiple of " + ALIGNMENT_SECTORS + ": " + sectors);
        }
    }

    /** The smallest layout that holds files of {@code fileBytes} plus {@code freeBytes} of free space. */
    static FatLayout forFiles(List<Long> fileBytes, long freeBytes) {
        if (freeBytes < 0) {
            throw new IllegalArgumentException("freeBytes < 0: " + freeBytes);
        }
        long clusters = DIRECTORY_CLUSTERS + Math.ceilDiv(freeBytes, CLUSTER_BYTES);
        for (long bytes : fileBytes) {
            clusters += Math.ceilDiv(bytes, CLUSTER_BYTES);
        }
        int bits;
        if (clusters <= FAT12_MAX_CLUSTERS) {
            bits = 12;
        } else if (clusters <= FAT16_MAX_CLUSTERS) {
            bits = 16;
            clusters = Math.max(clusters, FAT16_MIN_CLUSTERS);
        } else {
            bits = 32;
            clusters = Math.max(clusters, FAT32_MIN_CLUSTERS);
        }
        long fatSectors = Math.ceilDiv(Math.ceilDiv((clusters + 2) * bits, 8), MasterBootRecord.SECTOR_SIZE);
        long reservedSectors = bits == 32 ? 32 : SECTORS_PER_CLUSTER; // FAT32: boot, FSInfo, backup boot sector
        long rootSectors = bits == 32 ? 0 : ROOT_ENTRIES * 32L / MasterBootRecord.SECTOR_SIZE;
        long alignmentSectors = SECTORS_PER_CLUSTER; // mkfs.fat aligns the data area to a cluster
        long sectors = reservedSectors + 2 * fatSectors + rootSectors + alignmentSectors + clusters * SECTORS_PER_CLUSTER;
        return new FatLayout(bits, Math.ceilDiv(sectors, ALIGNMENT_SECTORS) * ALIGNMENT_SECTORS);
    }

    /**
     * The MBR partition type: 0x01 (FAT12), 0x0E (FAT16, LBA), 0x0C (FAT32, LBA). Neither
     * {@code mbr.bin} nor syslinux reads it; Linux and firmware that mount the partition do.
     */
    int partitionType() {
        return switch (fatBits) {
            case 12 -> 0x01;
            case 16 -> 0x0E;
            default -> 0x0C;
        };
    }

    /** The partition's length in bytes. */
    long bytes() {
        return sectors * MasterBootRecord.SECTOR_SIZE;
    }
}
