package dev.pith.net.wire;

import io.netty.buffer.ByteBuf;

/**
 * The TCP options the stack uses, parsed without allocating into a holder the caller owns and
 * reuses: one per event loop, {@link #parse} per segment. The fields are public so the receive
 * path reads them as plainly as a C struct; only {@link #parse} and {@link #clear} should write
 * them. Absent numbers read -1; timestamps and SACK edges are raw 32 bits.
 *
 * <p>Understood: MSS (RFC 9293 §3.2), window scale and timestamps (RFC 7323), SACK-permitted and
 * SACK (RFC 2018). Others (MD5 signature, TCP-AO, MPTCP, Fast Open, ...) are skipped by their
 * length. A malformed list is refused whole; a repeated option overwrites the earlier one.
 */
public final class TcpOptions {

    /** Option kinds (IANA "TCP Option Kind Numbers"). */
    static final class Kind {
        static final int END = 0;
        static final int NOP = 1;
        static final int MSS = 2;
        static final int WINDOW_SCALE = 3;
        static final int SACK_PERMITTED = 4;
        static final int SACK = 5;
        static final int TIMESTAMPS = 8;
    }

    /** Option lengths, kind and length octets included. */
    static final class Length {
        static final int MSS = 4;
        static final int WINDOW_SCALE = 3;
        static final int SACK_PERMITTED = 2;
        static final int SACK_BASE = 2;
        static final int SACK_BLOCK = 8;
        static final int TIMESTAMPS = 10;
    }

    /** Largest shift a receiver uses: "MUST use 14 instead of the specified value" (RFC 7323 §2.3). */
    public static final int MAX_WINDOW_SCALE = 14;
    /** Most SACK blocks 40 bytes of options can hold (RFC 2018 §3). */
    public static final int MAX_SACK_BLOCKS = 4;

    /** Maximum segment size, or -1 if absent. */
    public int mss;
    /** Window shift, at most 14, or -1 if absent. */
    public int windowScale;
    /** Whether SACK-permitted was present. */
    public boolean sackPermitted;
    /** Whether timestamps were present. */
    public boolean hasTimestamps;
    /** TSval, raw 32 bits; 0 unless {@link #hasTimestamps}. */
    public int tsVal;
    /** TSecr, raw 32 bits; 0 unless {@link #hasTimestamps}. */
    public int tsEcr;
    /** Number of SACK blocks, 0 to 4; read them with {@link #sackLeft} and {@link #sackRight}. */
    public int sackBlockCount;
    /** Left and right edges of block i at 2i and 2i + 1. */
    private final int[] sackEdges = new int[2 * MAX_SACK_BLOCKS];

    /** Creates a holder with every option absent. */
    public TcpOptions() {
        clear();
    }

    /** Marks every option absent. */
    public void clear() {
        mss = -1;
        windowScale = -1;
        sackPermitted = false;
        hasTimestamps = false;
        tsVal = 0;
        tsEcr = 0;
        sackBlockCount = 0;
    }

    /**
     * Reads the options of a checked segment; returns false, counted as
     * {@link dev.pith.net.DropReason#TCP_MALFORMED}, if they are malformed, leaving this holder clear.
     */
    public boolean parse(TcpPacket packet) {
        return parse(packet.buffer(), packet.optionsOffset(), packet.optionsLength());
    }

    /** Reads the {@code length} bytes of options at {@code index}; see {@link #parse(TcpPacket)}. */
    boolean parse(ByteBuf buf, int index, int length) {
        clear();
        int end = index + length;
        int i = index;
        while (i < end) {
            int kind = buf.getUnsignedByte(i);
            if (kind == Kind.END) {
                return true; // RFC 9293 §3.2: End of Option List; the rest is padding
            }
            if (kind == Kind.NOP) {
                i++;
                continue;
            }
            if (end - i < 2) {
                return refuse(); // no room for the length octet
            }
            int optionLength = buf.getUnsignedByte(i + 1);
            if (optionLength < 2 || optionLength > end - i) {
                return refuse(); // an illegal length (RFC 9293 §3.2 MUST-7): below kind + length octets, or past the header
            }
            if (!read(buf, i, kind, optionLength)) {
                return refuse();
            }
            i += optionLength;
        }
        return true;
    }

    /** Reads one option of a known-safe length; returns false if its length is wrong for its kind. */
    private boolean read(ByteBuf buf, int i, int kind, int optionLength) {
        switch (kind) {
            case Kind.MSS -> {
                if (optionLength != Length.MSS) {
                    return false;
                }
                mss = buf.getUnsignedShort(i + 2);
            }
            case Kind.WINDOW_SCALE -> {
                if (optionLength != Length.WINDOW_SCALE) {
                    return false;
                }
                windowScale = Math.min(buf.getUnsignedByte(i + 2), MAX_WINDOW_SCALE);
            }
            case Kind.SACK_PERMITTED -> {
                if (optionLength != Length.SACK_PERMITTED) {
                    return false;
                }
                sackPermitted = true;
            }
            case Kind.SACK -> {
                int blocks = (optionLength - Length.SACK_BASE) / Length.SACK_BLOCK;
                if (blocks < 1 || optionLength != Length.SACK_BASE + blocks * Length.SACK_BLOCK) {
                    return false; // RFC 2018 §3: length 2 + 8n; n <= 4 since the header has 40 bytes of options
                }
                for (int b = 0; b < blocks; b++) {
                    int at = i + Length.SACK_BASE + b * Length.SACK_BLOCK;
                    sackEdges[2 * b] = buf.getInt(at);
                    sackEdges[2 * b + 1] = buf.getInt(at + 4);
                }
                sackBlockCount = blocks;
            }
            case Kind.TIMESTAMPS -> {
                if (optionLength != Length.TIMESTAMPS) {
                    return false;
                }
                hasTimestamps = true;
                tsVal = buf.getInt(i + 2);
                tsEcr = buf.getInt(i + 6);
            }
            default -> {
                // Not implemented: "ignore without error" by its length (RFC 9293 §3.2 MUST-6)
            }
        }
        return true;
    }

    private boolean refuse() {
        clear();
        return false;
    }

    /** Returns the left edge of SACK block {@code i}, raw 32 bits. */
    public int sackLeft(int i) {
        return sackEdges[2 * checkBlock(i)];
    }

    /** Returns the right edge of SACK block {@code i}, raw 32 bits. */
    public int sackRight(int i) {
        return sackEdges[2 * checkBlock(i) + 1];
    }

    private int checkBlock(int i) {
        if (i < 0 || i >= sackBlockCount) {
            throw new IndexOutOfBoundsException("SACK block " + i + " of " + sackBlockCount);
        }
        return i;
    }
}
