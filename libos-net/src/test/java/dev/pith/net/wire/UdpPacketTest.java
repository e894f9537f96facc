package dev.pith.net.wire;

import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertNull;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import dev.pith.net.DropReason;
import io.netty.buffer.ByteBuf;
import java.util.Arrays;
import org.junit.jupiter.api.Test;

class UdpPacketTest {

    /** A DNS query for example.com A, as glibc's resolver sends it: 29 bytes of payload, an odd length. */
    static final byte[] DNS_QUERY = TestBytes.hex("""
            45 00 00 39 4d 21 00 00 40 11 15 82 0a 00 02 0f 0a 00 02 03   # IPv4 10.0.2.15 -> 10.0.2.3, UDP
            d4 31 00 35 00 25 18 40                                       # 54321 -> 53, length 37, checksum
            2b 7e 01 00 00 01 00 00 00 00 00 00                           # DNS header: id, RD, one question
            07 65 78 61 6d 70 6c 65 03 63 6f 6d 00 00 01 00 01            # example.com, A, IN
            """);

    static final byte[] DATAGRAM = Arrays.copyOfRange(DNS_QUERY, 20, DNS_QUERY.length);
    static final int SOURCE = 0x0A00_020F;
    static final int DESTINATION = 0x0A00_0203;

    @Test
    void deconstruct() {
        UdpPacket packet = datagram(DATAGRAM);
        assertNull(packet.checkLength());
        assertEquals(54321, packet.sourcePort());
        assertEquals(53, packet.destinationPort());
        assertEquals(37, packet.datagramLength());
        assertEquals(0x1840, packet.checksum());
        assertEquals(TestBytes.LEAD + 8, packet.payloadOffset());
        assertEquals(29, packet.payloadLength());
        assertTrue(packet.verifyChecksum(SOURCE, DESTINATION));
        assertFalse(packet.verifyChecksum(SOURCE, DESTINATION + 1)); // the pseudo-header counts
    }

    @Test
    void parse() {
        assertEquals(new UdpRepr(54321, 53, 29), UdpRepr.parse(datagram(DATAGRAM)));
    }

    @Test
    void emitOverStaleBytes() {
        UdpRepr repr = new UdpRepr(54321, 53, 29);
        ByteBuf buf = TestBytes.stale(repr.bufferLength());
        UdpPacket packet = UdpPacket.unchecked(buf, TestBytes.LEAD, repr.bufferLength());
        repr.emit(packet);
        buf.setBytes(packet.payloadOffset(), DATAGRAM, 8, 29);
        packet.fillChecksum(SOURCE, DESTINATION);
        assertArrayEquals(DATAGRAM, TestBytes.bytes(buf, DATAGRAM.length));
    }

    @Test
    void everyFlippedBitFailsTheChecksum() {
        for (int bit = 0; bit < DATAGRAM.length * 8; bit++) {
            byte[] bytes = TestBytes.flip(DATAGRAM, bit);
            UdpPacket packet = datagram(bytes);
            if (packet.checkLength() == null && packet.checksum() != 0) {
                assertFalse(packet.verifyChecksum(SOURCE, DESTINATION), "bit " + bit);
            }
        }
    }

    @Test
    void checksumZeroMeansNone() {
        byte[] bytes = DATAGRAM.clone();
        bytes[6] = 0;
        bytes[7] = 0;
        bytes[20] ^= 0x55; // corrupt the payload: nobody can tell
        assertTrue(datagram(bytes).verifyChecksum(SOURCE, DESTINATION));
    }

    @Test
    void aComputedZeroIsSentAsAllOnes() {
        // Choose the last two payload bytes so the datagram sums to 0xFFFF with a zero checksum field.
        byte[] bytes = Arrays.copyOf(DATAGRAM, 38);
        bytes[5] = 38;
        UdpPacket packet = datagram(bytes);
        packet.setChecksum(0);
        packet.buffer().setShort(TestBytes.LEAD + 36, 0);
        int sum = Checksum.sum(packet.buffer(), TestBytes.LEAD, 38, Checksum.pseudoHeader(SOURCE, DESTINATION, 17, 38));
        packet.buffer().setShort(TestBytes.LEAD + 36, ~sum & 0xFFFF);
        packet.fillChecksum(SOURCE, DESTINATION);
        assertEquals(0xFFFF, packet.checksum());
        assertTrue(packet.verifyChecksum(SOURCE, DESTINATION));
    }

    @Test
    void lengthFieldBoundsTheDatagram() {
        byte[] bytes = Arrays.copyOf(DATAGRAM, DATAGRAM.length + 5); // trailing bytes beyond the Length field
        UdpPacket packet = datagram(bytes);
        assertNull(packet.checkLength());
        assertEquals(29, packet.payloadLength());
        assertTrue(packet.verifyChecksum(SOURCE, DESTINATION));
        bytes[5] = 7; // Length 7 < 8
        assertEquals(DropReason.UDP_MALFORMED, datagram(bytes).checkLength());
    }

    @Test
    void parseRefusesDestinationPortZero() {
        byte[] bytes = DATAGRAM.clone();
        bytes[2] = 0;
        bytes[3] = 0;
        assertNull(UdpRepr.parse(datagram(bytes)));
        assertThrows(IllegalArgumentException.class, () -> new UdpRepr(1, 0, 0));
    }

    @Test
    void truncatedAtEveryOffset() {
        for (int length = 0; length <= DATAGRAM.length; length++) {
            UdpPacket packet = UdpPacket.unchecked(TestBytes.prefix(DATAGRAM, length), TestBytes.LEAD, length);
            DropReason reason = packet.checkLength();
            // Below 8 bytes no header; then the Length field (37) exceeds what arrived.
            assertEquals(length < DATAGRAM.length ? DropReason.UDP_MALFORMED : null, reason, "length " + length);
            if (reason == null) {
                packet.sourcePort();
                packet.destinationPort();
                packet.verifyChecksum(SOURCE, DESTINATION);
                UdpRepr.parse(packet);
                packet.buffer().getBytes(packet.payloadOffset(), new byte[packet.payloadLength()]);
            }
        }
    }

    private static UdpPacket datagram(byte[] bytes) {
        return UdpPacket.unchecked(TestBytes.buffer(bytes), TestBytes.LEAD, bytes.length);
    }
}
