package dev.pith.net.gateway;

import dev.pith.net.Endpoint;
import dev.pith.net.Ipv4Address;
import dev.pith.net.internal.udp.UdpLayer;
import dev.pith.net.udp.UdpSocket;
import dev.pith.net.wire.DhcpMessage;
import dev.pith.net.wire.DhcpRepr;
import io.netty.buffer.ByteBuf;
import io.netty.buffer.Unpooled;
import java.util.List;

/**
 * The gateway's DHCP server (RFC 2131, the server side, for one client): it offers the guest
 * address, as QEMU's user networking does, so a unikernel configured for DHCP runs hosted
 * unchanged. It answers DISCOVER with OFFER and REQUEST for the guest address with ACK; any other
 * request gets NAK. Replies are broadcast: the client has no address to receive unicast at yet.
 */
final class GatewayDhcpServer {

    static final long LEASE_SECONDS = 24 * 3600;

    private final Ipv4Address server;
    private final Ipv4Address guest;
    private final int prefixLength;
    private UdpSocket socket;

    GatewayDhcpServer(Ipv4Address server, Ipv4Address guest, int prefixLength) {
        this.server = server;
        this.guest = guest;
        this.prefixLength = prefixLength;
    }

    void start(UdpLayer udp) {
        socket = udp.bind(67, (s, source, payload) -> answer(payload));
    }

    private void answer(ByteBuf payload) {
        DhcpMessage message = DhcpMessage.unchecked(payload, payload.readerIndex(), payload.readableBytes());
        if (message.checkLength() != null) {
            return;
        }
        DhcpRepr request = DhcpRepr.parse(message);
        if (request == null || request.op() != 1) {
            return;
        }
        int type = switch (request.messageType()) {
            case DhcpRepr.DISCOVER -> DhcpRepr.OFFER;
            case DhcpRepr.REQUEST -> {
                Ipv4Address wanted = request.requestedAddress().orElse(request.ciaddr());
                boolean ours = request.serverIdentifier().map(server::equals).orElse(true);
                if (!ours) {
                    yield 0; // the client chose another server
                }
                yield wanted.equals(guest) ? DhcpRepr.ACK : DhcpRepr.NAK;
            }
            default -> 0; // DECLINE, RELEASE, INFORM: nothing to say
        };
        if (type == 0) {
            return;
        }
        DhcpRepr.Builder reply = DhcpRepr.builder(type, request.xid(), request.chaddr()).serverIdentifier(server);
        if (type != DhcpRepr.NAK) {
            reply.yiaddr(guest)
                    .leaseTimeSeconds(LEASE_SECONDS)
                    .subnetMask(new Ipv4Address(Ipv4Address.mask(prefixLength)))
                    .router(server)
                    .dnsServers(List.of());
        }
        DhcpRepr repr = reply.build();
        ByteBuf out = Unpooled.buffer(repr.bufferLength());
        try {
            out.writerIndex(repr.bufferLength());
            repr.emit(DhcpMessage.unchecked(out, 0, repr.bufferLength()));
            socket.send(new Endpoint(Ipv4Address.BROADCAST, 68), out);
        } finally {
            out.release();
        }
    }
}
