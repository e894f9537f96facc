package dev.pith.net.wire;

import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertNull;
import static org.junit.jupiter.api.Assertions.assertThrows;

import dev.pith.net.DropReason;
import dev.pith.net.Ipv4Address;
import io.netty.buffer.ByteBuf;
import java.util.Arrays;
import org.junit.jupiter.api.Test;

class ArpPacketTest {

    /** The ARP request of {@link EthernetFrameTest#ARP_FRAME}, as received: padded to a 60-byte frame. */
    static final byte[] REQUEST = TestBytes.hex("""
            00 01 08 00 06 04 00 01   # Ethernet, IPv4, hlen 6, plen 4, request
            52 54 00 12 34 56 0a 00 02 0f   # sender 52:54:00:12:34:56, 10.0.2.15
            00 00 00 00 00 00 0a 00 02 02   # target unknown, 10.0.2.2
            00 00 00 00 00 00 00 00 00 00 00 00 00 00 00 00 00 00   # Ethernet padding
            """);

    static final ArpRepr REQUEST_REPR = new ArpRepr(ArpRepr.REQUEST, 0x5254_0012_3456L, Ipv4Address.of(10, 0, 2, 15),
            0, Ipv4Address.of(10, 0, 2, 2));

    @Test
    void deconstruct() {
        ArpPacket packet = ArpPacket.unchecked(TestBytes.buffer(REQUEST), TestBytes.LEAD, REQUEST.length);
        assertNull(packet.checkLength());
        assertEquals(1, packet.hardwareType());
        assertEquals(EtherType.IPV4, packet.protocolType());
        assertEquals(6, packet.hardwareLength());
        assertEquals(4, packet.protocolLength());
        assertEquals(ArpRepr.REQUEST, packet.operation());
        assertEquals(0x5254_0012_3456L, packet.senderHardware());
        assertEquals(0x0A00_020F, packet.senderProtocolBits());
        assertEquals(0L, packet.targetHardware());
        assertEquals(0x0A00_0202, packet.targetProtocolBits());
    }

    @Test
    void parse() {
        ArpPacket packet = ArpPacket.unchecked(TestBytes.buffer(REQUEST), TestBytes.LEAD, REQUEST.length);
        assertEquals(REQUEST_REPR, ArpRepr.parse(packet));
    }

    @Test
    void emitOverStaleBytes() {
        ByteBuf buf = TestBytes.stale(ArpPacket.LENGTH);
        REQUEST_REPR.emit(ArpPacket.unchecked(buf, TestBytes.LEAD, REQUEST_REPR.bufferLength()));
        assertArrayEquals(Arrays.copyOf(REQUEST, ArpPacket.LENGTH), TestBytes.bytes(buf, ArpPacket.LENGTH));
    }

    @Test
    void emitAndParseAReply() {
        ArpRepr reply = new ArpRepr(ArpRepr.REPLY, 0x5255_0A00_0202L, Ipv4Address.of(10, 0, 2, 2), 0x5254_0012_3456L,
                Ipv4Address.of(10, 0, 2, 15));
        ByteBuf buf = TestBytes.stale(ArpPacket.LENGTH);
        ArpPacket packet = ArpPacket.unchecked(buf, TestBytes.LEAD, ArpPacket.LENGTH);
        reply.emit(packet);
        assertNull(packet.checkLength());
        assertEquals(reply, ArpRepr.parse(packet));
    }

    @Test
    void truncatedAtEveryOffset() {
        for (int length = 0; length <= REQUEST.length; length++) {
            ArpPacket packet = ArpPacket.unchecked(TestBytes.prefix(REQUEST, length), TestBytes.LEAD, length);
            DropReason reason = packet.checkLength();
            assertEquals(length < 28 ? DropReason.ARP_MALFORMED : null, reason, "length " + length);
            if (reason == null) {
                assertEquals(REQUEST_REPR, ArpRepr.parse(packet));
            }
        }
    }

    @Test
    void refusesAllButEthernetIpv4RequestsAndReplies() {
        assertRefused(0, 0x00, 0x06); // hardware type 6 (IEEE 802)
        assertRefused(2, 0x86, 0xDD); // protocol IPv6
        assertRefused(4, 0x08); // hlen 8
        assertRefused(5, 0x10); // plen 16
        assertRefused(6, 0x00, 0x03); // RARP request
        assertRefused(6, 0x00, 0x00); // operation 0
    }

    @Test
    void reprRefusesMisuse() {
        assertThrows(IllegalArgumentException.class, () -> new ArpRepr(3, 0, Ipv4Address.ANY, 0, Ipv4Address.ANY));
        assertThrows(IllegalArgumentException.class,
                () -> new ArpRepr(ArpRepr.REPLY, 1L << 48, Ipv4Address.ANY, 0, Ipv4Address.ANY));
    }

    private static void assertRefused(int index, int... octets) {
        byte[] bytes = REQUEST.clone();
        for (int k = 0; k < octets.length; k++) {
            bytes[index + k] = (byte) octets[k];
        }
        ArpPacket packet = ArpPacket.unchecked(TestBytes.buffer(bytes), TestBytes.LEAD, bytes.length);
        assertNull(packet.checkLength());
        assertNull(ArpRepr.parse(packet), "octet " + index);
    }
}
