package dev.pith.net.internal.dhcp;

import dev.pith.core.device.MacAddress;
import dev.pith.core.device.NetDevice;
import dev.pith.core.device.NetDeviceStats;
import dev.pith.core.device.NetOffload;
import dev.pith.net.Endpoint;
import dev.pith.net.InterfaceSettings;
import dev.pith.net.Ipv4Address;
import dev.pith.net.Stacks;
import dev.pith.net.internal.iface.Interface;
import dev.pith.net.internal.udp.UdpLayer;
import dev.pith.net.udp.UdpSocket;
import dev.pith.net.wire.DhcpMessage;
import dev.pith.net.wire.DhcpRepr;
import dev.pith.net.wire.EtherType;
import dev.pith.net.wire.EthernetFrame;
import dev.pith.net.wire.IpProtocol;
import dev.pith.net.wire.Ipv4Packet;
import dev.pith.net.wire.Ipv4Repr;
import dev.pith.net.wire.UdpPacket;
import io.netty.buffer.ByteBuf;
import io.netty.buffer.Unpooled;
import java.util.ArrayList;
import java.util.HashMap;
import java.util.HashSet;
import java.util.List;
import java.util.Map;
import java.util.Optional;
import java.util.Set;

/**
 * A small DHCP server for tests on its own stack, 10.0.0.1/24 on the switch: real frames through
 * real stacks. It hands out 10.0.0.100 and up, one address per chaddr, skipping declined ones, and
 * answers as dnsmasq does: to ciaddr when the client has one, else unicast to yiaddr at the
 * client's MAC (the broadcast flag is clear), NAKs broadcast. Its behaviour is set through the
 * fields; what it received is in {@link #received}.
 *
 * <p>It reads requests straight off its port, as a server with a packet socket would, rather than
 * through a second Pith stack, so that each request's IPv4 and UDP checksums are verified as sent.
 */
final class TestDhcpServer {

    /** The first address handed out: 10.0.0.100. */
    static final Ipv4Address FIRST = Ipv4Address.of(10, 0, 0, 100);
    static final Ipv4Address ROUTER = Ipv4Address.of(10, 0, 0, 254);
    static final List<Ipv4Address> DNS = List.of(Ipv4Address.of(10, 0, 0, 53), Ipv4Address.of(10, 0, 0, 54));
    static final MacAddress MAC = MacAddress.local(1);

    final Interface iface;
    private final UdpSocket socket;
    /** Every well-formed message received, in order. */
    final List<DhcpRepr> received = new ArrayList<>();
    /** Frames to port 67 with a bad IPv4 or UDP checksum or length: none from a correct client. */
    int badFrames;
    private final Map<Long, Ipv4Address> leases = new HashMap<>();
    private final Set<Ipv4Address> declined = new HashSet<>();

    /** Answers nothing at all. */
    boolean silent;
    /** Answers DISCOVERs but not the REQUESTs that follow offers. */
    boolean ignoreSelectingRequests;
    /** Ignores REQUESTs with ciaddr set: renewals and rebindings. */
    boolean ignoreRenewals;
    /** NAKs every REQUEST. */
    boolean nak;
    /** Broadcasts OFFERs and ACKs instead of unicasting them to yiaddr. */
    boolean broadcastReplies;
    /** Option 54 in ACKs and NAKs, when another server should seem to answer; null for ours. */
    Ipv4Address replyServerIdentifier;
    long leaseSeconds = 3600;
    /** Option 58, or -1 for none. */
    long renewalSeconds = -1;
    /** Option 59, or -1 for none. */
    long rebindingSeconds = -1;
    Optional<Ipv4Address> subnetMask = Optional.of(Ipv4Address.of(255, 255, 255, 0));

    TestDhcpServer(Stacks stacks) {
        NetDevice port = new Intercepting(stacks.fabric.port("dhcp-server", MAC, 1500));
        iface = new Interface(stacks.loop, port, stacks.random, InterfaceSettings.defaults());
        UdpLayer udp = new UdpLayer(iface, stacks.random);
        iface.start();
        udp.start();
        iface.configure(Ipv4Address.of(10, 0, 0, 1), 24, null, List.of());
        socket = udp.bind(DhcpMessage.SERVER_PORT, (s, source, payload) -> { }); // for sending: requests are taken below
    }

    /** Stops the server's interface, releasing what it holds. */
    void stop() {
        iface.stop();
    }

    /** Returns our address, the server identifier. */
    Ipv4Address address() {
        return iface.address().orElseThrow();
    }

    /** Returns the messages of {@code type} received so far. */
    List<DhcpRepr> received(int type) {
        return received.stream().filter(m -> m.messageType() == type).toList();
    }

    private void receive(ByteBuf payload) {
        DhcpMessage message = DhcpMessage.unchecked(payload, payload.readerIndex(), payload.readableBytes());
        DhcpRepr request = message.checkLength() == null ? DhcpRepr.parse(message) : null;
        if (request == null) {
            return;
        }
        received.add(request);
        if (silent) {
            return;
        }
        long client = request.chaddr();
        switch (request.messageType()) {
            case DhcpRepr.DISCOVER -> reply(DhcpRepr.OFFER, request, leases.computeIfAbsent(client, c -> nextFree()));
            case DhcpRepr.REQUEST -> {
                boolean selecting = request.serverIdentifier().isPresent();
                if (selecting && !request.serverIdentifier().get().equals(address())) {
                    return; // the client took another server's offer
                }
                if (selecting ? ignoreSelectingRequests : ignoreRenewals) {
                    return;
                }
                Ipv4Address wanted = request.requestedAddress().orElse(request.ciaddr());
                if (nak || !wanted.equals(leases.get(client))) {
                    reply(DhcpRepr.NAK, request, Ipv4Address.ANY);
                } else {
                    reply(DhcpRepr.ACK, request, wanted);
                }
            }
            case DhcpRepr.DECLINE -> {
                request.requestedAddress().ifPresent(declined::add);
                leases.remove(client);
            }
            case DhcpRepr.RELEASE -> leases.remove(client);
            default -> { }
        }
    }

    private Ipv4Address nextFree() {
        Ipv4Address address = FIRST;
        while (declined.contains(address) || leases.containsValue(address)) {
            address = new Ipv4Address(address.bits() + 1);
        }
        return address;
    }

    /** Returns the reply to {@code request} of {@code type}, as this server is set to make it. */
    DhcpRepr replyTo(DhcpRepr request, int type, Ipv4Address yiaddr) {
        Ipv4Address identifier = type != DhcpRepr.OFFER && replyServerIdentifier != null ? replyServerIdentifier : address();
        DhcpRepr.Builder reply = DhcpRepr.builder(type, request.xid(), request.chaddr()).serverIdentifier(identifier);
        if (type == DhcpRepr.NAK) {
            return reply.build(); // RFC 2131 table 3: no lease parameters
        }
        reply.ciaddr(request.ciaddr()).yiaddr(yiaddr).leaseTimeSeconds(leaseSeconds).router(ROUTER).dnsServers(DNS)
                .renewalTimeSeconds(renewalSeconds).rebindingTimeSeconds(rebindingSeconds);
        subnetMask.ifPresent(reply::subnetMask);
        return reply.build();
    }

    private void reply(int type, DhcpRepr request, Ipv4Address yiaddr) {
        DhcpRepr reply = replyTo(request, type, yiaddr);
        if (type == DhcpRepr.NAK) {
            broadcast(reply); // RFC 2131 §4.1: NAKs are broadcast when giaddr is 0
        } else if (!request.ciaddr().isAny()) {
            send(reply, request.ciaddr());
        } else if (broadcastReplies) {
            broadcast(reply);
        } else {
            unicastToHardware(reply, yiaddr, request.chaddr());
        }
    }

    /** Sends {@code message} to 255.255.255.255:68. */
    void broadcast(DhcpRepr message) {
        send(message, Ipv4Address.BROADCAST);
    }

    private void send(DhcpRepr message, Ipv4Address destination) {
        ByteBuf payload = encode(message);
        try {
            socket.send(new Endpoint(destination, DhcpMessage.CLIENT_PORT), payload);
        } finally {
            payload.release();
        }
    }

    /** Broadcasts arbitrary bytes to port 68, as a broken or hostile server would. */
    void broadcastBytes(byte[] bytes) {
        socket.send(new Endpoint(Ipv4Address.BROADCAST, DhcpMessage.CLIENT_PORT), Unpooled.wrappedBuffer(bytes));
    }

    /**
     * Sends to yiaddr at the client's MAC without ARP, as dnsmasq does for a client without an
     * address (RFC 2131 §4.1): the stack would ARP for yiaddr, so the frame is built here.
     */
    private void unicastToHardware(DhcpRepr message, Ipv4Address destination, long mac) {
        ByteBuf frame = iface.allocateIpv4();
        int at = frame.writerIndex();
        int length = message.bufferLength();
        int datagram = UdpPacket.HEADER_LENGTH + length;
        frame.writerIndex(at + datagram);
        message.emit(DhcpMessage.unchecked(frame, at + UdpPacket.HEADER_LENGTH, length));
        UdpPacket udp = UdpPacket.unchecked(frame, at, datagram);
        udp.setSourcePort(DhcpMessage.SERVER_PORT);
        udp.setDestinationPort(DhcpMessage.CLIENT_PORT);
        udp.setDatagramLength(datagram);
        udp.fillChecksum(address().bits(), destination.bits());
        new Ipv4Repr(address(), destination, IpProtocol.UDP, datagram, 64, 0)
                .emit(Ipv4Packet.unchecked(frame, at - Ipv4Packet.HEADER_LENGTH, Ipv4Packet.HEADER_LENGTH + datagram), 1,
                        false);
        iface.sendResolved(frame, mac);
    }

    /** Returns {@code message} in a new buffer the caller releases. */
    static ByteBuf encode(DhcpRepr message) {
        int length = message.bufferLength();
        ByteBuf buf = Unpooled.buffer(length);
        buf.writerIndex(length);
        message.emit(DhcpMessage.unchecked(buf, 0, length));
        return buf;
    }

    /** Returns {@code message}'s bytes. */
    static byte[] bytes(DhcpRepr message) {
        ByteBuf buf = encode(message);
        try {
            byte[] bytes = new byte[buf.readableBytes()];
            buf.getBytes(0, bytes);
            return bytes;
        } finally {
            buf.release();
        }
    }

    /** Returns whether {@code frame} is a request to us or to all; if so, takes it. */
    private boolean intercept(ByteBuf frame) {
        EthernetFrame eth = EthernetFrame.unchecked(frame, frame.readerIndex(), frame.readableBytes());
        if (eth.checkLength() != null || eth.etherType() != EtherType.IPV4
                || (eth.destination() != MAC.bits() && eth.destination() != MacAddress.BROADCAST.bits())) {
            return false;
        }
        Ipv4Packet ip = Ipv4Packet.unchecked(frame, eth.payloadOffset(), frame.writerIndex() - eth.payloadOffset());
        if (ip.checkLength() != null || ip.protocol() != IpProtocol.UDP || ip.isFragment()
                || (ip.destinationBits() != -1 && ip.destinationBits() != address().bits())) {
            return false;
        }
        UdpPacket udp = UdpPacket.unchecked(frame, ip.payloadOffset(), ip.payloadLength());
        if (udp.checkLength() != null || udp.destinationPort() != DhcpMessage.SERVER_PORT) {
            return false;
        }
        if (!ip.verifyChecksum() || !udp.verifyChecksum(ip.sourceBits(), ip.destinationBits())
                || udp.sourcePort() != DhcpMessage.CLIENT_PORT) {
            badFrames++;
            return true;
        }
        receive(frame.slice(udp.payloadOffset(), udp.payloadLength()));
        return true;
    }

    /** The server's port: requests to port 67 are taken off it before the interface sees them. */
    private final class Intercepting implements NetDevice {
        private final NetDevice device;

        Intercepting(NetDevice device) {
            this.device = device;
        }

        @Override
        public int receive(ByteBuf[] frames, int offset, int max) {
            int kept = 0;
            int n;
            while (kept == 0 && (n = device.receive(frames, offset, max)) > 0) {
                for (int i = 0; i < n; i++) {
                    ByteBuf frame = frames[offset + i];
                    frames[offset + i] = null;
                    if (intercept(frame)) {
                        frame.release();
                    } else {
                        frames[offset + kept++] = frame;
                    }
                }
            }
            return kept;
        }

        @Override
        public String name() {
            return device.name();
        }

        @Override
        public MacAddress mac() {
            return device.mac();
        }

        @Override
        public int mtu() {
            return device.mtu();
        }

        @Override
        public Set<NetOffload> offloads() {
            return device.offloads();
        }

        @Override
        public boolean linkUp() {
            return device.linkUp();
        }

        @Override
        public int transmit(ByteBuf[] frames, int offset, int count) {
            return device.transmit(frames, offset, count);
        }

        @Override
        public ByteBuf allocateFrame() {
            return device.allocateFrame();
        }

        @Override
        public void setWakeup(Runnable wakeup) {
            device.setWakeup(wakeup);
        }

        @Override
        public NetDeviceStats stats() {
            return device.stats();
        }

        @Override
        public void close() {
            device.close();
        }
    }
}
