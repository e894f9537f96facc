package dev.pith.net.wire;

import dev.pith.net.DropReason;
import io.netty.buffer.ByteBuf;

/**
 * A view of an IPv4 datagram (RFC 791 §3.1). The view may be longer than the datagram, since an
 * Ethernet frame pads short datagrams to its minimum: everything here counts from the Total Length
 * field, never from the view's length. Options (IHL above 5) are skipped, never parsed:
 * {@link #payloadOffset()} accounts for them.
 */
public final class Ipv4Packet {

    /** RFC 791 §3.1 "Internet Header Format". */
    private static final class Field {
        static final int VER_IHL = 0;
        static final int DSCP_ECN = 1; // formerly Type of Service (RFC 2474 §3, RFC 3168 §5)
        static final int TOTAL_LENGTH = 2;
        static final int IDENTIFICATION = 4;
        static final int FLAGS_FRAGMENT_OFFSET = 6;
        static final int TTL = 8;
        static final int PROTOCOL = 9;
        static final int HEADER_CHECKSUM = 10;
        static final int SRC_ADDR = 12;
        static final int DST_ADDR = 16;
        static final int OPTIONS = 20;
    }

    private static final int DONT_FRAGMENT = 0x4000;
    private static final int MORE_FRAGMENTS = 0x2000;
    private static final int FRAGMENT_OFFSET = 0x1FFF;

    /** Length of a header without options. */
    public static final int HEADER_LENGTH = Field.OPTIONS;
    /** Largest header: IHL is four bits of 32-bit words. */
    public static final int MAX_HEADER_LENGTH = 60;

    private ByteBuf buf;
    private int offset;
    private int length;

    private Ipv4Packet(ByteBuf buf, int offset, int length) {
        this.buf = buf;
        this.offset = offset;
        this.length = length;
    }

    /** Wraps the {@code length} bytes at {@code offset} (a frame's payload, padding and all) without checking them. */
    public static Ipv4Packet unchecked(ByteBuf buf, int offset, int length) {
        return new Ipv4Packet(buf, offset, length);
    }

    /**
     * Points this view at the {@code length} bytes at {@code offset} of {@code buf}, unchecked as
     * {@link #unchecked}, and returns it: a stack's receive path keeps one view and re-points it for
     * each packet instead of making one per packet. Only for a view nobody else holds: afterwards it
     * no longer shows the packet it showed. Not thread-safe, like every view.
     */
    public Ipv4Packet repoint(ByteBuf buf, int offset, int length) {
        this.buf = buf;
        this.offset = offset;
        this.length = length;
        return this;
    }

    /**
     * Returns null if every accessor is safe, {@link DropReason#IPV4_BAD_VERSION} if the version is
     * not 4, else {@link DropReason#IPV4_MALFORMED}: shorter than 20 bytes, IHL below 5, header
     * longer than the view, or Total Length below the header or beyond the view.
     */
    public DropReason checkLength() {
        if (length < HEADER_LENGTH) {
            return DropReason.IPV4_MALFORMED;
        }
        if (version() != 4) {
            return DropReason.IPV4_BAD_VERSION;
        }
        int headerLength = headerLength();
        if (headerLength < HEADER_LENGTH || headerLength > length) {
            return DropReason.IPV4_MALFORMED;
        }
        int totalLength = totalLength();
        if (totalLength < headerLength || totalLength > length) {
            return DropReason.IPV4_MALFORMED;
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

    /** Returns the view's length, which may exceed {@link #totalLength()} by the link's padding. */
    public int length() {
        return length;
    }

    /** Returns the version field. */
    public int version() {
        return buf.getUnsignedByte(offset + Field.VER_IHL) >>> 4;
    }

    /** Returns the header length in bytes (IHL times 4). */
    public int headerLength() {
        return (buf.getUnsignedByte(offset + Field.VER_IHL) & 0x0F) * 4;
    }

    /** Returns the DS field and ECN bits, the old Type of Service octet. */
    public int dscpEcn() {
        return buf.getUnsignedByte(offset + Field.DSCP_ECN);
    }

    /** Returns the Total Length: header and data, in bytes. */
    public int totalLength() {
        return buf.getUnsignedShort(offset + Field.TOTAL_LENGTH);
    }

    /** Returns the Identification field. */
    public int identification() {
        return buf.getUnsignedShort(offset + Field.IDENTIFICATION);
    }

    /** Returns the Don't Fragment flag. */
    public boolean dontFragment() {
        return (buf.getUnsignedShort(offset + Field.FLAGS_FRAGMENT_OFFSET) & DONT_FRAGMENT) != 0;
    }

    /** Returns the More Fragments flag. */
    public boolean moreFragments() {
        return (buf.getUnsignedShort(offset + Field.FLAGS_FRAGMENT_OFFSET) & MORE_FRAGMENTS) != 0;
    }

    /** Returns the fragment offset in bytes (the field counts 8-byte units). */
    public int fragmentOffset() {
        return (buf.getUnsignedShort(offset + Field.FLAGS_FRAGMENT_OFFSET) & FRAGMENT_OFFSET) * 8;
    }

    /** Returns whether this datagram is a fragment: More Fragments set or a non-zero offset (RFC 791 §2.3). */
    public boolean isFragment() {
        return (buf.getUnsignedShort(offset + Field.FLAGS_FRAGMENT_OFFSET) & (MORE_FRAGMENTS | FRAGMENT_OFFSET)) != 0;
    }

    /** Returns the Time to Live. */
    public int ttl() {
        return buf.getUnsignedByte(offset + Field.TTL);
    }

    /** Returns the protocol of the payload (see {@link IpProtocol}). */
    public int protocol() {
        return buf.getUnsignedByte(offset + Field.PROTOCOL);
    }

    /** Returns the Header Checksum field. */
    public int headerChecksum() {
        return buf.getUnsignedShort(offset + Field.HEADER_CHECKSUM);
    }

    /** Returns the source address as bits. */
    public int sourceBits() {
        return buf.getInt(offset + Field.SRC_ADDR);
    }

    /** Returns the destination address as bits. */
    public int destinationBits() {
        return buf.getInt(offset + Field.DST_ADDR);
    }

    /** Returns the buffer index of the payload, after any options. */
    public int payloadOffset() {
        return offset + headerLength();
    }

    /** Returns the payload's length: Total Length less the header, padding excluded. */
    public int payloadLength() {
        return totalLength() - headerLength();
    }

    /** Returns whether the header, options included, sums to the one's-complement zero (RFC 791 §3.1). */
    public boolean verifyChecksum() {
        return Checksum.sum(buf, offset, headerLength(), 0) == 0xFFFF;
    }

    /** Sets the version, keeping IHL. */
    public void setVersion(int version) {
        int index = offset + Field.VER_IHL;
        buf.setByte(index, version << 4 | (buf.getUnsignedByte(index) & 0x0F));
    }

    /** Sets the header length in bytes, a multiple of 4, keeping the version. */
    public void setHeaderLength(int bytes) {
        int index = offset + Field.VER_IHL;
        buf.setByte(index, (buf.getUnsignedByte(index) & 0xF0) | (bytes / 4 & 0x0F));
    }

    /** Sets the DS field and ECN bits. */
    public void setDscpEcn(int value) {
        buf.setByte(offset + Field.DSCP_ECN, value);
    }

    /** Sets the Total Length. */
    public void setTotalLength(int value) {
        buf.setShort(offset + Field.TOTAL_LENGTH, value);
    }

    /** Sets the Identification field. */
    public void setIdentification(int value) {
        buf.setShort(offset + Field.IDENTIFICATION, value);
    }

    /** Sets or clears Don't Fragment. */
    public void setDontFragment(boolean value) {
        setFlag(DONT_FRAGMENT, value);
    }

    /** Sets or clears More Fragments. */
    public void setMoreFragments(boolean value) {
        setFlag(MORE_FRAGMENTS, value);
    }

    /** Sets the fragment offset in bytes, a multiple of 8, keeping the flags. */
    public void setFragmentOffset(int bytes) {
        int index = offset + Field.FLAGS_FRAGMENT_OFFSET;
        buf.setShort(index, (buf.getUnsignedShort(index) & ~FRAGMENT_OFFSET) | (bytes / 8 & FRAGMENT_OFFSET));
    }

    /** Sets the flags and the fragment offset in bytes (a multiple of 8) at once, clearing the reserved bit. */
    public void setFragment(boolean dontFragment, boolean moreFragments, int fragmentOffsetBytes) {
        buf.setShort(offset + Field.FLAGS_FRAGMENT_OFFSET, (dontFragment ? DONT_FRAGMENT : 0)
                | (moreFragments ? MORE_FRAGMENTS : 0) | (fragmentOffsetBytes / 8 & FRAGMENT_OFFSET));
    }

    /** Sets the Time to Live. */
    public void setTtl(int value) {
        buf.setByte(offset + Field.TTL, value);
    }

    /** Sets the protocol. */
    public void setProtocol(int value) {
        buf.setByte(offset + Field.PROTOCOL, value);
    }

    /** Sets the Header Checksum field. */
    public void setHeaderChecksum(int value) {
        buf.setShort(offset + Field.HEADER_CHECKSUM, value);
    }

    /** Sets the source address. */
    public void setSourceBits(int bits) {
        buf.setInt(offset + Field.SRC_ADDR, bits);
    }

    /** Sets the destination address. */
    public void setDestinationBits(int bits) {
        buf.setInt(offset + Field.DST_ADDR, bits);
    }

    /**
     * Writes a 20-byte header without options at {@code offset} of {@code buf}, checksum included,
     * without making a view: what a stack's send path does for every packet. Not a fragment:
     * More Fragments clear, offset 0.
     */
    public static void writeHeader(ByteBuf buf, int offset, int totalLength, int identification, boolean dontFragment,
            int ttl, int protocol, int sourceBits, int destinationBits) {
        buf.setShort(offset + Field.VER_IHL, 0x45_00); // version 4, IHL 5; DSCP and ECN 0
        buf.setShort(offset + Field.TOTAL_LENGTH, totalLength);
        buf.setShort(offset + Field.IDENTIFICATION, identification);
        buf.setShort(offset + Field.FLAGS_FRAGMENT_OFFSET, dontFragment ? DONT_FRAGMENT : 0);
        buf.setByte(offset + Field.TTL, ttl);
        buf.setByte(offset + Field.PROTOCOL, protocol);
        buf.setShort(offset + Field.HEADER_CHECKSUM, 0);
        buf.setInt(offset + Field.SRC_ADDR, sourceBits);
        buf.setInt(offset + Field.DST_ADDR, destinationBits);
        buf.setShort(offset + Field.HEADER_CHECKSUM, Checksum.finish(Checksum.sum(buf, offset, HEADER_LENGTH, 0)));
    }

    /** Computes the header checksum over {@link #headerLength()} bytes and writes it. */
    public void fillChecksum() {
        setHeaderChecksum(0);
        setHeaderChecksum(Checksum.finish(Checksum.sum(buf, offset, headerLength(), 0)));
    }

    private void setFlag(int mask, boolean value) {
        int index = offset + Field.FLAGS_FRAGMENT_OFFSET;
        int field = buf.getUnsignedShort(index);
        buf.setShort(index, value ? field | mask : field & ~mask);
    }
}
