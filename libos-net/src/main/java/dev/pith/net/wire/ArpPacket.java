package dev.pith.net.wire;

import dev.pith.core.device.MacAddress;
import dev.pith.net.DropReason;
import io.netty.buffer.ByteBuf;

/**
 * A view of an ARP packet for Ethernet and IPv4 (RFC 826): the only kind the stack speaks, so the
 * addresses sit at fixed offsets. Other hardware or protocol types pass {@link #checkLength()} if
 * long enough, and {@link ArpRepr#parse} refuses them. Operations are {@link ArpRepr#REQUEST} and
 * {@link ArpRepr#REPLY}.
 */
public final class ArpPacket {

    /** RFC 826 "Packet format", with hln = 6 and pln = 4. */
    private static final class Field {
        static final int HRD = 0;
        static final int PRO = 2;
        static final int HLN = 4;
        static final int PLN = 5;
        static final int OP = 6;
        static final int SHA = 8;
        static final int SPA = 14;
        static final int THA = 18;
        static final int TPA = 24;
        static final int END = 28;
    }

    /** Length of an Ethernet/IPv4 ARP packet. */
    public static final int LENGTH = Field.END;
    /** ar$hrd for Ethernet (IANA "Hardware Types"). */
    public static final int HARDWARE_ETHERNET = 1;

    private final ByteBuf buf;
    private final int offset;
    private final int length;

    private ArpPacket(ByteBuf buf, int offset, int length) {
        this.buf = buf;
        this.offset = offset;
        this.length = length;
    }

    /** Wraps the {@code length} bytes at {@code offset} without checking them. */
    public static ArpPacket unchecked(ByteBuf buf, int offset, int length) {
        return new ArpPacket(buf, offset, length);
    }

    /** Returns null if every accessor is safe, else {@link DropReason#ARP_MALFORMED}. */
    public DropReason checkLength() {
        return length < LENGTH ? DropReason.ARP_MALFORMED : null;
    }

    /** Returns the buffer this view reads. */
    public ByteBuf buffer() {
        return buf;
    }

    /** Returns the index of the packet's first byte in the buffer. */
    public int offset() {
        return offset;
    }

    /** Returns the view's length in bytes (Ethernet padding included). */
    public int length() {
        return length;
    }

    /** Returns the hardware type (ar$hrd). */
    public int hardwareType() {
        return buf.getUnsignedShort(offset + Field.HRD);
    }

    /** Returns the protocol type (ar$pro), an EtherType. */
    public int protocolType() {
        return buf.getUnsignedShort(offset + Field.PRO);
    }

    /** Returns the hardware address length (ar$hln). */
    public int hardwareLength() {
        return buf.getUnsignedByte(offset + Field.HLN);
    }

    /** Returns the protocol address length (ar$pln). */
    public int protocolLength() {
        return buf.getUnsignedByte(offset + Field.PLN);
    }

    /** Returns the operation (ar$op). */
    public int operation() {
        return buf.getUnsignedShort(offset + Field.OP);
    }

    /** Returns the sender's MAC address (ar$sha) as bits. */
    public long senderHardware() {
        return MacAddress.readBits(buf, offset + Field.SHA);
    }

    /** Returns the sender's IPv4 address (ar$spa) as bits. */
    public int senderProtocolBits() {
        return buf.getInt(offset + Field.SPA);
    }

    /** Returns the target's MAC address (ar$tha) as bits. */
    public long targetHardware() {
        return MacAddress.readBits(buf, offset + Field.THA);
    }

    /** Returns the target's IPv4 address (ar$tpa) as bits. */
    public int targetProtocolBits() {
        return buf.getInt(offset + Field.TPA);
    }

    /** Sets the hardware type. */
    public void setHardwareType(int value) {
        buf.setShort(offset + Field.HRD, value);
    }

    /** Sets the protocol type. */
    public void setProtocolType(int value) {
        buf.setShort(offset + Field.PRO, value);
    }

    /** Sets the hardware address length. */
    public void setHardwareLength(int value) {
        buf.setByte(offset + Field.HLN, value);
    }

    /** Sets the protocol address length. */
    public void setProtocolLength(int value) {
        buf.setByte(offset + Field.PLN, value);
    }

    /** Sets the operation. */
    public void setOperation(int value) {
        buf.setShort(offset + Field.OP, value);
    }

    /** Sets the sender's MAC address. */
    public void setSenderHardware(long bits) {
        EthernetFrame.writeMac(buf, offset + Field.SHA, bits);
    }

    /** Sets the sender's IPv4 address. */
    public void setSenderProtocolBits(int bits) {
        buf.setInt(offset + Field.SPA, bits);
    }

    /** Sets the target's MAC address. */
    public void setTargetHardware(long bits) {
        EthernetFrame.writeMac(buf, offset + Field.THA, bits);
    }

    /** Sets the target's IPv4 address. */
    public void setTargetProtocolBits(int bits) {
        buf.setInt(offset + Field.TPA, bits);
    }
}
