package dev.pith.image.disk;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.util.List;
import org.junit.jupiter.api.Test;

class FatLayoutTest {
    private static final long MIB = 1024 * 1024;

    @Test
    void smallDisksAreFat12MidSizedFat16LargeFat32() {
        FatLayout small = FatLayout.forFiles(List.of(3 * MIB, MIB), MIB);
        assertEquals(12, small.fatBits());
        assertEquals(0x01, small.partitionType());
        assertEquals(6 * MIB, small.bytes());

        FatLayout guest = FatLayout.forFiles(List.of(14_186_432L, 26_158_309L), MIB); // Debian's kernel + an LZ4 initramfs
        assertEquals(16, guest.fatBits());
        assertEquals(0x0E, guest.partitionType());
        assertEquals(40 * MIB, guest.bytes());

        FatLayout large = FatLayout.forFiles(List.of(300 * MIB), 0);
        assertEquals(32, large.fatBits());
        assertEquals(0x0C, large.partitionType());
        assertEquals(301 * MIB, large.bytes());
    }

    @Test
    void fat16AndFat32GetTheClustersTheirTypeNeeds() {
        FatLayout justOverFat12 = FatLayout.forFiles(List.of(16 * MIB), 0);
        assertEquals(16, justOverFat12.fatBits());
        assertTrue(justOverFat12.bytes() >= 4200L * FatLayout.CLUSTER_BYTES);
        FatLayout justOverFat16 = FatLayout.forFiles(List.of(256 * MIB), 0);
        assertEquals(32, justOverFat16.fatBits());
        assertTrue(justOverFat16.bytes() >= 66_000L * FatLayout.CLUSTER_BYTES);
    }

    @Test
    void everyLayoutHoldsItsFilesAndEndsOnAMebibyte() {
        for (long s = 0; s < 400 * MIB; s += 7 * MIB + 12_345) {
            long size = s;
            FatLayout l = FatLayout.forFiles(List.of(size, 4096L), MIB);
            assertEquals(0, l.sectors() % 2048);
            assertTrue(l.bytes() > size + MIB, () -> l + " for " + size);
        }
    }

    @Test
    void refusesNegativeFreeSpace() {
        assertThrows(IllegalArgumentException.class, () -> FatLayout.forFiles(List.of(1L), -1));
    }
}
