package dev.pith.guest;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import dev.pith.image.link.LinkedImage;
import dev.pith.image.qemu.QemuResult;
import dev.pith.image.qemu.QemuRunner;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import org.junit.jupiter.api.Tag;
import org.junit.jupiter.api.Test;

/** Pith's virtio-blk driver in a QEMU guest: the pattern it writes and flushes is in the host's disk file. */
@Tag("guest")
class VirtioBlkGuestTest {

    @Test
    void aPatternWrittenInTheGuestIsInTheDiskFileAndTheStatusReachesTheHost() throws Exception {
        LinkedImage image = Guests.link(DiskPattern.class);
        Path disk = Path.of("target", "images", "data.img");
        Files.write(disk, new byte[4 << 20]);
        QemuResult run = QemuRunner.builder()
                .directBoot(image.guest())
                .blockDevice(disk, "data")
                .memoryMb(256)
                .timeout(Duration.ofMinutes(3))
                .build()
                .run();
        assertTrue(run.log().contains("read back 32768 bytes: same"), run.describe());
        assertEquals(42, run.guestExitStatus().orElseThrow(), run.describe());
        byte[] bytes = Files.readAllBytes(disk);
        for (int s = 0; s < DiskPattern.SECTORS; s++) {
            long sector = DiskPattern.FIRST_SECTOR + s;
            for (int i = 0; i < 512; i++) {
                assertEquals(DiskPattern.pattern(sector, i), bytes[(int) sector * 512 + i], "sector " + sector + " byte " + i);
            }
        }
        assertEquals(0, bytes[(int) DiskPattern.FIRST_SECTOR * 512 - 1], "nothing before the pattern");
    }
}
