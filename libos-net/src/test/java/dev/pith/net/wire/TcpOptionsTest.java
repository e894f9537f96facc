package dev.pith.net.wire;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertTrue;

import io.netty.buffer.ByteBuf;
import io.netty.buffer.Unpooled;
import java.util.Arrays;
import java.util.Set;
import org.junit.jupiter.api.Test;

class TcpOptionsTest {

    /** The options of {@link TcpPacketTest#SYN}. */
    static final byte[] SYN_OPTIONS = Arrays.copyOfRange(TcpPacketTest.SEGMENT, 20, 40);

    private final TcpOptions options = new TcpOptions();

    @Test
    void everyTruncatedOptionsAreaIsRefusedCleanly() {
        // Option boundaries in "02 04 05 b4 | 04 02 | 08 0a ... | 01 | 03 03 07": cutting anywhere else
        // leaves an option running past the end.
        Set<Integer> boundaries = Set.of(0, 4, 6, 16, 17, 20);
        for (int length = 0; length <= SYN_OPTIONS.length; length++) {
            ByteBuf buf = TestBytes.prefix(SYN_OPTIONS, length);
            boolean parsed = options.parse(buf, TestBytes.LEAD, length);
            assertEquals(boundaries.contains(length), parsed, "length " + length);
            if (!parsed) {
                assertCleared();
            }
        }
        assertEquals(7, options.windowScale);
    }

    @Test
    void windowScaleAbove14IsClampedTo14() {
        assertTrue(parse("03 03 0f 00"));
        assertEquals(14, options.windowScale); // RFC 7323 §2.3
        assertTrue(parse("03 03 ff 00"));
        assertEquals(14, options.windowScale);
        assertTrue(parse("03 03 0e 00"));
        assertEquals(14, options.windowScale);
        assertTrue(parse("03 03 00 00"));
        assertEquals(0, options.windowScale);
    }

    @Test
    void unknownOptionsAreSkippedByTheirLength() {
        assertTrue(parse("1e 06 01 02 03 04 02 04 05 b4")); // MPTCP (30), then MSS
        assertEquals(1460, options.mss);
        assertTrue(parse("fe 02 01 01")); // experimental (254), empty
        assertEquals(-1, options.mss);
    }

    @Test
    void endOfOptionListEndsAndNopsAreSkipped() {
        assertTrue(parse("01 01 01 02 04 02 18 00 02 04 05 b4"));
        assertEquals(0x0218, options.mss);
        assertTrue(parse("00 02 04 05 b4")); // everything after End is padding
        assertEquals(-1, options.mss);
        assertTrue(parse(""));
    }

    @Test
    void malformedLengthsAreRefused() {
        assertFalse(parse("02 00 05 b4")); // length 0
        assertFalse(parse("08 01 00 00")); // length 1
        assertFalse(parse("1e 01")); // length 1, unknown kind
        assertFalse(parse("1e 05 00 00")); // past the end
        assertFalse(parse("01 01 01 1e")); // no room for the length octet
        assertFalse(parse("02 03 05 01")); // MSS is 4 long
        assertFalse(parse("02 05 05 b4 00 00 00 00"));
        assertFalse(parse("03 04 07 00")); // window scale is 3 long
        assertFalse(parse("04 03 00 00")); // SACK-permitted is 2 long
        assertFalse(parse("08 08 00 00 00 00 00 00")); // timestamps are 10 long
        assertFalse(parse("05 02 00 00")); // SACK without a block
        assertFalse(parse("05 0b 00 00 00 01 00 00 00 02 00 00")); // SACK of 2 + 9 bytes
        assertCleared();
    }

    @Test
    void sackBlocks() {
        assertTrue(parse("""
                01 01 05 22
                00 00 00 01 00 00 00 02  00 00 00 03 00 00 00 04
                ff ff ff fe ff ff ff ff  80 00 00 00 80 00 00 10
                """));
        assertEquals(4, options.sackBlockCount);
        assertEquals(1, options.sackLeft(0));
        assertEquals(4, options.sackRight(1));
        assertEquals(-2, options.sackLeft(2));
        assertEquals(0x8000_0010, options.sackRight(3));
    }

    @Test
    void aNewParseForgetsTheLastSegment() {
        assertTrue(options.parse(TcpPacketTest.segment(TcpPacketTest.SEGMENT)));
        assertTrue(parse("01 01 01 01"));
        assertCleared();
        assertTrue(options.parse(TcpPacketTest.segment(TcpPacketTest.SEGMENT)));
        options.clear();
        assertCleared();
    }

    private boolean parse(String hex) {
        byte[] bytes = TestBytes.hex(hex);
        return options.parse(Unpooled.wrappedBuffer(bytes), 0, bytes.length);
    }

    private void assertCleared() {
        assertEquals(-1, options.mss);
        assertEquals(-1, options.windowScale);
        assertFalse(options.sackPermitted);
        assertFalse(options.hasTimestamps);
        assertEquals(0, options.tsVal);
        assertEquals(0, options.tsEcr);
        assertEquals(0, options.sackBlockCount);
    }
}
