package dev.pith.net.internal.tcp;

import dev.pith.net.wire.TcpOptions;
import dev.pith.net.wire.TcpPacket;
import io.netty.buffer.ByteBuf;

/**
 * An incoming segment as the state machine reads it: the header fields, its options and where its
 * payload sits. One instance is reused for every segment, so the receive path allocates nothing;
 * it is valid only during the call that handles the segment.
 */
final class Segment {

    int sourceAddress;
    int destinationAddress;
    int sourcePort;
    int destinationPort;
    int seq;
    int ack;
    int flags;
    /** The window field as sent, before scaling. */
    int window;
    ByteBuf buffer;
    int payloadOffset;
    int payloadLength;
    final TcpOptions options = new TcpOptions();

    boolean syn() {
        return (flags & TcpPacket.SYN) != 0;
    }

    boolean fin() {
        return (flags & TcpPacket.FIN) != 0;
    }

    boolean rst() {
        return (flags & TcpPacket.RST) != 0;
    }

    boolean hasAck() {
        return (flags & TcpPacket.ACK) != 0;
    }

    /** SEG.LEN of RFC 9293: payload bytes plus one for SYN and one for FIN. */
    int length() {
        return payloadLength + (syn() ? 1 : 0) + (fin() ? 1 : 0);
    }

    /** Drops {@code n} bytes from the front of the segment (already received): SYN first, then payload. */
    void trimFront(int n) {
        if (n <= 0) {
            return;
        }
        if (syn()) {
            flags &= ~TcpPacket.SYN;
            seq++;
            n--;
        }
        int fromPayload = Math.min(n, payloadLength);
        payloadOffset += fromPayload;
        payloadLength -= fromPayload;
        seq += fromPayload;
        n -= fromPayload;
        if (n > 0 && fin()) {
            flags &= ~TcpPacket.FIN;
            seq++;
        }
    }

    /** Keeps at most {@code n} of the segment's sequence space (what fits the window): FIN goes first, then payload. */
    void trimBack(int n) {
        int excess = length() - n;
        if (excess <= 0) {
            return;
        }
        if (fin()) {
            flags &= ~TcpPacket.FIN;
            excess--;
        }
        payloadLength -= Math.min(excess, payloadLength);
    }
}
