package dev.pith.image.disk;

import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertThrows;

import java.nio.ByteBuffer;
import java.nio.ByteOrder;
import java.util.Arrays;
import org.junit.jupiter.api.Test;

class MasterBootRecordTest {
    private static byte[] bytes(int... values) {
        byte[] b = new byte[values.length];
        for (int i = 0; i < values.length; i++) {
            b[i] = (byte) values[i];
        }
        return b;
    }

    @Test
    void chsOfTheFirstSectorsUseTheLbaTranslationGeometry() {
        assertArrayEquals(bytes(0x00, 0x01, 0x00), MasterBootRecord.chs(0));
        assertArrayEquals(bytes(0x20, 0x21, 0x00), MasterBootRecord.chs(2048), "what fdisk writes for a partition at 1 MiB");
        assertArrayEquals(bytes(0x00, 0x01, 0x01), MasterBootRecord.chs(255 * 63)); // cylinder 1
        assertArrayEquals(bytes(0x00, 0x41, 0x00), MasterBootRecord.chs(256L * 255 * 63)); // cylinder 256: bit 8 in the sector byte
    }

    @Test
    void chsSaturatesBeyondCylinder1023() {
        assertArrayEquals(bytes(0xFE, 0xFF, 0xFF), MasterBootRecord.chs(1024L * 255 * 63 - 1)); // (1023, 254, 63) itself
        assertArrayEquals(bytes(0xFE, 0xFF, 0xFF), MasterBootRecord.chs(1024L * 255 * 63));
        assertArrayEquals(bytes(0xFE, 0xFF, 0xFF), MasterBootRecord.chs(0xFFFF_FFFFL));
    }

    @Test
    void sectorHoldsBootCodeSignatureOneActivePartitionAndTheBootSignature() {
        byte[] code = new byte[440];
        Arrays.fill(code, (byte) 0x90);
        byte[] s = MasterBootRecord.sector(code, 0x50495448, 0x0E, 2048, 71_680);
        ByteBuffer b = ByteBuffer.wrap(s).order(ByteOrder.LITTLE_ENDIAN);

        assertEquals(512, s.length);
        assertArrayEquals(code, Arrays.copyOf(s, 440));
        assertEquals(0x50495448, b.getInt(440));
        assertEquals(0, b.getShort(444));
        assertEquals((byte) 0x80, s[446], "active");
        assertArrayEquals(bytes(0x20, 0x21, 0x00), Arrays.copyOfRange(s, 447, 450));
        assertEquals((byte) 0x0E, s[450]);
        assertArrayEquals(MasterBootRecord.chs(2048 + 71_680 - 1), Arrays.copyOfRange(s, 451, 454));
        assertEquals(2048, b.getInt(454));
        assertEquals(71_680, b.getInt(458));
        assertArrayEquals(new byte[48], Arrays.copyOfRange(s, 462, 510), "entries 2 to 4 are empty");
        assertEquals((byte) 0x55, s[510]);
        assertEquals((byte) 0xAA, s[511]);
    }

    @Test
    void refusesWhatTheTableCannotHold() {
        assertThrows(IllegalArgumentException.class, () -> MasterBootRecord.sector(new byte[441], 0, 0x0C, 2048, 2048));
        assertThrows(IllegalArgumentException.class, () -> MasterBootRecord.sector(new byte[440], 0, 0x0C, 2048, 0x1_0000_0000L));
        assertThrows(IllegalArgumentException.class, () -> MasterBootRecord.sector(new byte[440], 0, 0x0C, 0, 2048));
        assertThrows(IllegalArgumentException.class, () -> MasterBootRecord.sector(new byte[440], 0, 0, 2048, 2048));
    }
}
