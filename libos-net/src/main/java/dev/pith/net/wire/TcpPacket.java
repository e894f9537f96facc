package dev.pith.net.wire;

import dev.pith.net.DropReason;
import io.netty.buffer.ByteBuf;

/**
 * A view of a TCP segment (RFC 9293 §3.1). The view's length is the IPv4 payload's, which is the
 * segment's: TCP has no length field. Sequence and acknowledgement numbers are raw 32 bits, to be
 * compared modulo 2^32; options are read by {@link TcpOptions}.
 */
public final class TcpPacket {

    /** RFC 9293 §3.1 "Header Format". */
    private static final class Field {
        static final int SRC_PORT = 0;
        static final int DST_PORT = 2;
        static final int SEQ_NUM = 4;
        static final int ACK_NUM = 8;
        static final int DATA_OFFSET = 12; // high four bits; the low four are reserved
        static final int FLAGS = 13;
        static final int WINDOW = 14;
        static final int CHECKSUM = 16;
        static final int URGENT_POINTER = 18;
        static final int OPTIONS = 20;
    }

    /** Flag: no more data from sender. */
    public static final int FIN = 0x01;
    /** Flag: synchronize sequence numbers. */
    public static final int SYN = 0x02;
    /** Flag: reset the connection. */
    public static final int RST = 0x04;
    /** Flag: push function. */
    public static final int PSH = 0x08;
    /** Flag: the Acknowledgment Number is significant. */
    public static final int ACK = 0x10;
    /** Flag: the Urgent Pointer is significant. */
    public static final int URG = 0x20;
    /** Flag: ECN-Echo (RFC 3168 §6.1). */
    public static final int ECE = 0x40;
    /** Flag: Congestion Window Reduced (RFC 3168 §6.1). */
    public static final int CWR = 0x80;

    /** Length of a header without options. */
    public static final int HEADER_LENGTH = Field.OPTIONS;
    /** Largest header: Data Offset is four bits of 32-bit words. */
    public static final int MAX_HEADER_LENGTH = 60;

    private final ByteBuf buf;
    private final int offset;
    private final int length;

    private TcpPacket(ByteBuf buf, int offset, int length) {
        this.buf = buf;
        this.offset = offset;
        this.length = length;
    }

    /** Wraps the {@code length} bytes at {@code offset} (an IPv4 payload) without checking them. */
    public static TcpPacket unchecked(ByteBuf buf, int offset, int length) {
        return new TcpPacket(buf, offset, length);
    }

    /**
     * Returns null if every accessor is safe, else {@link DropReason#TCP_MALFORMED}: shorter than
     * 20 bytes, or a Data Offset below 5 or beyond the segment. Options are checked by
     * {@link TcpOptions#parse}.
     */
    public DropReason checkLength() {
        if (length < HEADER_LENGTH) {
            return DropReason.TCP_MALFORMED;
        }
        int headerLength = headerLength();
        if (headerLength < HEADER_LENGTH || headerLength > length) {
            return DropReason.TCP_MALFORMED;
        }
        return null;
    }

    /** Returns the buffer this view reads. */
    public ByteBuf buffer() {
        return buf;
    }

    /** Returns the index of the segment's first byte in the buffer. */
    public int offset() {
        return offset;
    }

    /** Returns the segment's length in bytes, header included. */
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

    /** Returns the Sequence Number as raw 32 bits. */
    public int sequenceNumber() {
        return buf.getInt(offset + Field.SEQ_NUM);
    }

    /** Returns the Acknowledgment Number as raw 32 bits. */
    public int acknowledgementNumber() {
        return buf.getInt(offset + Field.ACK_NUM);
    }

    /** Returns the header length in bytes (Data Offset times 4). */
    public int headerLength() {
        return (buf.getUnsignedByte(offset + Field.DATA_OFFSET) >>> 4) * 4;
    }

    /** Returns the eight flag bits, CWR down to FIN. */
    public int flags() {
        return buf.getUnsignedByte(offset + Field.FLAGS);
    }

    /** Returns whether FIN is set. */
    public boolean fin() {
        return (flags() & FIN) != 0;
    }

    /** Returns whether SYN is set. */
    public boolean syn() {
        return (flags() & SYN) != 0;
    }

    /** Returns whether RST is set. */
    public boolean rst() {
        return (flags() & RST) != 0;
    }

    /** Returns whether PSH is set. */
    public boolean psh() {
        return (flags() & PSH) != 0;
    }

    /** Returns whether ACK is set. */
    public boolean ack() {
        return (flags() & ACK) != 0;
    }

    /** Returns whether URG is set. */
    public boolean urg() {
        return (flags() & URG) != 0;
    }

    /** Returns whether ECE is set. */
    public boolean ece() {
        return (flags() & ECE) != 0;
    }

    /** Returns whether CWR is set. */
    public boolean cwr() {
        return (flags() & CWR) != 0;
    }

    /** Returns the Window field, unscaled. */
    public int windowLength() {
        return buf.getUnsignedShort(offset + Field.WINDOW);
    }

    /** Returns the Checksum field. */
    public int checksum() {
        return buf.getUnsignedShort(offset + Field.CHECKSUM);
    }

    /** Returns the Urgent Pointer field. */
    public int urgentPointer() {
        return buf.getUnsignedShort(offset + Field.URGENT_POINTER);
    }

    /** Returns the buffer index of the options. */
    public int optionsOffset() {
        return offset + Field.OPTIONS;
    }

    /** Returns the options' length in bytes, padding included. */
    public int optionsLength() {
        return headerLength() - Field.OPTIONS;
    }

    /** Returns the buffer index of the payload. */
    public int payloadOffset() {
        return offset + headerLength();
    }

    /** Returns the payload's length. */
    public int payloadLength() {
        return length - headerLength();
    }

    /** Returns whether the pseudo-header and the segment sum to the one's-complement zero (RFC 9293 §3.1). */
    public boolean verifyChecksum(int srcBits, int dstBits) {
        int sum = Checksum.pseudoHeader(srcBits, dstBits, IpProtocol.TCP, length);
        return Checksum.sum(buf, offset, length, sum) == 0xFFFF;
    }

    /** Sets the source port. */
    public void setSourcePort(int value) {
        buf.setShort(offset + Field.SRC_PORT, value);
    }

    /** Sets the destination port. */
    public void setDestinationPort(int value) {
        buf.setShort(offset + Field.DST_PORT, value);
    }

    /** Sets the Sequence Number. */
    public void setSequenceNumber(int value) {
        buf.setInt(offset + Field.SEQ_NUM, value);
    }

    /** Sets the Acknowledgment Number. */
    public void setAcknowledgementNumber(int value) {
        buf.setInt(offset + Field.ACK_NUM, value);
    }

    /** Sets the header length in bytes, a multiple of 4, clearing the reserved bits. */
    public void setHeaderLength(int bytes) {
        buf.setByte(offset + Field.DATA_OFFSET, (bytes / 4 & 0x0F) << 4);
    }

    /** Sets all eight flag bits. */
    public void setFlags(int flags) {
        buf.setByte(offset + Field.FLAGS, flags);
    }

    /** Sets or clears FIN. */
    public void setFin(boolean value) {
        setFlag(FIN, value);
    }

    /** Sets or clears SYN. */
    public void setSyn(boolean value) {
        setFlag(SYN, value);
    }

    /** Sets or clears RST. */
    public void setRst(boolean value) {
        setFlag(RST, value);
    }

    /** Sets or clears PSH. */
    public void setPsh(boolean value) {
        setFlag(PSH, value);
    }

    /** Sets or clears ACK. */
    public void setAck(boolean value) {
        setFlag(ACK, value);
    }

    /** Sets or clears URG. */
    public void setUrg(boolean value) {
        setFlag(URG, value);
    }

    /** Sets or clears ECE. */
    public void setEce(boolean value) {
        setFlag(ECE, value);
    }

    /** Sets or clears CWR. */
    public void setCwr(boolean value) {
        setFlag(CWR, value);
    }

    /** Sets the Window field. */
    public void setWindowLength(int value) {
        buf.setShort(offset + Field.WINDOW, value);
    }

    /** Sets the Checksum field. */
    public void setChecksum(int value) {
        buf.setShort(offset + Field.CHECKSUM, value);
    }

    /** Sets the Urgent Pointer field. */
    public void setUrgentPointer(int value) {
        buf.setShort(offset + Field.URGENT_POINTER, value);
    }

    /** Computes the checksum over the pseudo-header and the whole view (header, options, payload) and writes it. */
    public void fillChecksum(int srcBits, int dstBits) {
        setChecksum(0);
        int sum = Checksum.pseudoHeader(srcBits, dstBits, IpProtocol.TCP, length);
        setChecksum(Checksum.finish(Checksum.sum(buf, offset, length, sum)));
    }

    private void setFlag(int mask, boolean value) {
        int flags = flags();
        setFlags(value ? flags | mask : flags & ~mask);
    }
}
