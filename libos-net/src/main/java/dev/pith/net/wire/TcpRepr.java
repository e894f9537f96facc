package dev.pith.net.wire;

import io.netty.buffer.ByteBuf;
import java.util.Arrays;
import java.util.Objects;

/**
 * A whole TCP header, options included, for emission and tests; the receive path reads
 * {@link TcpPacket} and {@link TcpOptions} without allocating. Options are laid out as Linux lays
 * them out ({@code tcp_options_write}), each group padded to 32 bits: MSS; then timestamps as
 * "SACKOK TS" or "NOP NOP TS"; SACK-permitted alone as "NOP NOP SACKOK"; window scale as
 * "NOP WS"; SACK blocks as "NOP NOP SACK".
 *
 * @param sourcePort the source port
 * @param destinationPort the destination port
 * @param sequence the Sequence Number, raw 32 bits
 * @param acknowledgement the Acknowledgment Number, raw 32 bits
 * @param flags the flag bits ({@link TcpPacket#SYN}, ...)
 * @param window the Window field, unscaled
 * @param mss the MSS option, or -1 for none
 * @param windowScale the window scale option's shift, 0..14, or -1 for none
 * @param sackPermitted whether to send SACK-permitted
 * @param sackBlocks up to 4 SACK blocks (3 with timestamps), each packed by {@link #sackBlock}
 * @param timestamps whether to send timestamps
 * @param tsVal TSval, raw 32 bits
 * @param tsEcr TSecr, raw 32 bits
 * @param payloadLength the payload's length in bytes
 */
public record TcpRepr(int sourcePort, int destinationPort, int sequence, int acknowledgement, int flags, int window,
        int mss, int windowScale, boolean sackPermitted, long[] sackBlocks, boolean timestamps, int tsVal, int tsEcr,
        int payloadLength) {

    private static final int MAX_OPTIONS_LENGTH = TcpPacket.MAX_HEADER_LENGTH - TcpPacket.HEADER_LENGTH;
    private static final int NOP_NOP = TcpOptions.Kind.NOP << 8 | TcpOptions.Kind.NOP;

    public TcpRepr {
        checkUnsigned16("sourcePort", sourcePort);
        checkUnsigned16("destinationPort", destinationPort);
        checkUnsigned16("window", window);
        if ((flags & ~0xFF) != 0) {
            throw new IllegalArgumentException("flags must be 0..255: " + flags);
        }
        if (mss < -1 || mss > 0xFFFF) {
            throw new IllegalArgumentException("mss must be -1 or 0..65535: " + mss);
        }
        if (windowScale < -1 || windowScale > TcpOptions.MAX_WINDOW_SCALE) {
            throw new IllegalArgumentException("windowScale must be -1 or 0..14: " + windowScale);
        }
        sackBlocks = sackBlocks == null ? new long[0] : sackBlocks.clone();
        if (sackBlocks.length > TcpOptions.MAX_SACK_BLOCKS) {
            throw new IllegalArgumentException("at most 4 SACK blocks: " + sackBlocks.length);
        }
        if (payloadLength < 0) {
            throw new IllegalArgumentException("payloadLength < 0: " + payloadLength);
        }
        int optionsLength = optionsLength(mss, windowScale, sackPermitted, sackBlocks.length, timestamps);
        if (optionsLength > MAX_OPTIONS_LENGTH) {
            throw new IllegalArgumentException("options need " + optionsLength + " bytes > 40");
        }
    }

    /** Returns a SACK block as {@link #sackBlocks} holds it: left edge in the high 32 bits, right edge in the low. */
    public static long sackBlock(int left, int right) {
        return (long) left << 32 | (right & 0xFFFF_FFFFL);
    }

    /**
     * Parses a checked segment, reading its options into {@code scratch}; returns null, counted as
     * {@link dev.pith.net.DropReason#TCP_MALFORMED}, if the options are malformed or do not fit 40
     * bytes in the layout above, or if either port is 0. The checksum is the caller's ({@link TcpPacket#verifyChecksum}).
     */
    public static TcpRepr parse(TcpPacket packet, TcpOptions scratch) {
        if (!scratch.parse(packet) || packet.sourcePort() == 0 || packet.destinationPort() == 0) {
            return null;
        }
        long[] blocks = new long[scratch.sackBlockCount];
        for (int i = 0; i < blocks.length; i++) {
            blocks[i] = sackBlock(scratch.sackLeft(i), scratch.sackRight(i));
        }
        int mss = scratch.mss;
        int windowScale = scratch.windowScale;
        boolean sackPermitted = scratch.sackPermitted;
        boolean timestamps = scratch.hasTimestamps;
        if (optionsLength(mss, windowScale, sackPermitted, blocks.length, timestamps) > MAX_OPTIONS_LENGTH) {
            return null; // packed tighter than our NOP-aligned layout allows (SACKOK, WS and 4 SACK blocks at once)
        }
        return new TcpRepr(packet.sourcePort(), packet.destinationPort(), packet.sequenceNumber(),
                packet.acknowledgementNumber(), packet.flags(), packet.windowLength(), mss, windowScale,
                sackPermitted, blocks, timestamps, scratch.tsVal, scratch.tsEcr, packet.payloadLength());
    }

    /** Returns a copy of the SACK blocks. */
    @Override
    public long[] sackBlocks() {
        return sackBlocks.clone();
    }

    /** Returns the header's length: 20 bytes and the options, padded to 32 bits. */
    public int headerLength() {
        return TcpPacket.HEADER_LENGTH + optionsLength(mss, windowScale, sackPermitted, sackBlocks.length, timestamps);
    }

    /** Returns the segment's length: header and payload. */
    public int bufferLength() {
        return headerLength() + payloadLength;
    }

    /**
     * Writes the header and options with a zero checksum and urgent pointer; write the payload,
     * then call {@link TcpPacket#fillChecksum}.
     */
    public void emit(TcpPacket packet) {
        packet.setSourcePort(sourcePort);
        packet.setDestinationPort(destinationPort);
        packet.setSequenceNumber(sequence);
        packet.setAcknowledgementNumber(acknowledgement);
        packet.setHeaderLength(headerLength());
        packet.setFlags(flags);
        packet.setWindowLength(window);
        packet.setChecksum(0);
        packet.setUrgentPointer(0);
        ByteBuf buf = packet.buffer();
        int i = packet.optionsOffset();
        if (mss >= 0) {
            buf.setShort(i, TcpOptions.Kind.MSS << 8 | TcpOptions.Length.MSS);
            buf.setShort(i + 2, mss);
            i += 4;
        }
        if (timestamps) {
            buf.setShort(i, sackPermitted
                    ? TcpOptions.Kind.SACK_PERMITTED << 8 | TcpOptions.Length.SACK_PERMITTED
                    : NOP_NOP);
            buf.setShort(i + 2, TcpOptions.Kind.TIMESTAMPS << 8 | TcpOptions.Length.TIMESTAMPS);
            buf.setInt(i + 4, tsVal);
            buf.setInt(i + 8, tsEcr);
            i += 12;
        } else if (sackPermitted) {
            buf.setShort(i, NOP_NOP);
            buf.setShort(i + 2, TcpOptions.Kind.SACK_PERMITTED << 8 | TcpOptions.Length.SACK_PERMITTED);
            i += 4;
        }
        if (windowScale >= 0) {
            buf.setByte(i, TcpOptions.Kind.NOP);
            buf.setByte(i + 1, TcpOptions.Kind.WINDOW_SCALE);
            buf.setByte(i + 2, TcpOptions.Length.WINDOW_SCALE);
            buf.setByte(i + 3, windowScale);
            i += 4;
        }
        if (sackBlocks.length > 0) {
            buf.setShort(i, NOP_NOP);
            buf.setByte(i + 2, TcpOptions.Kind.SACK);
            buf.setByte(i + 3, TcpOptions.Length.SACK_BASE + sackBlocks.length * TcpOptions.Length.SACK_BLOCK);
            i += 4;
            for (long block : sackBlocks) {
                buf.setLong(i, block);
                i += 8;
            }
        }
    }

    @Override
    public boolean equals(Object other) {
        return other instanceof TcpRepr that
                && sourcePort == that.sourcePort && destinationPort == that.destinationPort
                && sequence == that.sequence && acknowledgement == that.acknowledgement && flags == that.flags
                && window == that.window && mss == that.mss && windowScale == that.windowScale
                && sackPermitted == that.sackPermitted && Arrays.equals(sackBlocks, that.sackBlocks)
                && timestamps == that.timestamps && tsVal == that.tsVal && tsEcr == that.tsEcr
                && payloadLength == that.payloadLength;
    }

    @Override
    public int hashCode() {
        return Objects.hash(sourcePort, destinationPort, sequence, acknowledgement, flags, window, mss, windowScale,
                sackPermitted, Arrays.hashCode(sackBlocks), timestamps, tsVal, tsEcr, payloadLength);
    }

    @Override
    public String toString() {
        StringBuilder blocks = new StringBuilder("[");
        for (long block : sackBlocks) {
            blocks.append(blocks.length() > 1 ? ", " : "")
                    .append(Integer.toUnsignedString((int) (block >>> 32))).append('-')
                    .append(Integer.toUnsignedString((int) block));
        }
        return "TcpRepr[sourcePort=" + sourcePort + ", destinationPort=" + destinationPort
                + ", sequence=" + Integer.toUnsignedString(sequence)
                + ", acknowledgement=" + Integer.toUnsignedString(acknowledgement)
                + ", flags=0x" + Integer.toHexString(flags) + ", window=" + window + ", mss=" + mss
                + ", windowScale=" + windowScale + ", sackPermitted=" + sackPermitted + ", sackBlocks=" + blocks
                + "], timestamps=" + timestamps + ", tsVal=" + Integer.toUnsignedString(tsVal)
                + ", tsEcr=" + Integer.toUnsignedString(tsEcr) + ", payloadLength=" + payloadLength + "]";
    }

    /** Bytes of options in the Linux layout above, always a multiple of 4. */
    private static int optionsLength(int mss, int windowScale, boolean sackPermitted, int sackBlocks,
            boolean timestamps) {
        int length = 0;
        if (mss >= 0) {
            length += 4;
        }
        if (timestamps) {
            length += 12; // SACKOK or NOP NOP, then TS
        } else if (sackPermitted) {
            length += 4;
        }
        if (windowScale >= 0) {
            length += 4;
        }
        if (sackBlocks > 0) {
            length += 4 + 8 * sackBlocks;
        }
        return length;
    }

    private static void checkUnsigned16(String name, int value) {
        if ((value & ~0xFFFF) != 0) {
            throw new IllegalArgumentException(name + " must be 0..65535: " + value);
        }
    }
}
