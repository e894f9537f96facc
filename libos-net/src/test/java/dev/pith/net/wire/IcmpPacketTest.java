package dev.pith.net.wire;

import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertNull;
import static org.junit.jupiter.api.Assertions.assertTrue;

import dev.pith.net.DropReason;
import dev.pith.net.wire.IcmpMessage.DestinationUnreachable;
import dev.pith.net.wire.IcmpMessage.EchoReply;
import dev.pith.net.wire.IcmpMessage.EchoRequest;
import dev.pith.net.wire.IcmpMessage.TimeExceeded;
import io.netty.buffer.ByteBuf;
import java.util.Arrays;
import org.junit.jupiter.api.Test;

class IcmpPacketTest {

    /**
     * {@code ping 10.0.2.2} from Linux (iputils): 56 data bytes, a 16-byte struct timeval then
     * 0x10, 0x11, ... 0x37.
     */
    static final byte[] PING = TestBytes.hex("""
            45 00 00 54 8c 2e 40 00 40 01 96 6a 0a 00 02 0f 0a 00 02 02   # IPv4 10.0.2.15 -> 10.0.2.2
            08 00 86 ad 1c 46 00 01                                       # echo request, id 0x1c46, seq 1
            00 f1 53 65 00 00 00 00 40 e2 01 00 00 00 00 00               # timeval
            10 11 12 13 14 15 16 17 18 19 1a 1b 1c 1d 1e 1f
            20 21 22 23 24 25 26 27 28 29 2a 2b 2c 2d 2e 2f
            30 31 32 33 34 35 36 37
            """);

    /** The ICMP part of {@link #PING}. */
    static final byte[] REQUEST = Arrays.copyOfRange(PING, 20, PING.length);

    /** The echo reply to {@link #PING}: type 0, same id, sequence and data. */
    static final byte[] REPLY = TestBytes.hex("""
            00 00 8e ad 1c 46 00 01
            00 f1 53 65 00 00 00 00 40 e2 01 00 00 00 00 00
            10 11 12 13 14 15 16 17 18 19 1a 1b 1c 1d 1e 1f
            20 21 22 23 24 25 26 27 28 29 2a 2b 2c 2d 2e 2f
            30 31 32 33 34 35 36 37
            """);

    /** Port unreachable for {@link UdpPacketTest#DNS_QUERY}, quoting its IPv4 header and 8 bytes (RFC 792). */
    static final byte[] PORT_UNREACHABLE = TestBytes.hex("""
            03 03 10 31 00 00 00 00                                       # port unreachable, unused
            45 00 00 39 4d 21 00 00 40 11 15 82 0a 00 02 0f 0a 00 02 03   # the query's IPv4 header
            d4 31 00 35 00 25 18 40                                       # its UDP header
            """);

    @Test
    void deconstruct() {
        IcmpPacket packet = request();
        assertNull(packet.checkLength());
        assertEquals(IcmpPacket.ECHO_REQUEST, packet.type());
        assertEquals(0, packet.code());
        assertEquals(0x86AD, packet.checksum());
        assertEquals(0x1C46, packet.echoIdentifier());
        assertEquals(1, packet.echoSequenceNumber());
        assertEquals(TestBytes.LEAD + 8, packet.dataOffset());
        assertEquals(56, packet.dataLength());
        assertTrue(packet.verifyChecksum());
    }

    @Test
    void parse() {
        IcmpPacket packet = request();
        assertEquals(new EchoRequest(0x1C46, 1, TestBytes.LEAD + 8, 56), IcmpMessage.parse(packet));
    }

    @Test
    void emitRequest() {
        IcmpPacket source = request();
        IcmpMessage message = IcmpMessage.parse(source);
        ByteBuf buf = TestBytes.stale(message.bufferLength());
        message.emit(IcmpPacket.unchecked(buf, TestBytes.LEAD, message.bufferLength()), source.buffer());
        assertArrayEquals(REQUEST, TestBytes.bytes(buf, REQUEST.length));
    }

    @Test
    void emitReplyIntoAnotherBuffer() {
        IcmpPacket request = request();
        EchoReply reply = ((EchoRequest) IcmpMessage.parse(request)).reply();
        ByteBuf buf = TestBytes.stale(reply.bufferLength());
        reply.emit(IcmpPacket.unchecked(buf, TestBytes.LEAD, reply.bufferLength()), request.buffer());
        assertArrayEquals(REPLY, TestBytes.bytes(buf, REPLY.length));
    }

    @Test
    void emitReplyInPlace() {
        IcmpPacket packet = request();
        EchoReply reply = ((EchoRequest) IcmpMessage.parse(packet)).reply();
        reply.emit(packet, packet.buffer());
        assertArrayEquals(REPLY, TestBytes.bytes(packet.buffer(), REPLY.length));
        assertEquals(reply, IcmpMessage.parse(packet));
    }

    @Test
    void emitPortUnreachableQuotingHeaderAndEightBytes() {
        ByteBuf query = TestBytes.buffer(UdpPacketTest.DNS_QUERY);
        Ipv4Packet original = Ipv4Packet.unchecked(query, TestBytes.LEAD, UdpPacketTest.DNS_QUERY.length);
        assertNull(original.checkLength());
        DestinationUnreachable message =
                DestinationUnreachable.quoting(DestinationUnreachable.PORT_UNREACHABLE, original);
        assertEquals(new DestinationUnreachable(3, TestBytes.LEAD, 28), message);
        ByteBuf buf = TestBytes.stale(message.bufferLength());
        IcmpPacket packet = IcmpPacket.unchecked(buf, TestBytes.LEAD, message.bufferLength());
        message.emit(packet, query);
        assertArrayEquals(PORT_UNREACHABLE, TestBytes.bytes(buf, PORT_UNREACHABLE.length));
        assertNull(packet.checkLength());
        assertTrue(packet.verifyChecksum());
        assertEquals(new DestinationUnreachable(3, TestBytes.LEAD + 8, 28), IcmpMessage.parse(packet));
    }

    @Test
    void timeExceededRoundTrip() {
        Ipv4Packet original = Ipv4Packet.unchecked(TestBytes.buffer(PING), TestBytes.LEAD, PING.length);
        TimeExceeded message = TimeExceeded.quoting(TimeExceeded.REASSEMBLY_TIME_EXCEEDED, original);
        ByteBuf buf = TestBytes.stale(message.bufferLength());
        IcmpPacket packet = IcmpPacket.unchecked(buf, TestBytes.LEAD, message.bufferLength());
        message.emit(packet, original.buffer());
        assertNull(packet.checkLength());
        assertTrue(packet.verifyChecksum());
        assertEquals(0, buf.getInt(TestBytes.LEAD + 4)); // unused, zeroed over the stale bytes
        assertEquals(new TimeExceeded(1, TestBytes.LEAD + 8, 28), IcmpMessage.parse(packet));
        byte[] quote = new byte[28];
        buf.getBytes(TestBytes.LEAD + 8, quote);
        assertArrayEquals(Arrays.copyOf(PING, 28), quote);
    }

    @Test
    void everyFlippedBitFailsTheChecksum() {
        for (int bit = 0; bit < REQUEST.length * 8; bit++) {
            byte[] bytes = TestBytes.flip(REQUEST, bit);
            IcmpPacket packet = IcmpPacket.unchecked(TestBytes.buffer(bytes), TestBytes.LEAD, bytes.length);
            assertFalse(packet.verifyChecksum(), "bit " + bit);
        }
    }

    @Test
    void truncatedAtEveryOffset() {
        for (int length = 0; length <= REQUEST.length; length++) {
            IcmpPacket packet = IcmpPacket.unchecked(TestBytes.prefix(REQUEST, length), TestBytes.LEAD, length);
            DropReason reason = packet.checkLength();
            assertEquals(length < 8 ? DropReason.ICMP_MALFORMED : null, reason, "length " + length);
            if (reason == null) {
                readAll(packet);
                assertEquals(length == REQUEST.length, packet.verifyChecksum());
            }
        }
        for (int length = 0; length <= PORT_UNREACHABLE.length; length++) {
            IcmpPacket packet =
                    IcmpPacket.unchecked(TestBytes.prefix(PORT_UNREACHABLE, length), TestBytes.LEAD, length);
            DropReason reason = packet.checkLength();
            // An error must quote at least a minimal IPv4 header.
            assertEquals(length < 28 ? DropReason.ICMP_MALFORMED : null, reason, "length " + length);
            if (reason == null) {
                readAll(packet);
            }
        }
    }

    @Test
    void otherTypesAreIgnored() {
        for (int type : new int[] {4, 5, 9, 10, 13, 14, 17, 18, 255}) {
            byte[] bytes = REQUEST.clone();
            bytes[0] = (byte) type;
            IcmpPacket packet = IcmpPacket.unchecked(TestBytes.buffer(bytes), TestBytes.LEAD, bytes.length);
            assertNull(packet.checkLength());
            assertNull(IcmpMessage.parse(packet), "type " + type);
        }
    }

    private static IcmpPacket request() {
        return IcmpPacket.unchecked(TestBytes.buffer(REQUEST), TestBytes.LEAD, REQUEST.length);
    }

    private static void readAll(IcmpPacket packet) {
        packet.type();
        packet.code();
        packet.checksum();
        packet.echoIdentifier();
        packet.echoSequenceNumber();
        packet.verifyChecksum();
        IcmpMessage message = IcmpMessage.parse(packet);
        int dataLength = switch (message) { // exhaustive: the set is sealed
            case EchoRequest(var identifier, var sequence, var offset, var length) -> length;
            case EchoReply(var identifier, var sequence, var offset, var length) -> length;
            case DestinationUnreachable(var code, var offset, var length) -> length;
            case TimeExceeded(var code, var offset, var length) -> length;
            case null -> packet.dataLength();
        };
        assertEquals(packet.dataLength(), dataLength);
        packet.buffer().getBytes(packet.dataOffset(), new byte[dataLength]);
    }
}
