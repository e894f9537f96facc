package dev.pith.net.wire;

import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertNotEquals;
import static org.junit.jupiter.api.Assertions.assertNull;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import dev.pith.net.DropReason;
import io.netty.buffer.ByteBuf;
import io.netty.buffer.ByteBufUtil;
import java.util.Arrays;
import org.junit.jupiter.api.Test;

class TcpPacketTest {

    /** A Linux 6.x client's SYN to port 80: MSS, SACK-permitted with timestamps, NOP, window scale 7. */
    static final byte[] SYN = TestBytes.hex("""
            45 00 00 3c 3f 5a 40 00 40 06 03 d5 c0 a8 01 0a 5d b8 d8 22   # IPv4 192.168.1.10 -> 93.184.216.34
            a3 c2 00 50 5d 7c 3f 01 00 00 00 00   # 41922 -> 80, seq 0x5d7c3f01, ack 0
            a0 02 fa f0 5e ae 00 00               # 40-byte header, SYN, window 64240, checksum, urgent 0
            02 04 05 b4                           # MSS 1460
            04 02 08 0a 9a 3e 1c 05 00 00 00 00   # SACK permitted, timestamps TSval 0x9a3e1c05 TSecr 0
            01 03 03 07                           # NOP, window scale 7
            """);

    static final byte[] SEGMENT = Arrays.copyOfRange(SYN, 20, SYN.length);
    static final int SOURCE = 0xC0A8_010A;
    static final int DESTINATION = 0x5DB8_D822;

    static final TcpRepr SYN_REPR = new TcpRepr(41922, 80, 0x5D7C_3F01, 0, TcpPacket.SYN, 64240, 1460, 7, true,
            new long[0], true, 0x9A3E_1C05, 0, 0);

    @Test
    void deconstruct() {
        TcpPacket packet = segment(SEGMENT);
        assertNull(packet.checkLength());
        assertEquals(41922, packet.sourcePort());
        assertEquals(80, packet.destinationPort());
        assertEquals(0x5D7C_3F01, packet.sequenceNumber());
        assertEquals(0, packet.acknowledgementNumber());
        assertEquals(40, packet.headerLength());
        assertEquals(TcpPacket.SYN, packet.flags());
        assertTrue(packet.syn());
        assertFalse(packet.fin() || packet.rst() || packet.psh() || packet.ack() || packet.urg() || packet.ece()
                || packet.cwr());
        assertEquals(64240, packet.windowLength());
        assertEquals(0x5EAE, packet.checksum());
        assertEquals(0, packet.urgentPointer());
        assertEquals(TestBytes.LEAD + 20, packet.optionsOffset());
        assertEquals(20, packet.optionsLength());
        assertEquals(TestBytes.LEAD + 40, packet.payloadOffset());
        assertEquals(0, packet.payloadLength());
        assertTrue(packet.verifyChecksum(SOURCE, DESTINATION));

        TcpOptions options = new TcpOptions();
        assertTrue(options.parse(packet));
        assertEquals(1460, options.mss);
        assertEquals(7, options.windowScale);
        assertTrue(options.sackPermitted);
        assertTrue(options.hasTimestamps);
        assertEquals(0x9A3E_1C05, options.tsVal);
        assertEquals(0, options.tsEcr);
        assertEquals(0, options.sackBlockCount);
    }

    @Test
    void theIpv4HeaderIsValidToo() {
        Ipv4Packet ip = Ipv4Packet.unchecked(TestBytes.buffer(SYN), TestBytes.LEAD, SYN.length);
        assertNull(ip.checkLength());
        assertTrue(ip.verifyChecksum());
        assertEquals(SOURCE, ip.sourceBits());
        assertEquals(DESTINATION, ip.destinationBits());
        assertEquals(40, ip.payloadLength());
    }

    @Test
    void parse() {
        assertEquals(SYN_REPR, TcpRepr.parse(segment(SEGMENT), new TcpOptions()));
    }

    @Test
    void emitInTheLinuxLayout() {
        assertEquals(40, SYN_REPR.headerLength());
        ByteBuf buf = TestBytes.stale(SYN_REPR.bufferLength());
        TcpPacket packet = TcpPacket.unchecked(buf, TestBytes.LEAD, SYN_REPR.bufferLength());
        SYN_REPR.emit(packet);
        packet.fillChecksum(SOURCE, DESTINATION);
        assertArrayEquals(SEGMENT, TestBytes.bytes(buf, SEGMENT.length));
    }

    @Test
    void constructWithSetters() {
        ByteBuf buf = TestBytes.stale(SEGMENT.length);
        TcpPacket packet = TcpPacket.unchecked(buf, TestBytes.LEAD, SEGMENT.length);
        packet.setSourcePort(41922);
        packet.setDestinationPort(80);
        packet.setSequenceNumber(0x5D7C_3F01);
        packet.setAcknowledgementNumber(0);
        packet.setHeaderLength(40);
        packet.setFlags(0);
        packet.setSyn(true);
        packet.setWindowLength(64240);
        packet.setUrgentPointer(0);
        buf.setBytes(packet.optionsOffset(), SEGMENT, 20, 20);
        packet.fillChecksum(SOURCE, DESTINATION);
        assertArrayEquals(SEGMENT, TestBytes.bytes(buf, SEGMENT.length));
    }

    @Test
    void flagSettersTouchOneBitEach() {
        TcpPacket packet = segment(SEGMENT.clone());
        packet.setFlags(0);
        packet.setFin(true);
        packet.setRst(true);
        packet.setPsh(true);
        packet.setAck(true);
        packet.setUrg(true);
        packet.setEce(true);
        packet.setCwr(true);
        assertEquals(0xFD, packet.flags());
        assertTrue(packet.fin() && packet.rst() && packet.psh() && packet.ack() && packet.urg() && packet.ece()
                && packet.cwr());
        packet.setSyn(true);
        packet.setAck(false);
        assertEquals(0xEF, packet.flags());
        assertEquals(40, packet.headerLength());
    }

    @Test
    void everyFlippedBitFailsTheChecksum() {
        for (int bit = 0; bit < SEGMENT.length * 8; bit++) {
            assertFalse(segment(TestBytes.flip(SEGMENT, bit)).verifyChecksum(SOURCE, DESTINATION), "bit " + bit);
        }
    }

    @Test
    void segmentsRoundTripWithDataSackAndTimestamps() {
        long[] blocks = {TcpRepr.sackBlock(0xFFFF_FF00, 0x0000_0100), TcpRepr.sackBlock(2000, 3000),
                TcpRepr.sackBlock(4000, 5000)};
        TcpRepr repr = new TcpRepr(443, 50000, -5, 0x8000_0000, TcpPacket.ACK | TcpPacket.PSH, 501, -1, -1, false,
                blocks, true, 7, -1, 5);
        assertEquals(60, repr.headerLength());
        ByteBuf buf = TestBytes.stale(repr.bufferLength());
        TcpPacket packet = TcpPacket.unchecked(buf, TestBytes.LEAD, repr.bufferLength());
        repr.emit(packet);
        buf.setBytes(packet.payloadOffset(), new byte[] {'h', 'e', 'l', 'l', 'o'});
        packet.fillChecksum(SOURCE, DESTINATION);
        assertNull(packet.checkLength());
        assertTrue(packet.verifyChecksum(SOURCE, DESTINATION));
        assertEquals(5, packet.payloadLength());
        TcpOptions options = new TcpOptions();
        assertEquals(repr, TcpRepr.parse(packet, options));
        assertEquals(3, options.sackBlockCount);
        assertEquals(0xFFFF_FF00, options.sackLeft(0));
        assertEquals(0x0000_0100, options.sackRight(0));
        assertEquals(5000, options.sackRight(2));
        assertThrows(IndexOutOfBoundsException.class, () -> options.sackLeft(3));
        // NOP NOP TS, then NOP NOP SACK
        assertArrayEquals(TestBytes.hex("01 01 08 0a 00 00 00 07 ff ff ff ff 01 01 05 1a"),
                ByteBufUtil.getBytes(buf, packet.optionsOffset(), 16));
    }

    @Test
    void sackPermittedWithoutTimestampsIsNopNopSackOk() {
        TcpRepr repr = new TcpRepr(80, 41922, 1, 2, TcpPacket.SYN | TcpPacket.ACK, 65535, 1460, 0, true, null, false,
                0, 0, 0);
        assertEquals(32, repr.headerLength());
        ByteBuf buf = TestBytes.stale(repr.bufferLength());
        TcpPacket packet = TcpPacket.unchecked(buf, TestBytes.LEAD, repr.bufferLength());
        repr.emit(packet);
        assertArrayEquals(TestBytes.hex("02 04 05 b4 01 01 04 02 01 03 03 00"),
                ByteBufUtil.getBytes(buf, packet.optionsOffset(), 12));
        assertEquals(repr, TcpRepr.parse(packet, new TcpOptions()));
    }

    @Test
    void truncatedAtEveryOffset() {
        for (int length = 0; length <= SEGMENT.length; length++) {
            TcpPacket packet = TcpPacket.unchecked(TestBytes.prefix(SEGMENT, length), TestBytes.LEAD, length);
            DropReason reason = packet.checkLength();
            // Below 20 bytes no header; then Data Offset (40 bytes) runs past what arrived.
            assertEquals(length < SEGMENT.length ? DropReason.TCP_MALFORMED : null, reason, "length " + length);
            if (reason == null) {
                readAll(packet);
            }
        }
    }

    @Test
    void dataOffsetBelowFiveIsMalformed() {
        for (int dataOffset = 0; dataOffset < 5; dataOffset++) {
            byte[] bytes = SEGMENT.clone();
            bytes[12] = (byte) (dataOffset << 4);
            assertEquals(DropReason.TCP_MALFORMED, segment(bytes).checkLength(), "data offset " + dataOffset);
        }
        byte[] bytes = SEGMENT.clone();
        bytes[12] = (byte) 0xF0; // 60 bytes > 40
        assertEquals(DropReason.TCP_MALFORMED, segment(bytes).checkLength());
    }

    @Test
    void reprRefusesMisuse() {
        assertThrows(IllegalArgumentException.class,
                () -> new TcpRepr(0, 65536, 0, 0, 0, 0, -1, -1, false, null, false, 0, 0, 0));
        assertThrows(IllegalArgumentException.class,
                () -> new TcpRepr(1, 1, 0, 0, 0, 0, -1, 15, false, null, false, 0, 0, 0));
        assertThrows(IllegalArgumentException.class, // 4 + 12 + 4 + 4 + 8 * 2 = 40 fits; a third block does not
                () -> new TcpRepr(1, 1, 0, 0, 0, 0, 1460, 7, true, new long[3], true, 0, 0, 0));
        new TcpRepr(1, 1, 0, 0, 0, 0, 1460, 7, true, new long[2], true, 0, 0, 0);
    }

    @Test
    void reprCopiesItsSackBlocks() {
        long[] blocks = {TcpRepr.sackBlock(1, 2)};
        TcpRepr repr = new TcpRepr(1, 1, 0, 0, 0, 0, -1, -1, false, blocks, false, 0, 0, 0);
        blocks[0] = 0;
        repr.sackBlocks()[0] = 0;
        assertEquals(TcpRepr.sackBlock(1, 2), repr.sackBlocks()[0]);
        assertEquals(repr, new TcpRepr(1, 1, 0, 0, 0, 0, -1, -1, false, new long[] {1L << 32 | 2}, false, 0, 0, 0));
        assertEquals(repr.hashCode(),
                new TcpRepr(1, 1, 0, 0, 0, 0, -1, -1, false, new long[] {1L << 32 | 2}, false, 0, 0, 0).hashCode());
        assertNotEquals(repr, new TcpRepr(1, 1, 0, 0, 0, 0, -1, -1, false, null, false, 0, 0, 0));
        assertTrue(repr.toString().contains("sackBlocks=[1-2]"), repr.toString());
    }

    @Test
    void parseRefusesPortZeroAndMalformedOptions() {
        byte[] bytes = SEGMENT.clone();
        bytes[0] = 0;
        bytes[1] = 0;
        assertNull(TcpRepr.parse(segment(bytes), new TcpOptions()));
        bytes = SEGMENT.clone();
        bytes[21] = 3; // MSS of length 3
        assertNull(TcpRepr.parse(segment(bytes), new TcpOptions()));
    }

    static TcpPacket segment(byte[] bytes) {
        return TcpPacket.unchecked(TestBytes.buffer(bytes), TestBytes.LEAD, bytes.length);
    }

    private static void readAll(TcpPacket packet) {
        packet.sourcePort();
        packet.destinationPort();
        packet.sequenceNumber();
        packet.acknowledgementNumber();
        packet.flags();
        packet.windowLength();
        packet.checksum();
        packet.urgentPointer();
        packet.verifyChecksum(SOURCE, DESTINATION);
        new TcpOptions().parse(packet);
        TcpRepr.parse(packet, new TcpOptions());
        packet.buffer().getBytes(packet.payloadOffset(), new byte[packet.payloadLength()]);
    }
}
