package dev.pith.net.wire;

import dev.pith.net.DropReason;
import io.netty.buffer.ByteBuf;

/**
 * A view of a UDP datagram (RFC 768). The view's length is the IPv4 payload's; the datagram is what
 * its Length field says, which {@link #checkLength()} holds within the view.
 */
public final class UdpPacket {

    /** RFC 768 "Format". */
    private static final class Field {
        static final int SRC_PORT = 0;
        static final int DST_PORT = 2;
        static final int LENGTH = 4;
        static final int CHECKSUM = 6;
        static final int PAYLOAD = 8;
    }

    /** Length of the header. */
    public static final int HEADER_LENGTH = Field.PAYLOAD;

    private final ByteBuf buf;
    private final int offset;
    private final int length;

    private UdpPacket(ByteBuf buf, int offset, int length) {
        this.buf = buf;
        this.offset = offset;
        this.length = length;
    }

    /** Wraps the {@code length} bytes at {@code offset} (an IPv4 payload) without checking them. */
    public static UdpPacket unchecked(ByteBuf buf, int offset, int length) {
        return new UdpPacket(buf, offset, length);
    }

    /**
     * Returns null if every accessor is safe, else {@link DropReason#UDP_MALFORMED}: shorter than
     * the header, or a Length field below 8 or beyond the view.
     */
    public DropReason checkLength() {
        if (length < HEADER_LENGTH) {
            return DropReason.UDP_MALFORMED;
        }
        int datagramLength = datagramLength();
        if (datagramLength < HEADER_LENGTH || datagramLength > length) {
            return DropReason.UDP_MALFORMED;
        }
        return null;
    }

    /** Returns the buffer this view reads. */
    public ByteBuf buffer() {
        return buf;
    }

    /** Returns the index of the datagram's first byte in the buffer. */
    public int offset() {
        return offset;
    }

    /** Returns the view's length in bytes. */
    public int length() {
        return length;
    }

    /** Returns the source port. */
    public int sourcePort() {
        return buf.getUnsignedShort(offset + Field.SRC_PORT);
    }

    /** Returns the destination port. */
    public int destinationPort() {
        return buf.getUnsignedShort(offset + Field.DST_PORT);
    }

    /** Returns the Length field: header and data, in bytes. */
    public int datagramLength() {
        return buf.getUnsignedShort(offset + Field.LENGTH);
    }

    /** Returns the Checksum field; 0 means the sender computed none. */
    public int checksum() {
        return buf.getUnsignedShort(offset + Field.CHECKSUM);
    }

    /** Returns the buffer index of the payload. */
    public int payloadOffset() {
        return offset + Field.PAYLOAD;
    }

    /** Returns the payload's length according to the Length field. */
    public int payloadLength() {
        return datagramLength() - Field.PAYLOAD;
    }

    /**
     * Returns whether the pseudo-header and the datagram sum to the one's-complement zero, or
     * whether the checksum is 0: "no checksum" (RFC 768, allowed by RFC 1122 §4.1.3.4).
     */
    public boolean verifyChecksum(int srcBits, int dstBits) {
        if (checksum() == 0) {
            return true;
        }
        int datagramLength = datagramLength();
        int sum = Checksum.pseudoHeader(srcBits, dstBits, IpProtocol.UDP, datagramLength);
        return Checksum.sum(buf, offset, datagramLength, sum) == 0xFFFF;
    }

    /** Sets the source port. */
    public void setSourcePort(int value) {
        buf.setShort(offset + Field.SRC_PORT, value);
    }

    /** Sets the destination port. */
    public void setDestinationPort(int value) {
        buf.setShort(offset + Field.DST_PORT, value);
    }

    /** Sets the Length field. */
    public void setDatagramLength(int value) {
        buf.setShort(offset + Field.LENGTH, value);
    }

    /** Sets the Checksum field. */
    public void setChecksum(int value) {
        buf.setShort(offset + Field.CHECKSUM, value);
    }

    /** Computes the checksum over the pseudo-header and the Length field's bytes and writes it. */
    public void fillChecksum(int srcBits, int dstBits) {
        setChecksum(0);
        int datagramLength = datagramLength();
        int sum = Checksum.pseudoHeader(srcBits, dstBits, IpProtocol.UDP, datagramLength);
        int checksum = Checksum.finish(Checksum.sum(buf, offset, datagramLength, sum));
        // RFC 768: "If the computed checksum is zero, it is transmitted as all ones", since 0 means none.
        setChecksum(checksum == 0 ? 0xFFFF : checksum);
    }
}
