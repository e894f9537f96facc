package dev.pith.net.wire;

import io.netty.buffer.ByteBuf;

/**
 * The ICMP messages the stack speaks (RFC 792), read by an exhaustive {@code switch}. Messages
 * carry no bytes: their offsets are buffer indexes of the data, in the buffer parsed from, or in
 * the {@code source} buffer given to {@link #emit}.
 */
public sealed interface IcmpMessage
        permits IcmpMessage.EchoRequest, IcmpMessage.EchoReply, IcmpMessage.DestinationUnreachable,
        IcmpMessage.TimeExceeded {

    /**
     * Parses a checked message; returns null, counted as {@link dev.pith.net.DropReason#ICMP_IGNORED},
     * for a type the stack ignores (redirect, timestamp, ...). The checksum is the caller's
     * ({@link IcmpPacket#verifyChecksum()}, else {@link dev.pith.net.DropReason#ICMP_MALFORMED}).
     */
    static IcmpMessage parse(IcmpPacket packet) {
        return switch (packet.type()) {
            case IcmpPacket.ECHO_REQUEST -> new EchoRequest(packet.echoIdentifier(), packet.echoSequenceNumber(),
                    packet.dataOffset(), packet.dataLength());
            case IcmpPacket.ECHO_REPLY -> new EchoReply(packet.echoIdentifier(), packet.echoSequenceNumber(),
                    packet.dataOffset(), packet.dataLength());
            case IcmpPacket.DESTINATION_UNREACHABLE ->
                    new DestinationUnreachable(packet.code(), packet.dataOffset(), packet.dataLength());
            case IcmpPacket.TIME_EXCEEDED -> new TimeExceeded(packet.code(), packet.dataOffset(), packet.dataLength());
            default -> null;
        };
    }

    /** Returns the message's length: the 8-byte header and the data. */
    int bufferLength();

    /**
     * Writes this message, copying its data from {@code source} and filling the checksum, into a
     * view of exactly {@link #bufferLength()} bytes; the data may be the view's own bytes in place,
     * but must not otherwise overlap them.
     */
    void emit(IcmpPacket packet, ByteBuf source);

    /**
     * An echo request ("ping").
     *
     * @param identifier the Identifier
     * @param sequence the Sequence Number
     * @param dataOffset buffer index of the data
     * @param dataLength length of the data
     */
    record EchoRequest(int identifier, int sequence, int dataOffset, int dataLength) implements IcmpMessage {

        public EchoRequest {
            checkEcho(identifier, sequence, dataOffset, dataLength);
        }

        /** Returns the reply RFC 792 asks for: same identifier, sequence number and data. */
        public EchoReply reply() {
            return new EchoReply(identifier, sequence, dataOffset, dataLength);
        }

        @Override
        public int bufferLength() {
            return IcmpPacket.HEADER_LENGTH + dataLength;
        }

        @Override
        public void emit(IcmpPacket packet, ByteBuf source) {
            emitEcho(packet, IcmpPacket.ECHO_REQUEST, identifier, sequence, source, dataOffset, dataLength);
        }
    }

    /**
     * An echo reply.
     *
     * @param identifier the Identifier of the request
     * @param sequence the Sequence Number of the request
     * @param dataOffset buffer index of the data
     * @param dataLength length of the data
     */
    record EchoReply(int identifier, int sequence, int dataOffset, int dataLength) implements IcmpMessage {

        public EchoReply {
            checkEcho(identifier, sequence, dataOffset, dataLength);
        }

        @Override
        public int bufferLength() {
            return IcmpPacket.HEADER_LENGTH + dataLength;
        }

        @Override
        public void emit(IcmpPacket packet, ByteBuf source) {
            emitEcho(packet, IcmpPacket.ECHO_REPLY, identifier, sequence, source, dataOffset, dataLength);
        }
    }

    /**
     * A destination unreachable message, quoting the start of the datagram that could not be delivered.
     *
     * @param code why (see the constants)
     * @param originalOffset buffer index of the quoted IPv4 header
     * @param originalLength length of the quote: the IPv4 header and what follows of its payload
     */
    record DestinationUnreachable(int code, int originalOffset, int originalLength) implements IcmpMessage {

        /** Code: net unreachable. */
        public static final int NET_UNREACHABLE = 0;
        /** Code: host unreachable. */
        public static final int HOST_UNREACHABLE = 1;
        /** Code: protocol unreachable, sent for an unknown transport. */
        public static final int PROTOCOL_UNREACHABLE = 2;
        /** Code: port unreachable, sent for a UDP datagram no socket takes (RFC 1122 §4.1.3.1). */
        public static final int PORT_UNREACHABLE = 3;
        /** Code: fragmentation needed and DF set; the unused field then holds the next-hop MTU (RFC 1191 §4). */
        public static final int FRAGMENTATION_NEEDED = 4;

        public DestinationUnreachable {
            checkError(code, originalOffset, originalLength);
        }

        /** Returns the message about a checked datagram, quoting its header and first 8 payload bytes (RFC 792). */
        public static DestinationUnreachable quoting(int code, Ipv4Packet original) {
            return new DestinationUnreachable(code, original.offset(), quoteLength(original));
        }

        @Override
        public int bufferLength() {
            return IcmpPacket.HEADER_LENGTH + originalLength;
        }

        @Override
        public void emit(IcmpPacket packet, ByteBuf source) {
            emitError(packet, IcmpPacket.DESTINATION_UNREACHABLE, code, source, originalOffset, originalLength);
        }
    }

    /**
     * A time exceeded message, quoting the start of the datagram that was dropped.
     *
     * @param code why (see the constants)
     * @param originalOffset buffer index of the quoted IPv4 header
     * @param originalLength length of the quote: the IPv4 header and what follows of its payload
     */
    record TimeExceeded(int code, int originalOffset, int originalLength) implements IcmpMessage {

        /** Code: time to live exceeded in transit. */
        public static final int TTL_EXCEEDED = 0;
        /** Code: fragment reassembly time exceeded (RFC 792; RFC 1122 §3.3.2 says send it for fragment zero). */
        public static final int REASSEMBLY_TIME_EXCEEDED = 1;

        public TimeExceeded {
            checkError(code, originalOffset, originalLength);
        }

        /** Returns the message about a checked datagram, quoting its header and first 8 payload bytes (RFC 792). */
        public static TimeExceeded quoting(int code, Ipv4Packet original) {
            return new TimeExceeded(code, original.offset(), quoteLength(original));
        }

        @Override
        public int bufferLength() {
            return IcmpPacket.HEADER_LENGTH + originalLength;
        }

        @Override
        public void emit(IcmpPacket packet, ByteBuf source) {
            emitError(packet, IcmpPacket.TIME_EXCEEDED, code, source, originalOffset, originalLength);
        }
    }

    // Helpers for the records above; an interface's private methods keep them out of the API.

    private static void checkEcho(int identifier, int sequence, int dataOffset, int dataLength) {
        if ((identifier & ~0xFFFF) != 0 || (sequence & ~0xFFFF) != 0) {
            throw new IllegalArgumentException("identifier and sequence are 16 bits: " + identifier + ", " + sequence);
        }
        if (dataOffset < 0 || dataLength < 0) {
            throw new IllegalArgumentException("dataOffset < 0 or dataLength < 0: " + dataOffset + ", " + dataLength);
        }
    }

    private static void checkError(int code, int originalOffset, int originalLength) {
        if ((code & ~0xFF) != 0) {
            throw new IllegalArgumentException("code must be 0..255: " + code);
        }
        if (originalOffset < 0 || originalLength < 0) {
            throw new IllegalArgumentException(
                    "originalOffset < 0 or originalLength < 0: " + originalOffset + ", " + originalLength);
        }
    }

    /**
     * RFC 792 quotes "the internet header plus the first 64 bits of the original datagram's data".
     * RFC 1812 §4.3.2.3 lets routers quote up to 576 bytes; a host need not, and 8 bytes hold the
     * ports the sender needs to find its socket.
     */
    private static int quoteLength(Ipv4Packet original) {
        return original.headerLength() + Math.min(8, original.payloadLength());
    }

    private static void emitEcho(IcmpPacket packet, int type, int identifier, int sequence, ByteBuf source,
            int dataOffset, int dataLength) {
        packet.setType(type);
        packet.setCode(0);
        packet.setEchoIdentifier(identifier);
        packet.setEchoSequenceNumber(sequence);
        copy(packet, source, dataOffset, dataLength);
        packet.fillChecksum();
    }

    private static void emitError(IcmpPacket packet, int type, int code, ByteBuf source, int originalOffset,
            int originalLength) {
        packet.setType(type);
        packet.setCode(code);
        packet.clearUnused();
        copy(packet, source, originalOffset, originalLength);
        packet.fillChecksum();
    }

    private static void copy(IcmpPacket packet, ByteBuf source, int index, int length) {
        if (source != packet.buffer() || index != packet.dataOffset()) { // in place: nothing to copy
            packet.buffer().setBytes(packet.dataOffset(), source, index, length);
        }
    }
}
