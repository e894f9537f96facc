package dev.pith.net.wire;

import io.netty.buffer.ByteBuf;
import io.netty.buffer.ByteBufUtil;
import io.netty.buffer.Unpooled;
import java.util.Arrays;
import java.util.HexFormat;

/** Packet literals and buffers for the wire tests. */
final class TestBytes {

    /** Bytes before a view in test buffers, so an offset ignored by a view shows. */
    static final int LEAD = 3;

    private TestBytes() {}

    /** Parses hex octets separated by white space; {@code #} starts a comment to the end of the line. */
    static byte[] hex(String text) {
        StringBuilder digits = new StringBuilder();
        for (String line : text.split("\n")) {
            int comment = line.indexOf('#');
            digits.append((comment < 0 ? line : line.substring(0, comment)).replaceAll("\\s", ""));
        }
        return HexFormat.of().parseHex(digits);
    }

    /**
     * Returns a heap buffer holding {@link #LEAD} junk bytes and then the first {@code length}
     * bytes of {@code packet}, with no capacity beyond them: a read outside the view throws.
     */
    static ByteBuf prefix(byte[] packet, int length) {
        byte[] bytes = new byte[LEAD + length];
        Arrays.fill(bytes, 0, LEAD, (byte) 0xEE);
        System.arraycopy(packet, 0, bytes, LEAD, length);
        return Unpooled.wrappedBuffer(bytes);
    }

    /** Returns {@code packet} at {@link #LEAD} in a buffer of exactly its size. */
    static ByteBuf buffer(byte[] packet) {
        return prefix(packet, packet.length);
    }

    /** Returns a buffer of {@code LEAD + length} stale bytes (0xA5), as a reused pool buffer holds. */
    static ByteBuf stale(int length) {
        byte[] bytes = new byte[LEAD + length];
        Arrays.fill(bytes, (byte) 0xA5);
        return Unpooled.wrappedBuffer(bytes);
    }

    /** Returns the {@code length} bytes at {@link #LEAD}. */
    static byte[] bytes(ByteBuf buf, int length) {
        return ByteBufUtil.getBytes(buf, LEAD, length);
    }

    /** Returns a copy of {@code packet} with bit {@code bit} flipped. */
    static byte[] flip(byte[] packet, int bit) {
        byte[] copy = packet.clone();
        copy[bit / 8] ^= (byte) (0x80 >>> (bit % 8));
        return copy;
    }
}
