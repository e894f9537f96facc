package dev.pith.net.wire;

import dev.pith.net.DropReason;
import io.netty.buffer.ByteBuf;

/**
 * A view of an ICMP message (RFC 792): type, code, checksum, four type-specific bytes, then data
 * (an echo's payload, or the start of the datagram an error is about). The view's length is the
 * IPv4 payload's: the checksum covers all of it.
 */
public final class IcmpPacket {

    /** RFC 792 message formats; bytes 4..7 are Identifier and Sequence Number in an echo, unused in an error. */
    private static final class Field {
        static final int TYPE = 0;
        static final int CODE = 1;
        static final int CHECKSUM = 2;
        static final int IDENTIFIER = 4;
        static final int SEQUENCE_NUMBER = 6;
        static final int UNUSED = 4;
        static final int DATA = 8;
    }

    /** Length of the header common to the types the stack speaks. */
    public static final int HEADER_LENGTH = Field.DATA;
    /** Type of an echo reply (RFC 792 "Echo or Echo Reply Message"). */
    public static final int ECHO_REPLY = 0;
    /** Type of a destination unreachable message. */
    public static final int DESTINATION_UNREACHABLE = 3;
    /** Type of an echo request. */
    public static final int ECHO_REQUEST = 8;
    /** Type of a time exceeded message. */
    public static final int TIME_EXCEEDED = 11;

    private final ByteBuf buf;
    private final int offset;
    private final int length;

    private IcmpPacket(ByteBuf buf, int offset, int length) {
        this.buf = buf;
        this.offset = offset;
        this.length = length;
    }

    /** Wraps the {@code length} bytes at {@code offset} (an IPv4 payload) without checking them. */
    public static IcmpPacket unchecked(ByteBuf buf, int offset, int length) {
        return new IcmpPacket(buf, offset, length);
    }

    /**
     * Returns null if every accessor is safe, else {@link DropReason#ICMP_MALFORMED}: shorter than
     * 8 bytes, or an error message (types 3, 11) quoting less than a minimal IPv4 header.
     */
    public DropReason checkLength() {
        if (length < HEADER_LENGTH) {
            return DropReason.ICMP_MALFORMED;
        }
        int type = type();
        if ((type == DESTINATION_UNREACHABLE || type == TIME_EXCEEDED)
                && length - HEADER_LENGTH < Ipv4Packet.HEADER_LENGTH) {
            return DropReason.ICMP_MALFORMED;
        }
        return null;
    }

    /** Returns the buffer this view reads. */
    public ByteBuf buffer() {
        return buf;
    }

    /** Returns the index of the message's first byte in the buffer. */
    public int offset() {
        return offset;
    }

    /** Returns the message's length in bytes. */
    public int length() {
        return length;
    }

    /** Returns the type. */
    public int type() {
        return buf.getUnsignedByte(offset + Field.TYPE);
    }

    /** Returns the code. */
    public int code() {
        return buf.getUnsignedByte(offset + Field.CODE);
    }

    /** Returns the Checksum field. */
    public int checksum() {
        return buf.getUnsignedShort(offset + Field.CHECKSUM);
    }

    /** Returns an echo's Identifier. */
    public int echoIdentifier() {
        return buf.getUnsignedShort(offset + Field.IDENTIFIER);
    }

    /** Returns an echo's Sequence Number. */
    public int echoSequenceNumber() {
        return buf.getUnsignedShort(offset + Field.SEQUENCE_NUMBER);
    }

    /** Returns the buffer index of the data after the 8-byte header. */
    public int dataOffset() {
        return offset + Field.DATA;
    }

    /** Returns the length of the data after the 8-byte header. */
    public int dataLength() {
        return length - Field.DATA;
    }

    /** Returns whether the whole message sums to the one's-complement zero (RFC 792). */
    public boolean verifyChecksum() {
        return Checksum.sum(buf, offset, length, 0) == 0xFFFF;
    }

    /** Sets the type. */
    public void setType(int value) {
        buf.setByte(offset + Field.TYPE, value);
    }

    /** Sets the code. */
    public void setCode(int value) {
        buf.setByte(offset + Field.CODE, value);
    }

    /** Sets the Checksum field. */
    public void setChecksum(int value) {
        buf.setShort(offset + Field.CHECKSUM, value);
    }

    /** Sets an echo's Identifier. */
    public void setEchoIdentifier(int value) {
        buf.setShort(offset + Field.IDENTIFIER, value);
    }

    /** Sets an echo's Sequence Number. */
    public void setEchoSequenceNumber(int value) {
        buf.setShort(offset + Field.SEQUENCE_NUMBER, value);
    }

    /** Computes the checksum over the whole message and writes it. */
    public void fillChecksum() {
        setChecksum(0);
        setChecksum(Checksum.finish(Checksum.sum(buf, offset, length, 0)));
    }

    /** Zeroes the four bytes an error message leaves unused (RFC 792: "This field is unused"). */
    void clearUnused() {
        buf.setInt(offset + Field.UNUSED, 0);
    }
}
