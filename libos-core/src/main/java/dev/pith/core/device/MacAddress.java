package dev.pith.core.device;

import io.netty.buffer.ByteBuf;
import java.util.HexFormat;

/**
 * A 48-bit IEEE 802 MAC address, held in the low 48 bits of a long.
 *
 * @param bits the address, first octet in bits 47..40
 */
public record MacAddress(long bits) {

    /** ff:ff:ff:ff:ff:ff. */
    public static final MacAddress BROADCAST = new MacAddress(0xFFFF_FFFF_FFFFL);
    /** 00:00:00:00:00:00, the "unknown" target of an ARP request. */
    public static final MacAddress ZERO = new MacAddress(0);

    public MacAddress {
        if ((bits & ~0xFFFF_FFFF_FFFFL) != 0) {
            throw new IllegalArgumentException("a MAC address has 48 bits: 0x" + Long.toHexString(bits));
        }
    }

    /** Parses {@code aa:bb:cc:dd:ee:ff} (or with dashes); throws IllegalArgumentException naming the text otherwise. */
    public static MacAddress parse(String text) {
        String[] parts = text.split("[:-]", -1);
        if (parts.length != 6) {
            throw new IllegalArgumentException("not a MAC address (want six hex octets like 02:00:00:00:00:01): " + text);
        }
        long bits = 0;
        for (String part : parts) {
            if (part.length() != 2 || !HexFormat.isHexDigit(part.charAt(0)) || !HexFormat.isHexDigit(part.charAt(1))) {
                throw new IllegalArgumentException("not a MAC address (bad octet '" + part + "'): " + text);
            }
            bits = bits << 8 | HexFormat.fromHexDigits(part);
        }
        return new MacAddress(bits);
    }

    /** Returns a locally administered unicast address (02:xx:...) with the given low 40 bits. */
    public static MacAddress local(long low40) {
        return new MacAddress(0x02_00_0000_0000L | (low40 & 0xFF_FFFF_FFFFL));
    }

    /** Reads six octets at {@code index} without moving the buffer's indices. */
    public static MacAddress read(ByteBuf buf, int index) {
        return new MacAddress(readBits(buf, index));
    }

    /** Reads six octets at {@code index} as bits, without allocating. */
    public static long readBits(ByteBuf buf, int index) {
        return (long) buf.getUnsignedShort(index) << 32 | buf.getUnsignedInt(index + 2);
    }

    /** Writes the six octets at {@code index} without moving the buffer's indices. */
    public void write(ByteBuf buf, int index) {
        buf.setShort(index, (int) (bits >>> 32));
        buf.setInt(index + 2, (int) bits);
    }

    /** Returns whether the group bit is set (multicast or broadcast). */
    public boolean isMulticast() {
        return (bits & 0x0100_0000_0000L) != 0;
    }

    /** Returns whether this is the broadcast address. */
    public boolean isBroadcast() {
        return bits == BROADCAST.bits;
    }

    @Override
    public String toString() {
        StringBuilder s = new StringBuilder(17);
        for (int shift = 40; shift >= 0; shift -= 8) {
            s.append(HexFormat.of().toHexDigits((byte) (bits >>> shift)));
            if (shift > 0) {
                s.append(':');
            }
        }
        return s.toString();
    }
}
