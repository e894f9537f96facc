package dev.pith.net.internal.dhcp;

import dev.pith.core.EventLoop;
import dev.pith.core.device.MacAddress;
import dev.pith.core.device.NetDevice;
import dev.pith.core.device.NetDeviceStats;
import dev.pith.core.device.NetOffload;
import dev.pith.net.Ipv4Address;
import dev.pith.net.wire.ArpPacket;
import dev.pith.net.wire.ArpRepr;
import dev.pith.net.wire.DhcpMessage;
import dev.pith.net.wire.DhcpRepr;
import dev.pith.net.wire.EtherType;
import dev.pith.net.wire.EthernetFrame;
import dev.pith.net.wire.IpProtocol;
import dev.pith.net.wire.Ipv4Packet;
import dev.pith.net.wire.UdpPacket;
import io.netty.buffer.ByteBuf;
import java.util.ArrayList;
import java.util.List;
import java.util.Set;

/**
 * A device that passes everything to another and notes, with the loop's clock reading, each
 * DHCP message (UDP to port 67) and ARP packet the stack above it transmits: what a capture on
 * the client's cable would show.
 */
final class RecordingDevice implements NetDevice {

    /** A DHCP message as sent: when, the link and IP addresses it went to, and what it said. */
    record Sent(long at, long destinationMac, Ipv4Address source, Ipv4Address destination, DhcpRepr message) {
        int type() {
            return message.messageType();
        }

        boolean broadcast() {
            return destinationMac == MacAddress.BROADCAST.bits() && destination.isBroadcast();
        }
    }

    /** An ARP packet as sent. */
    record Arp(long at, long destinationMac, ArpRepr arp) {}

    private final NetDevice delegate;
    private final EventLoop loop;
    final List<Sent> dhcp = new ArrayList<>();
    final List<Arp> arp = new ArrayList<>();

    RecordingDevice(NetDevice delegate, EventLoop loop) {
        this.delegate = delegate;
        this.loop = loop;
    }

    /** Returns the DHCP messages of {@code type} sent so far. */
    List<Sent> sent(int type) {
        return dhcp.stream().filter(s -> s.type() == type).toList();
    }

    /** Returns the ARP probes (sender 0.0.0.0, RFC 5227 §2.1.1) sent so far. */
    List<Arp> probes() {
        return arp.stream().filter(a -> a.arp().senderProtocol().isAny()).toList();
    }

    @Override
    public int transmit(ByteBuf[] frames, int offset, int count) {
        // Read the frames while they are ours: once accepted they belong to the switch.
        List<Object> seen = new ArrayList<>(count);
        for (int i = 0; i < count; i++) {
            seen.add(decode(frames[offset + i]));
        }
        int accepted = delegate.transmit(frames, offset, count);
        for (int i = 0; i < accepted; i++) {
            switch (seen.get(i)) {
                case Sent sent -> dhcp.add(sent);
                case Arp packet -> arp.add(packet);
                case null, default -> { }
            }
        }
        return accepted;
    }

    private Object decode(ByteBuf frame) {
        long now = loop.now();
        EthernetFrame eth = EthernetFrame.unchecked(frame, frame.readerIndex(), frame.readableBytes());
        if (eth.checkLength() != null) {
            return null;
        }
        int at = eth.payloadOffset();
        int length = frame.writerIndex() - at;
        if (eth.etherType() == EtherType.ARP) {
            ArpPacket packet = ArpPacket.unchecked(frame, at, length);
            ArpRepr repr = packet.checkLength() == null ? ArpRepr.parse(packet) : null;
            return repr == null ? null : new Arp(now, eth.destination(), repr);
        }
        if (eth.etherType() != EtherType.IPV4) {
            return null;
        }
        Ipv4Packet ip = Ipv4Packet.unchecked(frame, at, length);
        if (ip.checkLength() != null || ip.protocol() != IpProtocol.UDP) {
            return null;
        }
        UdpPacket udp = UdpPacket.unchecked(frame, ip.payloadOffset(), ip.payloadLength());
        if (udp.checkLength() != null || udp.destinationPort() != DhcpMessage.SERVER_PORT) {
            return null;
        }
        DhcpMessage message = DhcpMessage.unchecked(frame, udp.payloadOffset(), udp.payloadLength());
        DhcpRepr repr = message.checkLength() == null ? DhcpRepr.parse(message) : null;
        if (repr == null) {
            throw new AssertionError("the client sent a DHCP message that does not parse");
        }
        return new Sent(now, eth.destination(), new Ipv4Address(ip.sourceBits()), new Ipv4Address(ip.destinationBits()),
                repr);
    }

    @Override
    public String name() {
        return delegate.name();
    }

    @Override
    public MacAddress mac() {
        return delegate.mac();
    }

    @Override
    public int mtu() {
        return delegate.mtu();
    }

    @Override
    public Set<NetOffload> offloads() {
        return delegate.offloads();
    }

    @Override
    public boolean linkUp() {
        return delegate.linkUp();
    }

    @Override
    public int receive(ByteBuf[] frames, int offset, int max) {
        return delegate.receive(frames, offset, max);
    }

    @Override
    public ByteBuf allocateFrame() {
        return delegate.allocateFrame();
    }

    @Override
    public void setWakeup(Runnable wakeup) {
        delegate.setWakeup(wakeup);
    }

    @Override
    public NetDeviceStats stats() {
        return delegate.stats();
    }

    @Override
    public void close() {
        delegate.close();
    }
}
