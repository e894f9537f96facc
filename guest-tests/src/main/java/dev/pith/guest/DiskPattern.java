package dev.pith.guest;

import dev.pith.Disk;
import dev.pith.Unikernel;
import dev.pith.block.BlockingDisk;

/**
 * Writes a known pattern through Pith's virtio-blk driver, flushes, reads it back, and ends with
 * status 42 — which reaches the host through isa-debug-exit; the host then checks the disk file.
 */
public final class DiskPattern {

    private DiskPattern() {}

    /** Sectors 100..163: byte i of sector s is (s * 7 + i) & 0xFF. */
    public static final long FIRST_SECTOR = 100;
    public static final int SECTORS = 64;

    public static byte pattern(long sector, int index) {
        return (byte) (sector * 7 + index);
    }

    public static Unikernel unikernel() {
        return Unikernel.builder("disk-pattern")
                .memoryMib(128)
                .disk(Disk.virtio("data"))
                .task(context -> {
                    BlockingDisk disk = context.disk("data");
                    byte[] data = new byte[SECTORS * disk.sectorSize()];
                    for (int s = 0; s < SECTORS; s++) {
                        for (int i = 0; i < disk.sectorSize(); i++) {
                            data[s * disk.sectorSize() + i] = pattern(FIRST_SECTOR + s, i);
                        }
                    }
                    disk.write(FIRST_SECTOR, data);
                    disk.flush();
                    byte[] back = new byte[data.length];
                    disk.read(FIRST_SECTOR, back);
                    boolean same = java.util.Arrays.equals(data, back);
                    System.out.println("pith-guest: wrote, flushed and read back " + data.length + " bytes: "
                            + (same ? "same" : "DIFFERENT"));
                    return same ? 42 : 3;
                })
                .build();
    }

    public static void main(String[] args) {
        unikernel().run();
    }
}
