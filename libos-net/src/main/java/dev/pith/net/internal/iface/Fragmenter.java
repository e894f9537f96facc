package dev.pith.net.internal.iface;

import dev.pith.net.DropReason;
import dev.pith.net.Ipv4Address;
import dev.pith.net.wire.Ipv4Packet;
import dev.pith.net.wire.Ipv4Repr;
import io.netty.buffer.ByteBuf;

/**
 * Splits an outgoing IPv4 datagram larger than the MTU into fragments (RFC 791 §3.2, "An Example
 * Fragmentation Procedure"): every fragment but the last carries a multiple of eight bytes, all
 * share one identification, and each goes out through the same next hop.
 */
final class Fragmenter {

    private Fragmenter() {}

    /** Sends the payload of {@code datagram} in fragments; takes ownership of it. Returns false if any fragment was dropped. */
    static boolean send(Interface iface, ByteBuf datagram, int source, int destination, int protocol) {
        try {
            int payloadStart = iface.ipv4PayloadOffset();
            int total = datagram.writerIndex() - payloadStart;
            if (total > 65535 - 20) {
                iface.countDrop(DropReason.IPV4_TOO_BIG);
                return false;
            }
            int nextHop = iface.nextHop(destination);
            if (nextHop == 0) {
                iface.countDrop(DropReason.IPV4_NO_ROUTE);
                return false;
            }
            int perFragment = iface.maxIpv4Payload() & ~7;
            int identification = iface.nextIdentification();
            Ipv4Address src = new Ipv4Address(source);
            Ipv4Address dst = new Ipv4Address(destination);
            for (int offset = 0; offset < total; offset += perFragment) {
                int length = Math.min(perFragment, total - offset);
                ByteBuf frame = iface.allocateIpv4();
                if (frame == null) {
                    return false;
                }
                frame.writeBytes(datagram, payloadStart + offset, length);
                Ipv4Packet header = Ipv4Packet.unchecked(frame, iface.linkHeader(), 20 + length);
                new Ipv4Repr(src, dst, protocol, length, 64, 0).emit(header, identification, false);
                header.setFragment(false, offset + length < total, offset);
                header.fillChecksum();
                if (!iface.sendToNextHop(frame, nextHop)) {
                    return false;
                }
            }
            return true;
        } finally {
            datagram.release();
        }
    }
}
