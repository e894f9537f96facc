package dev.pith.net.wire;

import dev.pith.net.Ipv4Address;
import java.util.Objects;

/**
 * An IPv4 header as the stack uses it: no options, no fragmentation. Fragments are read from the
 * {@link Ipv4Packet} view ({@link Ipv4Packet#isFragment()}) and reassembled before a transport
 * sees them; this record describes a whole datagram.
 *
 * @param source the source address
 * @param destination the destination address
 * @param protocol the payload's protocol (see {@link IpProtocol})
 * @param payloadLength the payload's length in bytes, header excluded
 * @param ttl the Time to Live
 * @param dscpEcn the DS field and ECN bits (RFC 2474, RFC 3168)
 */
public record Ipv4Repr(Ipv4Address source, Ipv4Address destination, int protocol, int payloadLength, int ttl,
        int dscpEcn) {

    /** Largest payload behind a 20-byte header: Total Length is 16 bits. */
    public static final int MAX_PAYLOAD_LENGTH = 0xFFFF - Ipv4Packet.HEADER_LENGTH;

    public Ipv4Repr {
        Objects.requireNonNull(source, "source == null");
        Objects.requireNonNull(destination, "destination == null");
        if (protocol < 0 || protocol > 0xFF) {
            throw new IllegalArgumentException("protocol must be 0..255: " + protocol);
        }
        if (payloadLength < 0 || payloadLength > MAX_PAYLOAD_LENGTH) {
            throw new IllegalArgumentException("payloadLength must be 0.." + MAX_PAYLOAD_LENGTH + ": " + payloadLength);
        }
        if (ttl < 0 || ttl > 0xFF) {
            throw new IllegalArgumentException("ttl must be 0..255: " + ttl);
        }
        if (dscpEcn < 0 || dscpEcn > 0xFF) {
            throw new IllegalArgumentException("dscpEcn must be 0..255: " + dscpEcn);
        }
    }

    /**
     * Parses a checked datagram, options skipped; returns null, counted as
     * {@link dev.pith.net.DropReason#IPV4_BAD_CHECKSUM}, if its header checksum is wrong.
     */
    public static Ipv4Repr parse(Ipv4Packet packet) {
        if (!packet.verifyChecksum()) {
            return null;
        }
        return new Ipv4Repr(new Ipv4Address(packet.sourceBits()), new Ipv4Address(packet.destinationBits()),
                packet.protocol(), packet.payloadLength(), packet.ttl(), packet.dscpEcn());
    }

    /** Returns the header's length: 20, since the stack sends no options. */
    public int headerLength() {
        return Ipv4Packet.HEADER_LENGTH;
    }

    /** Returns the datagram's length: header and payload. */
    public int bufferLength() {
        return Ipv4Packet.HEADER_LENGTH + payloadLength;
    }

    /** Writes a 20-byte header, checksum included, leaving the payload to the caller. */
    public void emit(Ipv4Packet packet, int identification, boolean dontFragment) {
        packet.setVersion(4);
        packet.setHeaderLength(Ipv4Packet.HEADER_LENGTH);
        packet.setDscpEcn(dscpEcn);
        packet.setTotalLength(bufferLength());
        packet.setIdentification(identification);
        packet.setFragment(dontFragment, false, 0); // the whole field: a stale reserved bit must not survive
        packet.setTtl(ttl);
        packet.setProtocol(protocol);
        packet.setSourceBits(source.bits());
        packet.setDestinationBits(destination.bits());
        packet.fillChecksum();
    }
}
