package dev.pith.net.internal.udp;

import dev.pith.core.RandomSource;
import dev.pith.net.DropReason;
import dev.pith.net.Endpoint;
import dev.pith.net.Ipv4Address;
import dev.pith.net.internal.iface.Interface;
import dev.pith.net.internal.iface.TransportProtocol;
import dev.pith.net.udp.Udp;
import dev.pith.net.udp.UdpHandler;
import dev.pith.net.udp.UdpSocket;
import dev.pith.net.wire.IpProtocol;
import dev.pith.net.wire.Ipv4Packet;
import dev.pith.net.wire.UdpPacket;
import io.netty.buffer.ByteBuf;
import io.netty.buffer.Unpooled;
import java.util.HashMap;
import java.util.Map;
import java.util.Objects;

/**
 * UDP (RFC 768) on one interface: bound ports, checksums, port unreachable for datagrams nobody
 * takes (RFC 1122 §4.1.3.1), and datagrams larger than a frame sent as IPv4 fragments.
 */
public final class UdpLayer implements TransportProtocol, Udp {

    /** Largest payload of one datagram: 65535 less the IPv4 and UDP headers. */
    public static final int MAX_PAYLOAD = 65535 - 20 - 8;
    /** Most sockets bound at once. */
    static final int MAX_SOCKETS = 1024;

    private final Interface iface;
    private final RandomSource random;
    private final Map<Integer, SocketImpl> sockets = new HashMap<>();

    public UdpLayer(Interface iface, RandomSource random) {
        this.iface = Objects.requireNonNull(iface, "iface == null");
        this.random = Objects.requireNonNull(random, "random == null");
    }

    /** Starts taking UDP datagrams from the interface. */
    public void start() {
        iface.register(IpProtocol.UDP, this);
    }

    @Override
    public DropReason receive(Ipv4Packet ip, boolean broadcast) {
        UdpPacket packet = UdpPacket.unchecked(ip.buffer(), ip.payloadOffset(), ip.payloadLength());
        DropReason bad = packet.checkLength();
        if (bad != null) {
            return bad;
        }
        if (!packet.verifyChecksum(ip.sourceBits(), ip.destinationBits())) {
            return DropReason.UDP_BAD_CHECKSUM;
        }
        SocketImpl socket = sockets.get(packet.destinationPort());
        if (socket == null) {
            if (!broadcast) {
                iface.sendPortUnreachable(ip);
            }
            return DropReason.UDP_NO_SOCKET;
        }
        Endpoint source = new Endpoint(new Ipv4Address(ip.sourceBits()), packet.sourcePort());
        ByteBuf payload = ip.buffer().slice(packet.payloadOffset(), packet.payloadLength());
        try {
            socket.handler.receive(socket, source, payload);
        } catch (RuntimeException e) {
            // The application's bug: the datagram was delivered, the stack goes on.
            System.getLogger(UdpLayer.class.getName()).log(System.Logger.Level.WARNING,
                    "UDP handler of port " + socket.port + " failed", e);
        }
        return null;
    }

    @Override
    public void icmpError(int type, int code, Ipv4Packet original) {
        // UDP keeps no state to correct: an unreachable port is the application's to notice by its silence.
    }

    @Override
    public UdpSocket bind(int port, UdpHandler handler) {
        Objects.requireNonNull(handler, "handler == null");
        if (port < 0 || port > 65535) {
            throw new IllegalArgumentException("port out of range 0..65535: " + port);
        }
        if (sockets.size() >= MAX_SOCKETS) {
            throw new IllegalStateException("too many UDP sockets: the limit is " + MAX_SOCKETS);
        }
        if (port == 0) {
            port = ephemeralPort();
        } else if (sockets.containsKey(port)) {
            throw new IllegalStateException("UDP port " + port + " is already bound");
        }
        SocketImpl socket = new SocketImpl(port, handler);
        sockets.put(port, socket);
        return socket;
    }

    private int ephemeralPort() {
        int start = random.nextInt(16384);
        for (int i = 0; i < 16384; i++) {
            int port = 49152 + (start + i) % 16384;
            if (!sockets.containsKey(port)) {
                return port;
            }
        }
        throw new IllegalStateException("no free ephemeral UDP port");
    }

    /** Sends one datagram from {@code sourcePort}; returns false when it was dropped (counted). */
    boolean send(int sourcePort, Endpoint destination, ByteBuf payload) {
        int length = payload.readableBytes();
        if (length > MAX_PAYLOAD) {
            iface.countDrop(DropReason.IPV4_TOO_BIG);
            return false;
        }
        int datagram = 8 + length;
        ByteBuf frame;
        if (datagram <= iface.maxIpv4Payload()) {
            frame = iface.allocateIpv4();
            if (frame == null) {
                return false;
            }
        } else {
            frame = Unpooled.buffer(iface.ipv4PayloadOffset() + datagram);
            frame.writerIndex(iface.ipv4PayloadOffset());
        }
        int at = frame.writerIndex();
        frame.setBytes(at + 8, payload, payload.readerIndex(), length);
        frame.writerIndex(at + datagram);
        UdpPacket packet = UdpPacket.unchecked(frame, at, datagram);
        packet.setSourcePort(sourcePort);
        packet.setDestinationPort(destination.port());
        packet.setDatagramLength(datagram);
        int source = iface.addressBits();
        packet.fillChecksum(source, destination.address().bits());
        return iface.sendIpv4(frame, source, destination.address().bits(), IpProtocol.UDP, false);
    }

    private final class SocketImpl implements UdpSocket {
        final int port;
        final UdpHandler handler;

        SocketImpl(int port, UdpHandler handler) {
            this.port = port;
            this.handler = handler;
        }

        @Override
        public Endpoint localEndpoint() {
            return new Endpoint(new Ipv4Address(iface.addressBits()), port);
        }

        @Override
        public boolean send(Endpoint destination, ByteBuf payload) {
            return UdpLayer.this.send(port, destination, payload);
        }

        @Override
        public void close() {
            sockets.remove(port, this);
        }
    }
}
