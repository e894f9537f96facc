package dev.pith.net.wire;

import dev.pith.core.device.MacAddress;
import dev.pith.net.DropReason;
import io.netty.buffer.ByteBuf;

/**
 * A view of a DHCP message (RFC 2131 §2), a UDP payload: the fixed BOOTP fields, the magic
 * cookie, then options (RFC 2132), read by {@link DhcpRepr#parse}. Field names are the RFC's.
 */
public final class DhcpMessage {

    /** RFC 2131 §2 figure 1 "Format of a DHCP message", and §3 for the magic cookie. */
    private static final class Field {
        static final int OP = 0;
        static final int HTYPE = 1;
        static final int HLEN = 2;
        static final int HOPS = 3;
        static final int XID = 4;
        static final int SECS = 8;
        static final int FLAGS = 10;
        static final int CIADDR = 12;
        static final int YIADDR = 16;
        static final int SIADDR = 20;
        static final int GIADDR = 24;
        static final int CHADDR = 28; // 16 octets
        static final int SNAME = 44; // 64 octets
        static final int FILE = 108; // 128 octets
        static final int MAGIC_COOKIE = 236;
        static final int OPTIONS = 240;
    }

    /** Length of the fixed fields and the magic cookie: the shortest message. */
    public static final int HEADER_LENGTH = Field.OPTIONS;
    /** Shortest BOOTP message relays accept (RFC 1542 §2.1); the stack pads to it. */
    public static final int MIN_LENGTH = 300;
    /** The magic cookie, 99.130.83.99 (RFC 2131 §3). */
    public static final int MAGIC_COOKIE = 0x6382_5363;
    /** op of a message from a client. */
    public static final int BOOTREQUEST = 1;
    /** op of a message from a server. */
    public static final int BOOTREPLY = 2;
    /** htype for Ethernet. */
    public static final int HTYPE_ETHERNET = 1;
    /** The broadcast bit of flags (RFC 2131 §2 figure 2). */
    public static final int FLAG_BROADCAST = 0x8000;
    /** The port servers listen on (RFC 2131 §4.1). */
    public static final int SERVER_PORT = 67;
    /** The port clients listen on. */
    public static final int CLIENT_PORT = 68;

    private final ByteBuf buf;
    private final int offset;
    private final int length;

    private DhcpMessage(ByteBuf buf, int offset, int length) {
        this.buf = buf;
        this.offset = offset;
        this.length = length;
    }

    /** Wraps the {@code length} bytes at {@code offset} (a UDP payload) without checking them. */
    public static DhcpMessage unchecked(ByteBuf buf, int offset, int length) {
        return new DhcpMessage(buf, offset, length);
    }

    /** Returns null if every accessor is safe, else {@link DropReason#DHCP_REJECTED}: shorter than 240 bytes. */
    public DropReason checkLength() {
        return length < HEADER_LENGTH ? DropReason.DHCP_REJECTED : null;
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

    /** Returns op: {@link #BOOTREQUEST} or {@link #BOOTREPLY}. */
    public int op() {
        return buf.getUnsignedByte(offset + Field.OP);
    }

    /** Returns htype, the hardware address type. */
    public int htype() {
        return buf.getUnsignedByte(offset + Field.HTYPE);
    }

    /** Returns hlen, the hardware address length. */
    public int hlen() {
        return buf.getUnsignedByte(offset + Field.HLEN);
    }

    /** Returns hops, set by relay agents. */
    public int hops() {
        return buf.getUnsignedByte(offset + Field.HOPS);
    }

    /** Returns xid, the transaction ID. */
    public int xid() {
        return buf.getInt(offset + Field.XID);
    }

    /** Returns secs, seconds since the client began. */
    public int secs() {
        return buf.getUnsignedShort(offset + Field.SECS);
    }

    /** Returns the flags field. */
    public int flags() {
        return buf.getUnsignedShort(offset + Field.FLAGS);
    }

    /** Returns whether the client asks for broadcast replies. */
    public boolean broadcast() {
        return (flags() & FLAG_BROADCAST) != 0;
    }

    /** Returns ciaddr, the client's address if it has one, as bits. */
    public int ciaddrBits() {
        return buf.getInt(offset + Field.CIADDR);
    }

    /** Returns yiaddr, "your" (the client's offered) address, as bits. */
    public int yiaddrBits() {
        return buf.getInt(offset + Field.YIADDR);
    }

    /** Returns siaddr, the next server to use in bootstrap, as bits. */
    public int siaddrBits() {
        return buf.getInt(offset + Field.SIADDR);
    }

    /** Returns giaddr, the relay agent's address, as bits. */
    public int giaddrBits() {
        return buf.getInt(offset + Field.GIADDR);
    }

    /** Returns the first six octets of chaddr, an Ethernet client's MAC address, as bits. */
    public long chaddr() {
        return MacAddress.readBits(buf, offset + Field.CHADDR);
    }

    /** Returns the magic cookie field. */
    public int magicCookie() {
        return buf.getInt(offset + Field.MAGIC_COOKIE);
    }

    /** Returns the buffer index of the options. */
    public int optionsOffset() {
        return offset + Field.OPTIONS;
    }

    /** Returns the length of the options, up to the message's end. */
    public int optionsLength() {
        return length - Field.OPTIONS;
    }

    /** Sets op. */
    public void setOp(int value) {
        buf.setByte(offset + Field.OP, value);
    }

    /** Sets htype. */
    public void setHtype(int value) {
        buf.setByte(offset + Field.HTYPE, value);
    }

    /** Sets hlen. */
    public void setHlen(int value) {
        buf.setByte(offset + Field.HLEN, value);
    }

    /** Sets hops. */
    public void setHops(int value) {
        buf.setByte(offset + Field.HOPS, value);
    }

    /** Sets xid. */
    public void setXid(int value) {
        buf.setInt(offset + Field.XID, value);
    }

    /** Sets secs. */
    public void setSecs(int value) {
        buf.setShort(offset + Field.SECS, value);
    }

    /** Sets the flags field. */
    public void setFlags(int value) {
        buf.setShort(offset + Field.FLAGS, value);
    }

    /** Sets ciaddr. */
    public void setCiaddrBits(int bits) {
        buf.setInt(offset + Field.CIADDR, bits);
    }

    /** Sets yiaddr. */
    public void setYiaddrBits(int bits) {
        buf.setInt(offset + Field.YIADDR, bits);
    }

    /** Sets siaddr. */
    public void setSiaddrBits(int bits) {
        buf.setInt(offset + Field.SIADDR, bits);
    }

    /** Sets giaddr. */
    public void setGiaddrBits(int bits) {
        buf.setInt(offset + Field.GIADDR, bits);
    }

    /** Sets chaddr to a MAC address followed by ten zero octets. */
    public void setChaddr(long bits) {
        EthernetFrame.writeMac(buf, offset + Field.CHADDR, bits);
        buf.setZero(offset + Field.CHADDR + 6, Field.SNAME - Field.CHADDR - 6);
    }

    /** Sets the magic cookie field. */
    public void setMagicCookie(int value) {
        buf.setInt(offset + Field.MAGIC_COOKIE, value);
    }

    /** Zeroes sname and file, which the stack neither reads nor uses for options. */
    void clearSnameAndFile() {
        buf.setZero(offset + Field.SNAME, Field.MAGIC_COOKIE - Field.SNAME);
    }
}
