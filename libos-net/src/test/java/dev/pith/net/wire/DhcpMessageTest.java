package dev.pith.net.wire;

import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertNotNull;
import static org.junit.jupiter.api.Assertions.assertNull;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import dev.pith.net.DropReason;
import dev.pith.net.Ipv4Address;
import io.netty.buffer.ByteBuf;
import java.util.Arrays;
import java.util.List;
import java.util.Optional;
import org.junit.jupiter.api.Test;

class DhcpMessageTest {

    /**
     * A DHCPDISCOVER from ISC dhclient on Debian (UDP payload, 0.0.0.0:68 to 255.255.255.255:67):
     * requested address from the last lease, host name, the stock parameter request list, End,
     * then padding to the 300-byte BOOTP minimum.
     */
    static final byte[] DISCOVER = discover();

    /** Index of the End option in {@link #DISCOVER}. */
    static final int END_INDEX = 240 + 3 + 6 + 8 + 15;

    static final DhcpRepr DISCOVER_REPR = DhcpRepr.builder(DhcpRepr.DISCOVER, 0x3903_F326, 0x000C_29D4_E5F6L)
            .requestedAddress(Ipv4Address.of(192, 168, 1, 100))
            .hostName("debian")
            .parameterRequestList(1, 28, 2, 3, 15, 6, 119, 12, 44, 47, 26, 121, 42)
            .build();

    private static byte[] discover() {
        byte[] fixed = TestBytes.hex("""
                01 01 06 00 39 03 f3 26 00 00 00 00   # BOOTREQUEST, Ethernet, hlen 6, hops 0, xid, secs 0, flags 0
                00 00 00 00 00 00 00 00 00 00 00 00 00 00 00 00   # ciaddr, yiaddr, siaddr, giaddr
                00 0c 29 d4 e5 f6 00 00 00 00 00 00 00 00 00 00   # chaddr
                """);
        byte[] options = TestBytes.hex("""
                63 82 53 63                                # magic cookie
                35 01 01                                   # DHCPDISCOVER
                32 04 c0 a8 01 64                          # requested 192.168.1.100
                0c 06 64 65 62 69 61 6e                    # host name "debian"
                37 0d 01 1c 02 03 0f 06 77 0c 2c 2f 1a 79 2a   # parameter request list
                ff                                         # End
                """);
        byte[] message = new byte[300]; // sname and file (192 bytes) and the padding are zeros
        System.arraycopy(fixed, 0, message, 0, fixed.length);
        System.arraycopy(options, 0, message, 236, options.length);
        return message;
    }

    @Test
    void deconstruct() {
        DhcpMessage message = message(DISCOVER);
        assertNull(message.checkLength());
        assertEquals(DhcpMessage.BOOTREQUEST, message.op());
        assertEquals(DhcpMessage.HTYPE_ETHERNET, message.htype());
        assertEquals(6, message.hlen());
        assertEquals(0, message.hops());
        assertEquals(0x3903_F326, message.xid());
        assertEquals(0, message.secs());
        assertEquals(0, message.flags());
        assertFalse(message.broadcast());
        assertEquals(0, message.ciaddrBits());
        assertEquals(0, message.yiaddrBits());
        assertEquals(0, message.siaddrBits());
        assertEquals(0, message.giaddrBits());
        assertEquals(0x000C_29D4_E5F6L, message.chaddr());
        assertEquals(DhcpMessage.MAGIC_COOKIE, message.magicCookie());
        assertEquals(TestBytes.LEAD + 240, message.optionsOffset());
        assertEquals(60, message.optionsLength());
    }

    @Test
    void parse() {
        DhcpRepr repr = DhcpRepr.parse(message(DISCOVER));
        assertEquals(DISCOVER_REPR, repr);
        assertEquals(DhcpRepr.DISCOVER, repr.messageType());
        assertEquals(Optional.of(Ipv4Address.of(192, 168, 1, 100)), repr.requestedAddress());
        assertEquals(Optional.of("debian"), repr.hostName());
        assertEquals(Optional.empty(), repr.serverIdentifier());
        assertEquals(-1, repr.leaseTimeSeconds());
        assertEquals(List.of(), repr.dnsServers());
        assertEquals(Ipv4Address.ANY, repr.ciaddr());
    }

    @Test
    void emitOverStaleBytes() {
        assertEquals(300, DISCOVER_REPR.bufferLength());
        ByteBuf buf = TestBytes.stale(DISCOVER_REPR.bufferLength());
        DISCOVER_REPR.emit(DhcpMessage.unchecked(buf, TestBytes.LEAD, DISCOVER_REPR.bufferLength()));
        assertArrayEquals(DISCOVER, TestBytes.bytes(buf, DISCOVER.length));
    }

    @Test
    void serverMessagesRoundTrip() {
        DhcpRepr offer = DhcpRepr.builder(DhcpRepr.OFFER, 0x3903_F326, 0x000C_29D4_E5F6L)
                .broadcast(true)
                .yiaddr(Ipv4Address.of(192, 168, 1, 100))
                .siaddr(Ipv4Address.of(192, 168, 1, 1))
                .serverIdentifier(Ipv4Address.of(192, 168, 1, 1))
                .leaseTimeSeconds(86400)
                .renewalTimeSeconds(43200)
                .rebindingTimeSeconds(75600)
                .subnetMask(Ipv4Address.of(255, 255, 255, 0))
                .router(Ipv4Address.of(192, 168, 1, 1))
                .dnsServers(List.of(Ipv4Address.of(192, 168, 1, 1), Ipv4Address.of(9, 9, 9, 9)))
                .build();
        assertEquals(DhcpMessage.BOOTREPLY, offer.op());
        DhcpRepr ack = offer.newBuilder().messageType(DhcpRepr.ACK).leaseTimeSeconds(DhcpRepr.INFINITE_LEASE)
                .build();
        DhcpRepr nak = DhcpRepr.builder(DhcpRepr.NAK, 7, 1).serverIdentifier(Ipv4Address.of(10, 0, 0, 1)).build();
        DhcpRepr request = DISCOVER_REPR.newBuilder().messageType(DhcpRepr.REQUEST).secs(3)
                .serverIdentifier(Ipv4Address.of(192, 168, 1, 1)).clientIdentifier(List.of(1, 0, 0x0C, 0x29, 0xD4,
                        0xE5, 0xF6)).maximumMessageSize(1500).build();
        DhcpRepr release = DhcpRepr.builder(DhcpRepr.RELEASE, 9, 1).ciaddr(Ipv4Address.of(192, 168, 1, 100))
                .serverIdentifier(Ipv4Address.of(192, 168, 1, 1)).build();
        for (DhcpRepr repr : List.of(offer, ack, nak, request, release)) {
            ByteBuf buf = TestBytes.stale(repr.bufferLength());
            DhcpMessage message = DhcpMessage.unchecked(buf, TestBytes.LEAD, repr.bufferLength());
            repr.emit(message);
            assertNull(message.checkLength());
            assertEquals(repr, DhcpRepr.parse(message));
        }
    }

    @Test
    void longMessagesAreNotPadded() {
        DhcpRepr repr = DISCOVER_REPR.newBuilder().hostName("h".repeat(100)).build();
        assertEquals(240 + 3 + 6 + (2 + 100) + 15 + 1, repr.bufferLength()); // above 300: no Pad
    }

    @Test
    void truncatedAtEveryOffset() {
        for (int length = 0; length <= DISCOVER.length; length++) {
            DhcpMessage message = DhcpMessage.unchecked(TestBytes.prefix(DISCOVER, length), TestBytes.LEAD, length);
            DropReason reason = message.checkLength();
            assertEquals(length < 240 ? DropReason.DHCP_REJECTED : null, reason, "length " + length);
            if (reason != null) {
                continue;
            }
            readAll(message);
            // Every cut before End leaves the options unterminated or an option running past the end.
            if (length <= END_INDEX) {
                assertNull(DhcpRepr.parse(message), "length " + length);
            } else {
                assertEquals(DISCOVER_REPR, DhcpRepr.parse(message), "length " + length);
            }
        }
    }

    @Test
    void refusesWhatIsNotAnEthernetDhcpMessage() {
        assertRefused(1, 6); // htype IEEE 802
        assertRefused(2, 8); // hlen 8
        assertRefused(236, 0x63, 0x82, 0x53, 0x64); // magic cookie
        assertRefused(0, DhcpMessage.BOOTREPLY); // a DISCOVER must come from a client
        assertRefused(242, 9); // message type 9
        assertRefused(242, 0); // message type 0
        assertRefused(240, 0x00, 0x00, 0x00); // no message type (option 53 padded out)
    }

    @Test
    void refusesMalformedOptions() {
        assertRefusedOptions("35 02 01 00 ff"); // message type of length 2
        assertRefusedOptions("35 01 01 36 03 0a 00 00 ff"); // server identifier of length 3
        assertRefusedOptions("35 01 01 03 06 0a 00 00 01 0a 00 ff"); // router of length 6
        assertRefusedOptions("35 01 01 06 00 ff"); // no DNS server
        assertRefusedOptions("35 01 01 33 02 00 01 ff"); // lease time of length 2
        assertRefusedOptions("35 01 01 37 00 ff"); // empty parameter request list
        assertRefusedOptions("35 01 01 3d 01 01 ff"); // client identifier of length 1
        assertRefusedOptions("35 01 01 39 02 01 f3 ff"); // maximum message size 499 < 576
        assertRefusedOptions("35 01 01 0c 02 61 07 ff"); // host name with a control character
        assertRefusedOptions("35 01 01 0c 01 00 ff"); // host name of only a NUL
        assertRefusedOptions("35 01 01 34 01 03 ff"); // option overload
        assertRefusedOptions("35 01 01 35 01 01 ff"); // message type twice
        assertRefusedOptions("35 01 01 32 04 c0 a8 01 64 32 04 c0 a8 01 65 ff"); // requested address twice
        assertRefusedOptions("35 01 01"); // no End
        assertRefusedOptions("35 01 01 51 0f 00"); // an option past the end
        assertRefusedOptions("35 01 01 51"); // no room for a length
    }

    @Test
    void lenientWhereTheRfcsAsk() {
        DhcpRepr repr = parseOptions("""
                00 00 35 01 02                     # Pad, OFFER
                51 05 00 00 00 64 64               # client FQDN (81): not ours, skipped
                03 08 0a 00 00 01 0a 00 00 02      # two routers: the first is preferred
                06 14 01 01 01 01 02 02 02 02 03 03 03 03 04 04 04 04 05 05 05 05   # five DNS servers
                0c 04 68 6f 73 74 00 00            # "host" with two trailing NULs (RFC 2132 §2)
                ff 35 01 05                        # after End: ignored
                """, DhcpMessage.BOOTREPLY);
        assertNotNull(repr);
        assertEquals(DhcpRepr.OFFER, repr.messageType());
        assertEquals(Optional.of(Ipv4Address.of(10, 0, 0, 1)), repr.router());
        assertEquals(4, repr.dnsServers().size());
        assertEquals(Ipv4Address.of(4, 4, 4, 4), repr.dnsServers().get(3));
        assertEquals(Optional.of("host"), repr.hostName());
    }

    @Test
    void reprRefusesMisuse() {
        assertThrows(IllegalArgumentException.class, () -> DhcpRepr.builder(9, 0, 0).build());
        assertThrows(IllegalArgumentException.class, () -> DhcpRepr.builder(1, 0, 1L << 48).build());
        assertThrows(IllegalArgumentException.class, () -> DhcpRepr.builder(1, 0, 0).hostName("").build());
        assertThrows(IllegalArgumentException.class, () -> DhcpRepr.builder(1, 0, 0).hostName("é").build());
        assertThrows(IllegalArgumentException.class, () -> DhcpRepr.builder(1, 0, 0).leaseTimeSeconds(1L << 32).build());
        assertThrows(IllegalArgumentException.class, () -> DhcpRepr.builder(1, 0, 0).clientIdentifier(List.of(1)).build());
        assertThrows(IllegalArgumentException.class, () -> DhcpRepr.builder(1, 0, 0).parameterRequestList(256).build());
        assertThrows(IllegalArgumentException.class, () -> DhcpRepr.builder(1, 0, 0).maximumMessageSize(575).build());
        assertThrows(IllegalArgumentException.class, () -> DhcpRepr.builder(1, 0, 0)
                .dnsServers(List.of(Ipv4Address.ANY, Ipv4Address.ANY, Ipv4Address.ANY, Ipv4Address.ANY,
                        Ipv4Address.ANY)).build());
    }

    private static DhcpMessage message(byte[] bytes) {
        return DhcpMessage.unchecked(TestBytes.buffer(bytes), TestBytes.LEAD, bytes.length);
    }

    private static void assertRefused(int index, int... octets) {
        byte[] bytes = DISCOVER.clone();
        for (int k = 0; k < octets.length; k++) {
            bytes[index + k] = (byte) octets[k];
        }
        DhcpMessage message = message(bytes);
        assertNull(message.checkLength());
        assertNull(DhcpRepr.parse(message), "octet " + index);
    }

    private static void assertRefusedOptions(String options) {
        assertNull(parseOptions(options, DhcpMessage.BOOTREQUEST), options);
    }

    /** Parses {@link #DISCOVER}'s fixed fields with other options, ending where they end. */
    private static DhcpRepr parseOptions(String options, int op) {
        byte[] bytes = TestBytes.hex(options);
        byte[] message = Arrays.copyOf(DISCOVER, 240 + bytes.length);
        message[0] = (byte) op;
        System.arraycopy(bytes, 0, message, 240, bytes.length);
        DhcpMessage view = message(message);
        assertNull(view.checkLength());
        return DhcpRepr.parse(view);
    }

    private static void readAll(DhcpMessage message) {
        message.op();
        message.htype();
        message.hlen();
        message.hops();
        message.xid();
        message.secs();
        message.broadcast();
        message.ciaddrBits();
        message.yiaddrBits();
        message.siaddrBits();
        message.giaddrBits();
        message.chaddr();
        message.magicCookie();
        assertTrue(message.optionsLength() >= 0);
    }
}
