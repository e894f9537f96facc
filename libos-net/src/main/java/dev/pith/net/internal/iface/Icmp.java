package dev.pith.net.internal.iface;

import dev.pith.core.RandomSource;
import dev.pith.core.Timer;
import dev.pith.net.DropReason;
import dev.pith.net.InterfaceSettings;
import dev.pith.net.wire.IcmpMessage;
import dev.pith.net.wire.IcmpPacket;
import dev.pith.net.wire.IpProtocol;
import dev.pith.net.wire.Ipv4Packet;
import io.netty.buffer.ByteBuf;
import io.netty.buffer.Unpooled;
import java.time.Duration;
import java.util.HashMap;
import java.util.Map;
import java.util.Optional;
import java.util.function.Consumer;

/**
 * ICMP for the interface (RFC 792, RFC 1122 §3.2.2): answers echo requests, matches echo replies
 * to our pings, hands destination-unreachable and time-exceeded reports to the transport that
 * sent the packet, and sends port and protocol unreachable messages, rate-limited.
 */
final class Icmp {

    static final int PROTOCOL_UNREACHABLE = IcmpMessage.DestinationUnreachable.PROTOCOL_UNREACHABLE;
    static final int PORT_UNREACHABLE = IcmpMessage.DestinationUnreachable.PORT_UNREACHABLE;
    /** Most pings awaiting a reply. */
    static final int MAX_PENDING_PINGS = 64;

    private record Ping(long sentAt, Consumer<Optional<Duration>> result, Timer timeout) {}

    private final Interface iface;
    private final InterfaceSettings settings;
    private final int identifier;
    private int nextSequence;
    private final Map<Integer, Ping> pending = new HashMap<>();
    private final ByteBuf pingData = Unpooled.buffer(8, 8);
    private long errorWindowStart;
    private int errorsInWindow;

    Icmp(Interface iface, RandomSource random, InterfaceSettings settings) {
        this.iface = iface;
        this.settings = settings;
        this.identifier = random.nextInt(65536);
    }

    /** Takes an ICMP message addressed to us; returns null when taken, else the reason it was dropped. */
    DropReason receive(Ipv4Packet ip, boolean broadcast) {
        IcmpPacket packet = IcmpPacket.unchecked(ip.buffer(), ip.payloadOffset(), ip.payloadLength());
        if (packet.checkLength() != null || !packet.verifyChecksum()) {
            return DropReason.ICMP_MALFORMED;
        }
        IcmpMessage message = IcmpMessage.parse(packet);
        if (message == null) {
            return DropReason.ICMP_IGNORED;
        }
        return switch (message) {
            case IcmpMessage.EchoRequest request -> {
                if (broadcast) {
                    yield DropReason.ICMP_IGNORED; // RFC 1122 §3.2.2.6 allows it, and it closes the smurf amplifier
                }
                reply(ip, request);
                yield null;
            }
            case IcmpMessage.EchoReply reply -> answered(reply) ? null : DropReason.ICMP_IGNORED;
            case IcmpMessage.DestinationUnreachable error -> report(3, error.code(), ip, error.originalOffset(), error.originalLength());
            case IcmpMessage.TimeExceeded error -> report(11, error.code(), ip, error.originalOffset(), error.originalLength());
        };
    }

    private DropReason report(int type, int code, Ipv4Packet ip, int offset, int length) {
        Ipv4Packet original = Ipv4Packet.unchecked(ip.buffer(), offset, length);
        // The quote must hold a whole IPv4 header from us, and the first 8 bytes after it (the ports).
        if (length < 28 || original.version() != 4 || original.headerLength() < 20
                || original.headerLength() + 8 > length || original.sourceBits() != iface.addressBits()) {
            return DropReason.ICMP_MALFORMED;
        }
        iface.icmpError(type, code, original);
        return null;
    }

    private void reply(Ipv4Packet ip, IcmpMessage.EchoRequest request) {
        IcmpMessage.EchoReply reply = request.reply();
        int length = reply.bufferLength();
        ByteBuf frame;
        if (length <= iface.maxIpv4Payload()) {
            frame = iface.allocateIpv4();
            if (frame == null) {
                return;
            }
        } else {
            // The request came in fragments; the reply goes out in fragments too.
            frame = Unpooled.buffer(iface.ipv4PayloadOffset() + length);
            frame.writerIndex(iface.ipv4PayloadOffset());
        }
        int at = frame.writerIndex();
        frame.writerIndex(at + length);
        reply.emit(IcmpPacket.unchecked(frame, at, length), ip.buffer());
        iface.sendIpv4(frame, iface.addressBits(), ip.sourceBits(), IpProtocol.ICMP, false);
    }

    /**
     * Sends a destination-unreachable message about {@code original}, unless RFC 1122 §3.2.2
     * forbids it (about an ICMP error, a broadcast, a non-first fragment, a non-unicast source) or
     * the rate limit is reached.
     */
    void sendUnreachable(Ipv4Packet original, int code) {
        int source = original.sourceBits();
        if (original.fragmentOffset() != 0 || source == 0 || source == -1 || (source >>> 28) == 0xE
                || original.protocol() == IpProtocol.ICMP || iface.addressBits() == 0 || !allowError()) {
            return;
        }
        var message = IcmpMessage.DestinationUnreachable.quoting(code, original);
        ByteBuf frame = iface.allocateIpv4();
        if (frame == null) {
            return;
        }
        int at = frame.writerIndex();
        frame.writerIndex(at + message.bufferLength());
        message.emit(IcmpPacket.unchecked(frame, at, message.bufferLength()), original.buffer());
        iface.sendIpv4(frame, iface.addressBits(), source, IpProtocol.ICMP, false);
    }

    /** A token bucket refilled each second: RFC 1812 §4.3.2.8 asks for a limit on ICMP errors. */
    private boolean allowError() {
        long now = iface.now();
        if (now - errorWindowStart >= 1_000_000_000L) {
            errorWindowStart = now;
            errorsInWindow = 0;
        }
        return errorsInWindow++ < settings.icmpErrorsPerSecond();
    }

    void ping(int target, Duration timeout, Consumer<Optional<Duration>> result) {
        if (iface.addressBits() == 0 || pending.size() >= MAX_PENDING_PINGS) {
            result.accept(Optional.empty());
            return;
        }
        int sequence = nextSequence;
        nextSequence = (nextSequence + 1) & 0xFFFF;
        long now = iface.now();
        pingData.setLong(0, now);
        var request = new IcmpMessage.EchoRequest(identifier, sequence, 0, 8);
        ByteBuf frame = iface.allocateIpv4();
        if (frame == null) {
            result.accept(Optional.empty());
            return;
        }
        int at = frame.writerIndex();
        frame.writerIndex(at + request.bufferLength());
        request.emit(IcmpPacket.unchecked(frame, at, request.bufferLength()), pingData);
        Timer timer = iface.loop().timer(() -> {
            Ping expired = pending.remove(sequence);
            if (expired != null) {
                expired.result().accept(Optional.empty());
            }
        });
        timer.scheduleAfter(timeout);
        pending.put(sequence, new Ping(now, result, timer));
        iface.sendIpv4(frame, iface.addressBits(), target, IpProtocol.ICMP, false);
    }

    private boolean answered(IcmpMessage.EchoReply reply) {
        if (reply.identifier() != identifier) {
            return false;
        }
        Ping ping = pending.remove(reply.sequence());
        if (ping == null) {
            return false;
        }
        ping.timeout().cancel();
        ping.result().accept(Optional.of(Duration.ofNanos(iface.now() - ping.sentAt())));
        return true;
    }

    void clear() {
        pending.values().forEach(p -> p.timeout().cancel());
        pending.clear();
    }
}
