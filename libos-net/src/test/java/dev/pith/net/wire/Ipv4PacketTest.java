package dev.pith.net.wire;

import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertNull;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import dev.pith.net.DropReason;
import dev.pith.net.Ipv4Address;
import io.netty.buffer.ByteBuf;
import java.util.Arrays;
import org.junit.jupiter.api.Test;

class Ipv4PacketTest {

    /** The IPv4 header of {@link IcmpPacketTest#PING}: Linux ping, 84 bytes, DF, TTL 64, ICMP. */
    static final byte[] PING_HEADER = Arrays.copyOf(IcmpPacketTest.PING, 20);

    /** An IGMPv2 report for 224.0.0.251 as Linux sends it: the Router Alert option (RFC 2113) makes IHL 6. */
    static final byte[] IGMP_WITH_OPTIONS = TestBytes.hex("""
            46 c0 00 20 00 00 40 00 01 02 f7 0d   # IHL 6, DSCP CS6, 32 bytes, DF, TTL 1, IGMP, checksum
            0a 00 02 0f e0 00 00 fb               # 10.0.2.15 -> 224.0.0.251
            94 04 00 00                           # Router Alert
            16 00 09 04 e0 00 00 fb               # IGMPv2 membership report
            """);

    /** A TCP pure ACK (40 bytes) in a minimum Ethernet frame: 6 bytes of padding follow it. */
    static final byte[] PADDED_ACK = TestBytes.hex("""
            45 00 00 28 3f 5b 40 00 40 06 03 e8 c0 a8 01 0a 5d b8 d8 22   # 40 bytes, 192.168.1.10 -> 93.184.216.34
            a3 c2 00 50 5d 7c 3f 02 1f 2e 3d 4c 50 10 01 f6 19 46 00 00   # ACK
            00 00 00 00 00 00                                             # Ethernet padding
            """);

    @Test
    void deconstruct() {
        Ipv4Packet ip = ping();
        assertNull(ip.checkLength());
        assertEquals(4, ip.version());
        assertEquals(20, ip.headerLength());
        assertEquals(0, ip.dscpEcn());
        assertEquals(84, ip.totalLength());
        assertEquals(0x8C2E, ip.identification());
        assertTrue(ip.dontFragment());
        assertFalse(ip.moreFragments());
        assertEquals(0, ip.fragmentOffset());
        assertFalse(ip.isFragment());
        assertEquals(64, ip.ttl());
        assertEquals(IpProtocol.ICMP, ip.protocol());
        assertEquals(0x966A, ip.headerChecksum());
        assertEquals(0x0A00_020F, ip.sourceBits());
        assertEquals(0x0A00_0202, ip.destinationBits());
        assertEquals(TestBytes.LEAD + 20, ip.payloadOffset());
        assertEquals(64, ip.payloadLength());
        assertTrue(ip.verifyChecksum());
    }

    @Test
    void parse() {
        assertEquals(new Ipv4Repr(Ipv4Address.of(10, 0, 2, 15), Ipv4Address.of(10, 0, 2, 2), IpProtocol.ICMP, 64, 64, 0),
                Ipv4Repr.parse(ping()));
    }

    @Test
    void emitOverStaleBytes() {
        Ipv4Repr repr = Ipv4Repr.parse(ping());
        ByteBuf buf = TestBytes.stale(repr.bufferLength());
        repr.emit(Ipv4Packet.unchecked(buf, TestBytes.LEAD, repr.bufferLength()), 0x8C2E, true);
        assertArrayEquals(PING_HEADER, TestBytes.bytes(buf, 20));
    }

    @Test
    void constructWithSetters() {
        ByteBuf buf = TestBytes.stale(20);
        Ipv4Packet ip = Ipv4Packet.unchecked(buf, TestBytes.LEAD, 20);
        ip.setVersion(4);
        ip.setHeaderLength(20);
        ip.setDscpEcn(0);
        ip.setTotalLength(84);
        ip.setIdentification(0x8C2E);
        ip.setFragment(true, false, 0); // the whole field, so no stale reserved bit survives
        ip.setTtl(64);
        ip.setProtocol(IpProtocol.ICMP);
        ip.setSourceBits(0x0A00_020F);
        ip.setDestinationBits(0x0A00_0202);
        ip.fillChecksum();
        assertArrayEquals(PING_HEADER, TestBytes.bytes(buf, 20));
    }

    @Test
    void writeHeaderOverStaleBytesGivesLinuxsPingHeader() {
        ByteBuf buf = TestBytes.stale(20);
        Ipv4Packet.writeHeader(buf, TestBytes.LEAD, 84, 0x8C2E, true, 64, IpProtocol.ICMP, 0x0A00_020F, 0x0A00_0202);
        assertArrayEquals(PING_HEADER, TestBytes.bytes(buf, 20));
        ByteBuf mayFragment = TestBytes.stale(20);
        Ipv4Packet.writeHeader(mayFragment, TestBytes.LEAD, 84, 0x8C2E, false, 64, IpProtocol.ICMP, 0x0A00_020F, 0x0A00_0202);
        Ipv4Packet ip = Ipv4Packet.unchecked(mayFragment, TestBytes.LEAD, 20);
        assertFalse(ip.dontFragment());
        assertTrue(ip.verifyChecksum());
    }

    @Test
    void aRepointedViewShowsTheNewPacketOnly() {
        Ipv4Packet view = Ipv4Packet.unchecked(TestBytes.buffer(PADDED_ACK), TestBytes.LEAD, PADDED_ACK.length);
        assertEquals(IpProtocol.TCP, view.protocol());
        Ipv4Packet same = view.repoint(TestBytes.buffer(IcmpPacketTest.PING), TestBytes.LEAD, IcmpPacketTest.PING.length);
        assertTrue(same == view);
        assertEquals(IpProtocol.ICMP, view.protocol());
        assertEquals(84, view.totalLength());
        assertEquals(Ipv4Address.of(10, 0, 2, 15), new Ipv4Address(view.sourceBits()));
    }

    @Test
    void everyFlippedHeaderBitFailsTheChecksum() {
        for (int bit = 0; bit < 160; bit++) {
            byte[] bytes = TestBytes.flip(IcmpPacketTest.PING, bit);
            Ipv4Packet ip = Ipv4Packet.unchecked(TestBytes.buffer(bytes), TestBytes.LEAD, bytes.length);
            assertFalse(ip.verifyChecksum(), "bit " + bit);
        }
    }

    @Test
    void parseRefusesABadChecksum() {
        byte[] bytes = IcmpPacketTest.PING.clone();
        bytes[11] ^= 1;
        Ipv4Packet ip = Ipv4Packet.unchecked(TestBytes.buffer(bytes), TestBytes.LEAD, bytes.length);
        assertNull(ip.checkLength());
        assertNull(Ipv4Repr.parse(ip));
    }

    @Test
    void truncatedAtEveryOffset() {
        byte[] ping = IcmpPacketTest.PING;
        for (int length = 0; length <= ping.length; length++) {
            Ipv4Packet ip = Ipv4Packet.unchecked(TestBytes.prefix(ping, length), TestBytes.LEAD, length);
            DropReason reason = ip.checkLength();
            // Below 20 bytes there is no header; from 20 on, Total Length (84) exceeds what arrived.
            assertEquals(length < ping.length ? DropReason.IPV4_MALFORMED : null, reason, "length " + length);
            if (reason == null) {
                readAll(ip);
            }
        }
    }

    @Test
    void badVersionAndHeaderLengths() {
        assertEquals(DropReason.IPV4_BAD_VERSION, check(0, 0x65));
        assertEquals(DropReason.IPV4_MALFORMED, check(0, 0x44)); // IHL 4
        assertEquals(DropReason.IPV4_MALFORMED, check(0, 0x40)); // IHL 0
        assertEquals(DropReason.IPV4_MALFORMED, check(2, 0x00, 0x13)); // Total Length 19 < header
        assertEquals(DropReason.IPV4_MALFORMED, check(2, 0x00, 0x55)); // Total Length 85 > 84 received
        assertNull(check(0, 0x4F, 0x00, 0x00, 0x54)); // IHL 15: a 60-byte header fits 84 bytes (checksum aside)
    }

    @Test
    void optionsAreSkipped() {
        Ipv4Packet ip = Ipv4Packet.unchecked(TestBytes.buffer(IGMP_WITH_OPTIONS), TestBytes.LEAD, 32);
        assertNull(ip.checkLength());
        assertEquals(24, ip.headerLength());
        assertEquals(TestBytes.LEAD + 24, ip.payloadOffset());
        assertEquals(8, ip.payloadLength());
        assertEquals(0xC0, ip.dscpEcn());
        assertTrue(ip.verifyChecksum()); // the checksum covers the options
        assertEquals(new Ipv4Repr(Ipv4Address.of(10, 0, 2, 15), Ipv4Address.parse("224.0.0.251"), 2, 8, 1, 0xC0),
                Ipv4Repr.parse(ip));
        for (int length = 0; length < 32; length++) {
            Ipv4Packet cut = Ipv4Packet.unchecked(TestBytes.prefix(IGMP_WITH_OPTIONS, length), TestBytes.LEAD, length);
            assertEquals(DropReason.IPV4_MALFORMED, cut.checkLength(), "length " + length);
        }
    }

    @Test
    void ethernetPaddingIsNotPayload() {
        Ipv4Packet ip = Ipv4Packet.unchecked(TestBytes.buffer(PADDED_ACK), TestBytes.LEAD, PADDED_ACK.length);
        assertNull(ip.checkLength());
        assertEquals(46, ip.length());
        assertEquals(40, ip.totalLength());
        assertEquals(20, ip.payloadLength());
        TcpPacket tcp = TcpPacket.unchecked(ip.buffer(), ip.payloadOffset(), ip.payloadLength());
        assertNull(tcp.checkLength());
        assertEquals(0, tcp.payloadLength());
        assertTrue(tcp.verifyChecksum(ip.sourceBits(), ip.destinationBits()));
    }

    @Test
    void fragmentFields() {
        ByteBuf buf = TestBytes.buffer(IcmpPacketTest.PING);
        Ipv4Packet ip = Ipv4Packet.unchecked(buf, TestBytes.LEAD, IcmpPacketTest.PING.length);
        ip.setFragment(false, true, 1480);
        assertFalse(ip.dontFragment());
        assertTrue(ip.moreFragments());
        assertEquals(1480, ip.fragmentOffset());
        assertTrue(ip.isFragment());
        ip.setMoreFragments(false);
        assertTrue(ip.isFragment()); // the last fragment: offset only
        ip.setFragmentOffset(0);
        assertFalse(ip.isFragment());
        ip.setDontFragment(true);
        assertEquals(0x40, buf.getUnsignedByte(TestBytes.LEAD + 6));
    }

    @Test
    void reprRefusesMisuse() {
        Ipv4Address a = Ipv4Address.ANY;
        assertThrows(IllegalArgumentException.class, () -> new Ipv4Repr(a, a, 256, 0, 64, 0));
        assertThrows(IllegalArgumentException.class, () -> new Ipv4Repr(a, a, 6, 65516, 64, 0));
        assertThrows(IllegalArgumentException.class, () -> new Ipv4Repr(a, a, 6, 0, 256, 0));
        assertThrows(NullPointerException.class, () -> new Ipv4Repr(null, a, 6, 0, 64, 0));
    }

    private static Ipv4Packet ping() {
        return Ipv4Packet.unchecked(TestBytes.buffer(IcmpPacketTest.PING), TestBytes.LEAD, IcmpPacketTest.PING.length);
    }

    private static DropReason check(int index, int... octets) {
        byte[] bytes = IcmpPacketTest.PING.clone();
        for (int k = 0; k < octets.length; k++) {
            bytes[index + k] = (byte) octets[k];
        }
        Ipv4Packet ip = Ipv4Packet.unchecked(TestBytes.buffer(bytes), TestBytes.LEAD, bytes.length);
        DropReason reason = ip.checkLength();
        if (reason == null) {
            readAll(ip);
        }
        return reason;
    }

    private static void readAll(Ipv4Packet ip) {
        ip.version();
        ip.dscpEcn();
        ip.identification();
        ip.dontFragment();
        ip.moreFragments();
        ip.fragmentOffset();
        ip.ttl();
        ip.protocol();
        ip.headerChecksum();
        ip.sourceBits();
        ip.destinationBits();
        ip.verifyChecksum();
        Ipv4Repr.parse(ip);
        ip.buffer().getBytes(ip.payloadOffset(), new byte[ip.payloadLength()]);
    }
}
