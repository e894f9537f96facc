package dev.pith.net.internal.iface;

import dev.pith.core.EventLoop;
import dev.pith.core.Pollable;
import dev.pith.core.RandomSource;
import dev.pith.core.device.MacAddress;
import dev.pith.core.device.NetDevice;
import dev.pith.net.DropCounters;
import dev.pith.net.DropReason;
import dev.pith.net.InterfaceSettings;
import dev.pith.net.InterfaceStats;
import dev.pith.net.Ipv4Address;
import dev.pith.net.NetInterface;
import dev.pith.net.wire.ArpPacket;
import dev.pith.net.wire.ArpRepr;
import dev.pith.net.wire.EtherType;
import dev.pith.net.wire.EthernetFrame;
import dev.pith.net.wire.IpProtocol;
import dev.pith.net.wire.Ipv4Packet;
import io.netty.buffer.ByteBuf;
import io.netty.buffer.Unpooled;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.Objects;
import java.util.Optional;
import java.util.function.Consumer;

/**
 * The interface layer (smoltcp's {@code iface}): it owns one {@link NetDevice}, takes frames from
 * it in batches, demultiplexes Ethernet, answers ARP, checks and reassembles IPv4, answers ICMP
 * echo and hands packets to the registered transports; on the way out it routes, resolves the next
 * hop with ARP, fragments where allowed, and transmits in batches, one device notification each.
 *
 * <p>Every received frame ends in exactly one place: taken by a protocol, or dropped and counted
 * under one {@link DropReason}; nothing thrown escapes to the loop. All state is bounded (see
 * {@link InterfaceSettings}). Runs on the event loop thread.
 */
public final class Interface implements NetInterface, Pollable, ArpCache.Owner {

    private static final int ETHERNET_HEADER = EthernetFrame.HEADER_LENGTH;
    private static final int VLAN_TAG = 4;
    private static final int IPV4_HEADER = 20;
    private static final int DEFAULT_TTL = 64;
    private static final int TX_BATCH = 64;

    private final EventLoop loop;
    private final NetDevice device;
    private final InterfaceSettings settings;
    private final long mac;
    private final int linkHeader;
    /** The view {@link #receiveIpv4} re-points at each packet (DESIGN.md §8: no allocation per packet). */
    private final Ipv4Packet received = Ipv4Packet.unchecked(Unpooled.EMPTY_BUFFER, 0, 0);
    private final DropCounters drops = new DropCounters();
    private final ArpCache arp;
    private final Reassembler reassembly;
    private final Icmp icmp;
    private final TransportProtocol[] transports = new TransportProtocol[256];
    private final List<ArpWatcher> arpWatchers = new ArrayList<>(1);
    private final ByteBuf[] rxBatch;
    private final ByteBuf[] txBatch = new ByteBuf[TX_BATCH];
    private int txCount;
    private boolean flushScheduled;
    private final Runnable flushTask = this::flushFromTask;
    private int nextIdentification;

    // Configuration: 0 means "none" for the address and gateway.
    private int address;
    private int prefixLength;
    private int gateway;
    private List<Ipv4Address> dnsServers = List.of();

    // Statistics.
    private long rxFrames, txFrames, arpIn, icmpIn, udpIn, tcpIn, fragmentsIn, reassembled, internalErrors;

    /** Watches ARP traffic for one address: DHCP's conflict detection (RFC 5227) uses this. */
    public interface ArpWatcher {
        /** Called for every well-formed ARP packet; {@code senderAddress} and {@code senderMac} as sent. */
        void seen(int senderAddress, long senderMac, int targetAddress);
    }

    public Interface(EventLoop loop, NetDevice device, RandomSource random, InterfaceSettings settings) {
        this.loop = Objects.requireNonNull(loop, "loop == null");
        this.device = Objects.requireNonNull(device, "device == null");
        this.settings = Objects.requireNonNull(settings, "settings == null");
        this.mac = device.mac().bits();
        this.linkHeader = ETHERNET_HEADER + (settings.vlanId() != 0 ? VLAN_TAG : 0);
        this.arp = new ArpCache(loop, settings, this);
        this.reassembly = new Reassembler(loop, settings, () -> drops.count(DropReason.IPV4_REASSEMBLY_TIMEOUT));
        this.icmp = new Icmp(this, random, settings);
        this.rxBatch = new ByteBuf[settings.rxBatch()];
        this.nextIdentification = random.nextInt(65536);
    }

    /** Starts taking frames from the device: registers with the loop and asks the device to wake it. */
    public void start() {
        device.setWakeup(loop::wakeup);
        loop.register(this);
    }

    /** Stops taking frames and drops everything held (queued, waiting for ARP, in reassembly). */
    public void stop() {
        loop.unregister(this);
        device.setWakeup(() -> {});
        for (int i = 0; i < txCount; i++) {
            txBatch[i].release();
            txBatch[i] = null;
        }
        txCount = 0;
        arp.clear();
        reassembly.clear();
        icmp.clear();
    }

    /** Makes {@code protocol} (an IPv4 protocol number) go to {@code transport}. */
    public void register(int protocol, TransportProtocol transport) {
        if (transports[protocol] != null) {
            throw new IllegalStateException("IP protocol " + protocol + " already has a handler: " + transports[protocol]);
        }
        transports[protocol] = Objects.requireNonNull(transport, "transport == null");
    }

    // ------------------------------------------------------------------ configuration

    /**
     * Configures the address, subnet and gateway ({@code null} for none), and announces the
     * address with a gratuitous ARP (RFC 5227 §2.3).
     */
    public void configure(Ipv4Address address, int prefixLength, Ipv4Address gateway, List<Ipv4Address> dns) {
        Ipv4Address.mask(prefixLength);
        this.address = address.bits();
        this.prefixLength = prefixLength;
        this.gateway = gateway == null ? 0 : gateway.bits();
        this.dnsServers = List.copyOf(dns);
        announce();
    }

    /** Forgets the address (a DHCP lease ended): only DHCP's broadcasts can be sent until the next configure. */
    public void deconfigure() {
        address = 0;
        prefixLength = 0;
        gateway = 0;
        dnsServers = List.of();
    }

    /** Broadcasts a gratuitous ARP announcing our address, so that peers refresh stale bindings. */
    public void announce() {
        if (address != 0) {
            sendArp(ArpRepr.REQUEST, MacAddress.BROADCAST.bits(), address, 0, address);
        }
    }

    /** Adds a watcher of all ARP traffic; returns a handle that removes it. */
    public Runnable watchArp(ArpWatcher watcher) {
        arpWatchers.add(watcher);
        return () -> arpWatchers.remove(watcher);
    }

    /** Sends an ARP probe for {@code target} (RFC 5227 §2.1.1: sender address 0.0.0.0). */
    public void sendArpProbe(int target) {
        sendArp(ArpRepr.REQUEST, MacAddress.BROADCAST.bits(), 0, 0, target);
    }

    /** Returns the configured address bits, 0 when none. */
    public int addressBits() {
        return address;
    }

    @Override
    public MacAddress mac() {
        return device.mac();
    }

    @Override
    public Optional<Ipv4Address> address() {
        return address == 0 ? Optional.empty() : Optional.of(new Ipv4Address(address));
    }

    @Override
    public int prefixLength() {
        return prefixLength;
    }

    @Override
    public Optional<Ipv4Address> gateway() {
        return gateway == 0 ? Optional.empty() : Optional.of(new Ipv4Address(gateway));
    }

    @Override
    public List<Ipv4Address> dnsServers() {
        return dnsServers;
    }

    @Override
    public int mtu() {
        return device.mtu();
    }

    @Override
    public DropCounters drops() {
        return drops;
    }

    @Override
    public InterfaceStats stats() {
        return new InterfaceStats(rxFrames, txFrames, arpIn, icmpIn, udpIn, tcpIn, fragmentsIn, reassembled);
    }

    /** Returns bugs caught while handling a frame (each also logged); a correct stack keeps this at 0. */
    public long internalErrors() {
        return internalErrors;
    }

    @Override
    public void ping(Ipv4Address target, Duration timeout, Consumer<Optional<Duration>> result) {
        icmp.ping(target.bits(), timeout, result);
    }

    EventLoop loop() {
        return loop;
    }

    // ------------------------------------------------------------------ receive

    @Override
    public int poll() {
        int n = device.receive(rxBatch, 0, rxBatch.length);
        for (int i = 0; i < n; i++) {
            ByteBuf frame = rxBatch[i];
            rxBatch[i] = null;
            rxFrames++;
            try {
                receiveFrame(frame);
            } catch (RuntimeException bug) {
                // A frame must never take the loop down; this is a bug in the stack, counted and logged.
                internalErrors++;
                System.getLogger(Interface.class.getName()).log(System.Logger.Level.ERROR,
                        "bug while handling a received frame on " + device.name(), bug);
            } finally {
                frame.release();
            }
        }
        int sent = flush();
        return n + sent;
    }

    private void receiveFrame(ByteBuf frame) {
        EthernetFrame eth = EthernetFrame.unchecked(frame, frame.readerIndex(), frame.readableBytes());
        DropReason bad = eth.checkLength();
        if (bad != null) {
            drops.count(bad);
            return;
        }
        long destination = eth.destination();
        if (destination != mac && destination != MacAddress.BROADCAST.bits()) {
            drops.count(DropReason.ETHERNET_NOT_FOR_US);
            return;
        }
        int type = eth.etherType();
        int payload = eth.payloadOffset();
        if (type == EtherType.VLAN) {
            // 802.1Q: TCI (3 bits priority, 1 bit DEI, 12 bits VLAN id), then the real EtherType.
            if (settings.vlanId() == 0 || frame.writerIndex() - payload < VLAN_TAG
                    || (frame.getUnsignedShort(payload) & 0x0FFF) != settings.vlanId()) {
                drops.count(DropReason.VLAN_TAGGED);
                return;
            }
            type = frame.getUnsignedShort(payload + 2);
            payload += VLAN_TAG;
        } else if (settings.vlanId() != 0) {
            drops.count(DropReason.ETHERNET_NOT_FOR_US);
            return;
        }
        int length = frame.writerIndex() - payload;
        switch (type) {
            case EtherType.ARP -> receiveArp(frame, payload, length, eth.source());
            case EtherType.IPV4 -> receiveIpv4(frame, payload, length, destination == MacAddress.BROADCAST.bits());
            default -> drops.count(DropReason.ETHERTYPE_UNSUPPORTED);
        }
    }

    private void receiveArp(ByteBuf frame, int offset, int length, long ethernetSource) {
        ArpPacket packet = ArpPacket.unchecked(frame, offset, length);
        DropReason bad = packet.checkLength();
        ArpRepr repr = bad == null ? ArpRepr.parse(packet) : null;
        if (repr == null) {
            drops.count(DropReason.ARP_MALFORMED);
            return;
        }
        int sender = repr.senderProtocol().bits();
        int target = repr.targetProtocol().bits();
        long senderMac = repr.senderHardware();
        for (int i = 0; i < arpWatchers.size(); i++) {
            arpWatchers.get(i).seen(sender, senderMac, target);
        }
        if (senderMac == mac || MacAddress.BROADCAST.bits() == senderMac || (senderMac & 0x0100_0000_0000L) != 0
                || sender == -1) {
            drops.count(DropReason.ARP_NOT_FOR_US); // our own echo, or a sender no host may be
            return;
        }
        if (sender == 0) {
            // A probe (RFC 5227 §2.1.1): another host checks whether an address is free. If it is ours,
            // answer as for any request, so the prober sees the conflict.
            if (address != 0 && target == address && repr.operation() == ArpRepr.REQUEST) {
                sendArp(ArpRepr.REPLY, senderMac, address, senderMac, 0);
                arpIn++;
            } else if (!arpWatchers.isEmpty()) {
                arpIn++;
            } else {
                drops.count(DropReason.ARP_NOT_FOR_US);
            }
            return;
        }
        boolean forUs = address != 0 && target == address;
        // RFC 826 "merge": refresh a binding we hold whoever the packet is for; create one only if it is for us.
        boolean known = arp.update(sender, senderMac, forUs);
        if (forUs && repr.operation() == ArpRepr.REQUEST) {
            sendArp(ArpRepr.REPLY, senderMac, address, senderMac, sender);
        }
        if (forUs || known || !arpWatchers.isEmpty()) {
            arpIn++;
        } else {
            drops.count(DropReason.ARP_NOT_FOR_US);
        }
    }

    private void receiveIpv4(ByteBuf frame, int offset, int length, boolean linkBroadcast) {
        // One view for every packet in: nothing the packet reaches keeps it, and nothing re-enters here.
        Ipv4Packet ip = received.repoint(frame, offset, length);
        DropReason bad = ip.checkLength();
        if (bad != null) {
            drops.count(bad);
            return;
        }
        if (!ip.verifyChecksum()) {
            drops.count(DropReason.IPV4_BAD_CHECKSUM);
            return;
        }
        int source = ip.sourceBits();
        int destination = ip.destinationBits();
        // 0.0.0.0 is a legal source only for a host that is getting its address (RFC 1122 §3.2.1.3): DHCP's
        // broadcasts, which a DHCP server on this stack must see.
        boolean initializing = source == 0 && destination == -1 && ip.protocol() == IpProtocol.UDP;
        if (source == -1 || (source >>> 28) == 0xE || (source == 0 && !initializing) || (address != 0 && source == address)) {
            drops.count(DropReason.IPV4_BAD_SOURCE);
            return;
        }
        boolean broadcast = destination == -1 || (address != 0 && prefixLength <= 30
                && destination == (address | ~Ipv4Address.mask(prefixLength)));
        // Before an address is configured, DHCP may unicast its offer to the address it offers.
        boolean unconfigured = address == 0 && ip.protocol() == IpProtocol.UDP;
        boolean forUs = broadcast || unconfigured
                // RFC 1122 §3.3.6: a unicast datagram that came in a link-layer broadcast is discarded.
                || destination == address && address != 0 && !linkBroadcast;
        if (!forUs) {
            drops.count(DropReason.IPV4_NOT_FOR_US);
            return;
        }
        if (ip.moreFragments() || ip.fragmentOffset() != 0) {
            switch (reassembly.add(ip)) {
                case HELD -> fragmentsIn++;
                case REFUSED -> drops.count(DropReason.IPV4_FRAGMENT_REJECTED);
                case COMPLETE -> {
                    fragmentsIn++;
                    reassembled++;
                    ByteBuf whole = reassembly.takeCompleted();
                    try {
                        deliver(Ipv4Packet.unchecked(whole, 0, whole.readableBytes()), broadcast);
                    } finally {
                        whole.release();
                    }
                }
            }
            return;
        }
        deliver(ip, broadcast);
    }

    private void deliver(Ipv4Packet ip, boolean broadcast) {
        int protocol = ip.protocol();
        if (protocol == IpProtocol.ICMP) {
            DropReason bad = icmp.receive(ip, broadcast);
            count(bad, Protocol.ICMP);
            return;
        }
        TransportProtocol transport = transports[protocol];
        if (transport == null) {
            drops.count(DropReason.IPV4_PROTOCOL_UNSUPPORTED);
            if (!broadcast) {
                icmp.sendUnreachable(ip, Icmp.PROTOCOL_UNREACHABLE);
            }
            return;
        }
        DropReason bad = transport.receive(ip, broadcast);
        count(bad, protocol == IpProtocol.TCP ? Protocol.TCP : Protocol.UDP);
    }

    private enum Protocol { ICMP, UDP, TCP }

    private void count(DropReason bad, Protocol protocol) {
        if (bad != null) {
            drops.count(bad);
            return;
        }
        switch (protocol) {
            case ICMP -> icmpIn++;
            case UDP -> udpIn++;
            case TCP -> tcpIn++;
        }
    }

    /** Answers a datagram for a port nobody listens on with ICMP port unreachable (rate-limited). */
    public void sendPortUnreachable(Ipv4Packet original) {
        icmp.sendUnreachable(original, Icmp.PORT_UNREACHABLE);
    }

    /** Hands an ICMP error about one of our packets to the transport that sent it. */
    void icmpError(int type, int code, Ipv4Packet original) {
        TransportProtocol transport = transports[original.protocol()];
        if (transport != null) {
            transport.icmpError(type, code, original);
        }
    }

    // ------------------------------------------------------------------ transmit

    /** Returns where the IPv4 payload starts in a frame from {@link #allocateIpv4()}. */
    public int ipv4PayloadOffset() {
        return linkHeader + IPV4_HEADER;
    }

    /** Returns the largest IPv4 payload one frame carries. */
    public int maxIpv4Payload() {
        return device.mtu() - IPV4_HEADER;
    }

    /**
     * Returns a frame buffer for an outgoing IPv4 packet with its writer index at
     * {@link #ipv4PayloadOffset()}, or null (counted as {@link DropReason#NO_BUFFER}) when the
     * device has none free. The caller owns it until it passes it to {@link #sendIpv4}.
     */
    public ByteBuf allocateIpv4() {
        ByteBuf frame = device.allocateFrame();
        if (frame == null) {
            drops.count(DropReason.NO_BUFFER);
            return null;
        }
        frame.writerIndex(ipv4PayloadOffset());
        return frame;
    }

    /**
     * Sends the IPv4 payload {@code frame[ipv4PayloadOffset(), writerIndex)} from {@code source}
     * to {@code destination}; takes ownership of {@code frame}. The IPv4 and Ethernet headers are
     * filled in here. A payload larger than one frame is fragmented unless {@code dontFragment}.
     *
     * @return false when the packet was dropped (the reason is counted)
     */
    public boolean sendIpv4(ByteBuf frame, int source, int destination, int protocol, boolean dontFragment) {
        int payloadLength = frame.writerIndex() - ipv4PayloadOffset();
        if (payloadLength > maxIpv4Payload()) {
            if (dontFragment) {
                frame.release();
                drops.count(DropReason.IPV4_TOO_BIG);
                return false;
            }
            return Fragmenter.send(this, frame, source, destination, protocol);
        }
        int nextHop = nextHop(destination);
        if (nextHop == 0) {
            frame.release();
            drops.count(DropReason.IPV4_NO_ROUTE);
            return false;
        }
        // Field by field with its checksum: no object per packet.
        Ipv4Packet.writeHeader(frame, linkHeader, IPV4_HEADER + payloadLength, nextIdentification(),
                dontFragment, DEFAULT_TTL, protocol, source, destination);
        return sendToNextHop(frame, nextHop);
    }

    int nextIdentification() {
        int id = nextIdentification;
        nextIdentification = (id + 1) & 0xFFFF;
        return id;
    }

    int linkHeader() {
        return linkHeader;
    }

    /** Sends a frame whose IPv4 header is written; resolves the next hop's MAC first if needed. */
    boolean sendToNextHop(ByteBuf frame, int nextHop) {
        if (nextHop == -1) {
            sendResolved(frame, MacAddress.BROADCAST.bits());
            return true;
        }
        long nextHopMac = arp.lookup(nextHop);
        if (nextHopMac >= 0) {
            sendResolved(frame, nextHopMac);
            return true;
        }
        if (!arp.enqueue(nextHop, frame)) {
            frame.release();
            drops.count(DropReason.ARP_QUEUE_FULL);
            return false;
        }
        return true;
    }

    /**
     * Returns the next hop towards {@code destination}: the destination itself on the subnet, the
     * gateway otherwise, -1 for a broadcast, and 0 when there is no route.
     */
    int nextHop(int destination) {
        if (destination == -1) {
            return -1;
        }
        if (address == 0) {
            return 0;
        }
        int mask = Ipv4Address.mask(prefixLength);
        if ((destination & mask) == (address & mask)) {
            return prefixLength <= 30 && destination == (address | ~mask) ? -1 : destination;
        }
        return gateway;
    }

    @Override
    public void sendResolved(ByteBuf frame, long destinationMac) {
        EthernetFrame eth = EthernetFrame.unchecked(frame, 0, frame.writerIndex());
        eth.setDestination(destinationMac);
        eth.setSource(mac);
        if (settings.vlanId() != 0) {
            eth.setEtherType(EtherType.VLAN);
            frame.setShort(ETHERNET_HEADER, settings.vlanId());
            frame.setShort(ETHERNET_HEADER + 2, EtherType.IPV4);
        } else {
            eth.setEtherType(EtherType.IPV4);
        }
        queue(frame);
    }

    @Override
    public void sendArpRequest(int target) {
        sendArp(ArpRepr.REQUEST, MacAddress.BROADCAST.bits(), address, 0, target);
    }

    @Override
    public void dropUnresolved(int frames) {
        for (int i = 0; i < frames; i++) {
            drops.count(DropReason.ARP_UNRESOLVED);
        }
    }

    private void sendArp(int operation, long ethernetDestination, int senderAddress, long targetMac, int targetAddress) {
        ByteBuf frame = device.allocateFrame();
        if (frame == null) {
            drops.count(DropReason.NO_BUFFER);
            return;
        }
        ArpRepr repr = new ArpRepr(operation, mac, new Ipv4Address(senderAddress), targetMac, new Ipv4Address(targetAddress));
        int offset = linkHeader;
        frame.writerIndex(offset + ArpPacket.LENGTH);
        repr.emit(ArpPacket.unchecked(frame, offset, ArpPacket.LENGTH));
        EthernetFrame eth = EthernetFrame.unchecked(frame, 0, frame.writerIndex());
        eth.setDestination(ethernetDestination);
        eth.setSource(mac);
        if (settings.vlanId() != 0) {
            eth.setEtherType(EtherType.VLAN);
            frame.setShort(ETHERNET_HEADER, settings.vlanId());
            frame.setShort(ETHERNET_HEADER + 2, EtherType.ARP);
        } else {
            eth.setEtherType(EtherType.ARP);
        }
        queue(frame);
    }

    /** Adds a finished frame to the transmit batch; the batch goes out at the end of this loop turn. */
    private void queue(ByteBuf frame) {
        if (txCount == TX_BATCH) {
            flush();
            if (txCount == TX_BATCH) {
                frame.release();
                drops.count(DropReason.DEVICE_QUEUE_FULL);
                return;
            }
        }
        txBatch[txCount++] = frame;
        if (!flushScheduled) {
            // Frames queued outside poll() (by a timer or an application task) must not wait for the next frame in.
            flushScheduled = true;
            loop.execute(flushTask);
        }
    }

    private void flushFromTask() {
        flushScheduled = false;
        flush();
    }

    /** Hands the batch to the device; what it does not accept stays for the next turn. Returns frames sent. */
    private int flush() {
        if (txCount == 0) {
            return 0;
        }
        int accepted = device.transmit(txBatch, 0, txCount);
        txFrames += accepted;
        int left = txCount - accepted;
        System.arraycopy(txBatch, accepted, txBatch, 0, left);
        for (int i = left; i < txCount; i++) {
            txBatch[i] = null;
        }
        txCount = left;
        if (left > 0 && !flushScheduled) {
            flushScheduled = true;
            loop.execute(flushTask);
        }
        return accepted;
    }

    /** Counts a drop on behalf of the layers around the interface. */
    public void countDrop(DropReason reason) {
        drops.count(reason);
    }

    /** Returns the loop's clock reading. */
    long now() {
        return loop.now();
    }

    /** Returns a frame from the device's pool, or null (counted). */
    ByteBuf allocateFrame() {
        ByteBuf frame = device.allocateFrame();
        if (frame == null) {
            drops.count(DropReason.NO_BUFFER);
        }
        return frame;
    }

    @Override
    public String toString() {
        return "Interface[" + device.name() + ", " + device.mac() + (address == 0 ? "" : ", " + new Ipv4Address(address)
                + "/" + prefixLength) + "]";
    }
}
