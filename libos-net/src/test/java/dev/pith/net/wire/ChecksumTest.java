package dev.pith.net.wire;

import static org.junit.jupiter.api.Assertions.assertEquals;

import io.netty.buffer.ByteBuf;
import io.netty.buffer.Unpooled;
import java.nio.ByteBuffer;
import java.util.Random;
import org.junit.jupiter.api.Test;

class ChecksumTest {

    /** RFC 1071 §3: words 0001 f203 f4f5 f6f7 sum to 2ddf0, folded ddf2. */
    @Test
    void rfc1071Example() {
        ByteBuf buf = Unpooled.wrappedBuffer(TestBytes.hex("00 01 f2 03 f4 f5 f6 f7"));
        assertEquals(0xDDF2, Checksum.sum(buf, 0, 8, 0));
        assertEquals(0x220D, Checksum.finish(0xDDF2));
    }

    @Test
    void oddLengthPadsTheLastByteWithZero() {
        ByteBuf buf = Unpooled.wrappedBuffer(TestBytes.hex("ab cd ef"));
        assertEquals(0xAB00, Checksum.sum(buf, 0, 1, 0));
        assertEquals(0x9ACE, Checksum.sum(buf, 0, 3, 0)); // abcd + ef00 = 19acd, folded
        assertEquals(0xCDEF, Checksum.sum(buf, 1, 2, 0));
        assertEquals(0, Checksum.sum(buf, 1, 0, 0));
    }

    @Test
    void matchesAReferenceOverRandomDataOnHeapAndDirectBuffers() {
        Random random = new Random(1071);
        // Wrapped, so the paranoid leak detector does not record every read of it.
        ByteBuf direct = Unpooled.wrappedBuffer(ByteBuffer.allocateDirect(512));
        try {
            for (int round = 0; round < 2000; round++) {
                byte[] data = new byte[random.nextInt(400)];
                random.nextBytes(data);
                int index = random.nextInt(Math.max(1, data.length));
                int length = random.nextInt(data.length - index + 1);
                int initial = random.nextInt(0x10000);
                int expected = reference(data, index, length, initial);
                assertEquals(expected, Checksum.sum(Unpooled.wrappedBuffer(data), index, length, initial));
                direct.clear().writeBytes(data);
                assertEquals(expected, Checksum.sum(direct, index, length, initial));
            }
        } finally {
            direct.release();
        }
    }

    @Test
    void allOnesAndLargeInputsFold() {
        byte[] ones = new byte[4099];
        java.util.Arrays.fill(ones, (byte) 0xFF);
        assertEquals(reference(ones, 0, ones.length, 0xFFFF), Checksum.sum(Unpooled.wrappedBuffer(ones), 0,
                ones.length, 0xFFFF));
        assertEquals(0xFFFF, Checksum.sum(Unpooled.wrappedBuffer(ones), 0, 4098, 0));
    }

    @Test
    void pseudoHeaderSumsItsTwelveBytes() {
        int src = 0xC0A8_010A;
        int dst = 0x5DB8_D822;
        ByteBuf pseudo = Unpooled.buffer(12).writeInt(src).writeInt(dst).writeByte(0).writeByte(IpProtocol.TCP)
                .writeShort(40);
        assertEquals(Checksum.sum(pseudo, 0, 12, 0), Checksum.pseudoHeader(src, dst, IpProtocol.TCP, 40));
        assertEquals(Checksum.sum(pseudo, 0, 12, 0), Checksum.pseudoHeader(src, dst, 6, 40));
    }

    @Test
    void finishComplementsAndACorrectPacketSumsToAllOnes() {
        assertEquals(0xFFFF, Checksum.finish(0));
        assertEquals(0, Checksum.finish(0xFFFF));
        assertEquals(0xFFFE, Checksum.finish(0x1_0000)); // folds first: 0x0001
        byte[] packet = TestBytes.hex("45 00 00 1c 00 00 00 00 40 11 00 00 0a 00 00 01 0a 00 00 02");
        ByteBuf buf = Unpooled.wrappedBuffer(packet);
        buf.setShort(10, Checksum.finish(Checksum.sum(buf, 0, 20, 0)));
        assertEquals(0xFFFF, Checksum.sum(buf, 0, 20, 0));
    }

    @Test
    void neverMovesTheIndices() {
        ByteBuf buf = Unpooled.wrappedBuffer(new byte[32]).readerIndex(4).writerIndex(20);
        Checksum.sum(buf, 0, 32, 0);
        assertEquals(4, buf.readerIndex());
        assertEquals(20, buf.writerIndex());
    }

    /** RFC 1071 §1, word by word: the plainest one's-complement sum. */
    private static int reference(byte[] data, int index, int length, int initial) {
        long sum = initial;
        for (int i = 0; i < length; i += 2) {
            int high = data[index + i] & 0xFF;
            int low = i + 1 < length ? data[index + i + 1] & 0xFF : 0;
            sum += high << 8 | low;
            sum = (sum & 0xFFFF) + (sum >>> 16);
        }
        return (int) sum;
    }
}
