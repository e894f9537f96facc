package dev.pith.net.wire;

/**
 * A UDP header (RFC 768): ports and the payload's length.
 *
 * @param sourcePort the source port, 0 if the sender expects no reply
 * @param destinationPort the destination port, never 0
 * @param payloadLength the payload's length in bytes, header excluded
 */
public record UdpRepr(int sourcePort, int destinationPort, int payloadLength) {

    /** Largest payload over IPv4: 65535 less a 20-byte IPv4 header and the UDP header. */
    public static final int MAX_PAYLOAD_LENGTH = Ipv4Repr.MAX_PAYLOAD_LENGTH - UdpPacket.HEADER_LENGTH;

    public UdpRepr {
        if ((sourcePort & ~0xFFFF) != 0) {
            throw new IllegalArgumentException("sourcePort must be 0..65535: " + sourcePort);
        }
        if (destinationPort < 1 || destinationPort > 0xFFFF) {
            throw new IllegalArgumentException("destinationPort must be 1..65535: " + destinationPort);
        }
        if (payloadLength < 0 || payloadLength > MAX_PAYLOAD_LENGTH) {
            throw new IllegalArgumentException("payloadLength must be 0.." + MAX_PAYLOAD_LENGTH + ": " + payloadLength);
        }
    }

    /**
     * Parses a checked datagram; returns null, counted as {@link dev.pith.net.DropReason#UDP_MALFORMED},
     * for destination port 0, which no socket can bind. The checksum is the caller's
     * ({@link UdpPacket#verifyChecksum}, else {@link dev.pith.net.DropReason#UDP_BAD_CHECKSUM}).
     */
    public static UdpRepr parse(UdpPacket packet) {
        int destinationPort = packet.destinationPort();
        if (destinationPort == 0) {
            return null;
        }
        return new UdpRepr(packet.sourcePort(), destinationPort, packet.payloadLength());
    }

    /** Returns the header's length. */
    public int headerLength() {
        return UdpPacket.HEADER_LENGTH;
    }

    /** Returns the datagram's length: header and payload. */
    public int bufferLength() {
        return UdpPacket.HEADER_LENGTH + payloadLength;
    }

    /**
     * Writes the header with a zero checksum; write the payload, then call
     * {@link UdpPacket#fillChecksum}.
     */
    public void emit(UdpPacket packet) {
        packet.setSourcePort(sourcePort);
        packet.setDestinationPort(destinationPort);
        packet.setDatagramLength(bufferLength());
        packet.setChecksum(0);
    }
}
