package dev.pith.net.wire;

import dev.pith.core.device.MacAddress;
import dev.pith.net.DropReason;
import io.netty.buffer.ByteBuf;

/**
 * A view of an Ethernet II frame: destination, source, EtherType, payload. The frame check
 * sequence is not part of it (devices strip it), and an 802.1Q tag is not parsed: its frame shows
 * {@link EtherType#VLAN}. See the package documentation for the checked-construction contract.
 */
public final class EthernetFrame {

    /** IEEE 802.3 §3.1.1 figure 3-1, without the preamble and the frame check sequence. */
    private static final class Field {
        static final int DESTINATION = 0;
        static final int SOURCE = 6;
        static final int ETHER_TYPE = 12;
        static final int PAYLOAD = 14;
    }

    /** Length of the header: two addresses and the EtherType. */
    public static final int HEADER_LENGTH = Field.PAYLOAD;

    private final ByteBuf buf;
    private final int offset;
    private final int length;

    private EthernetFrame(ByteBuf buf, int offset, int length) {
        this.buf = buf;
        this.offset = offset;
        this.length = length;
    }

    /** Wraps the {@code length} bytes at {@code offset} without checking them. */
    public static EthernetFrame unchecked(ByteBuf buf, int offset, int length) {
        return new EthernetFrame(buf, offset, length);
    }

    /** Returns null if every accessor is safe, else {@link DropReason#ETHERNET_TRUNCATED}. */
    public DropReason checkLength() {
        return length < HEADER_LENGTH ? DropReason.ETHERNET_TRUNCATED : null;
    }

    /** Returns the buffer this view reads. */
    public ByteBuf buffer() {
        return buf;
    }

    /** Returns the index of the frame's first byte in the buffer. */
    public int offset() {
        return offset;
    }

    /** Returns the frame's length in bytes, header included. */
    public int length() {
        return length;
    }

    /** Returns the destination MAC address as bits. */
    public long destination() {
        return MacAddress.readBits(buf, offset + Field.DESTINATION);
    }

    /** Returns the source MAC address as bits. */
    public long source() {
        return MacAddress.readBits(buf, offset + Field.SOURCE);
    }

    /** Returns the EtherType. */
    public int etherType() {
        return buf.getUnsignedShort(offset + Field.ETHER_TYPE);
    }

    /** Returns the buffer index of the payload. */
    public int payloadOffset() {
        return offset + Field.PAYLOAD;
    }

    /** Returns the payload's length, including any padding to the 60-byte minimum frame. */
    public int payloadLength() {
        return length - Field.PAYLOAD;
    }

    /** Sets the destination MAC address. */
    public void setDestination(long bits) {
        writeMac(buf, offset + Field.DESTINATION, bits);
    }

    /** Sets the source MAC address. */
    public void setSource(long bits) {
        writeMac(buf, offset + Field.SOURCE, bits);
    }

    /** Sets the EtherType. */
    public void setEtherType(int etherType) {
        buf.setShort(offset + Field.ETHER_TYPE, etherType);
    }

    /** Writes a MAC address's six octets at {@code index}, for every view that carries one. */
    static void writeMac(ByteBuf buf, int index, long bits) {
        buf.setShort(index, (int) (bits >>> 32));
        buf.setInt(index + 2, (int) bits);
    }
}
