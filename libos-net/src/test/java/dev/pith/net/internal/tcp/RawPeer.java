package dev.pith.net.internal.tcp;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import dev.pith.core.EventLoop;
import dev.pith.core.ManualClock;
import dev.pith.core.RandomSource;
import dev.pith.core.buffer.DirectBufferPool;
import dev.pith.core.device.MacAddress;
import dev.pith.core.device.MemoryNetDevice;
import dev.pith.net.DropReason;
import dev.pith.net.Endpoint;
import dev.pith.net.InterfaceSettings;
import dev.pith.net.Ipv4Address;
import dev.pith.net.internal.iface.Interface;
import dev.pith.net.tcp.TcpConnection;
import dev.pith.net.tcp.TcpError;
import dev.pith.net.tcp.TcpSettings;
import dev.pith.net.tcp.TcpState;
import dev.pith.net.wire.ArpPacket;
import dev.pith.net.wire.ArpRepr;
import dev.pith.net.wire.EtherType;
import dev.pith.net.wire.EthernetFrame;
import dev.pith.net.wire.IpProtocol;
import dev.pith.net.wire.Ipv4Packet;
import dev.pith.net.wire.Ipv4Repr;
import dev.pith.net.wire.TcpOptions;
import dev.pith.net.wire.TcpPacket;
import dev.pith.net.wire.TcpRepr;
import io.netty.buffer.ByteBuf;
import io.netty.buffer.Unpooled;
import java.io.ByteArrayOutputStream;
import java.nio.charset.StandardCharsets;
import java.time.Duration;
import java.util.ArrayDeque;
import java.util.ArrayList;
import java.util.List;

/**
 * Test fixture in the manner of smoltcp's TCP tests (src/socket/tcp.rs, {@code send!}/{@code recv!}):
 * one Pith stack — interface and TCP — on a {@link MemoryNetDevice}, and at the other end of its
 * wire a peer driven by hand. The peer crafts every segment it sends (Ethernet, IPv4 and TCP with
 * correct checksums, and the seq, ack, flags, window, options and timestamps the test chooses),
 * {@linkplain MemoryNetDevice#deliver delivers} it, runs the loop until idle, and returns what Pith
 * sent in answer, parsed. Time is virtual: {@link #advance} moves a {@link ManualClock} and fires
 * every timer at its deadline, so each test pins which segment answers which, and when.
 *
 * <p>ARP requests from the stack are answered at once, for any address, from the peer's MAC: the
 * peer may speak from any source address (a SYN flood from many). Frames other than TCP are
 * dropped. {@link #close} checks what every test must keep: no internal error in the interface,
 * none in the loop, no malformed frame from Pith, and every packet buffer returned to the pool.
 *
 * <p>The peer also keeps the few variables of its own end of the connection under test — its
 * send sequence {@link #seq}, what it acknowledges {@link #ack}, its {@link #window} and the last
 * timestamp it saw — which {@link #segment} fills in; the helpers that send data or a FIN advance
 * {@link #seq}, and nothing else changes them behind a test's back.
 */
final class RawPeer implements AutoCloseable {

    static final Ipv4Address PITH = Ipv4Address.of(10, 0, 0, 1);
    static final Ipv4Address PEER = Ipv4Address.of(10, 0, 0, 2);
    static final MacAddress PITH_MAC = MacAddress.local(1);
    static final MacAddress PEER_MAC = MacAddress.local(2);
    /** Pith's MSS on a 1500-byte MTU: 1500 - 20 (IPv4) - 20 (TCP). */
    static final int PITH_MSS = 1460;
    /** The payload of a full segment when timestamps are on: MSS less the 12 bytes of the option. */
    static final int MSS_WITH_TIMESTAMPS = PITH_MSS - 12;
    /** The peer's timestamp clock runs this far ahead of Pith's (RFC 7323 §5.4: clocks are unrelated). */
    static final int PEER_TS_OFFSET = 7_000_000;

    /** What the peer offers in its SYN. */
    record Offer(int mss, int windowScale, boolean sackPermitted, boolean timestamps) {
        /** Linux's defaults on Ethernet, with window scale 7. */
        static final Offer ALL = new Offer(PITH_MSS, 7, true, true);
        /** A bare SYN: no option at all (so MSS 536 by RFC 9293 §3.7.1). */
        static final Offer NONE = new Offer(-1, -1, false, false);
        /** MSS only: no window scaling, SACK or timestamps, so windows and segments are easy to count. */
        static final Offer MSS_ONLY = new Offer(PITH_MSS, -1, false, false);
    }

    /** A segment Pith sent, as the peer captured it at virtual time {@code atNanos}. */
    record Captured(long atNanos, int source, int destination, TcpRepr tcp, byte[] payload) {
        int seq() {
            return tcp.sequence();
        }

        int ack() {
            return tcp.acknowledgement();
        }

        int flags() {
            return tcp.flags();
        }

        int window() {
            return tcp.window();
        }

        boolean syn() {
            return (tcp.flags() & TcpPacket.SYN) != 0;
        }

        boolean fin() {
            return (tcp.flags() & TcpPacket.FIN) != 0;
        }

        boolean rst() {
            return (tcp.flags() & TcpPacket.RST) != 0;
        }

        boolean hasAck() {
            return (tcp.flags() & TcpPacket.ACK) != 0;
        }

        /** SEG.LEN: payload, plus one each for SYN and FIN. */
        int length() {
            return payload.length + (syn() ? 1 : 0) + (fin() ? 1 : 0);
        }

        /** The sequence number just past this segment. */
        int end() {
            return seq() + length();
        }

        String text() {
            return new String(payload, StandardCharsets.ISO_8859_1);
        }

        /** A bare ACK: ACK alone, no payload. */
        boolean isBareAck() {
            return flags() == TcpPacket.ACK && payload.length == 0;
        }

        @Override
        public String toString() {
            return "at " + atNanos / 1_000_000 + " ms " + flagNames(flags()) + " seq=" + Integer.toUnsignedString(seq())
                    + " ack=" + Integer.toUnsignedString(ack()) + " win=" + window() + " len=" + payload.length
                    + (tcp.mss() >= 0 ? " mss=" + tcp.mss() : "") + (tcp.windowScale() >= 0 ? " ws=" + tcp.windowScale() : "")
                    + (tcp.sackPermitted() ? " sackOK" : "") + (tcp.timestamps() ? " ts=" + tcp.tsVal() + "/" + tcp.tsEcr() : "")
                    + (tcp.sackBlocks().length > 0 ? " sack=" + sackString(tcp.sackBlocks()) : "");
        }
    }

    /** The application on Pith's side of one connection: records what it reads and what it is told. */
    static final class App implements TcpConnection.Listener {
        TcpConnection connection;
        final ByteArrayOutputStream received = new ByteArrayOutputStream();
        /** Whether onReadable reads everything at once; off, data stays in the receive buffer. */
        boolean autoRead = true;
        boolean eof;
        int writableCalls;
        boolean closed;
        TcpError error;

        @Override
        public void onReadable(TcpConnection c) {
            if (autoRead) {
                readAll();
            }
        }

        /** Reads everything readable; returns how many bytes. */
        int readAll() {
            ByteBuf buf = Unpooled.buffer(64 * 1024);
            int total = 0;
            try {
                int n;
                while ((n = connection.read(buf)) > 0) {
                    received.write(buf.array(), buf.arrayOffset() + buf.readerIndex(), n);
                    total += n;
                    buf.clear();
                }
                if (n < 0) {
                    eof = true;
                }
            } finally {
                buf.release();
            }
            return total;
        }

        /** Reads at most {@code max} bytes; returns how many. */
        int read(int max) {
            ByteBuf buf = Unpooled.buffer(max, max);
            try {
                int n = connection.read(buf);
                if (n > 0) {
                    received.write(buf.array(), buf.arrayOffset() + buf.readerIndex(), n);
                }
                return n;
            } finally {
                buf.release();
            }
        }

        @Override
        public void onWritable(TcpConnection c) {
            writableCalls++;
        }

        @Override
        public void onClosed(TcpConnection c, TcpError e) {
            closed = true;
            error = e;
        }

        /** Writes {@code data}; returns how many bytes the send buffer took. */
        int write(byte[] data) {
            ByteBuf buf = Unpooled.wrappedBuffer(data);
            try {
                return connection.write(buf);
            } finally {
                buf.release();
            }
        }

        int write(String text) {
            return write(text.getBytes(StandardCharsets.ISO_8859_1));
        }

        String text() {
            return received.toString(StandardCharsets.ISO_8859_1);
        }

        Connection tcb() {
            return (Connection) connection;
        }

        TcpState state() {
            return connection.state();
        }
    }

    final ManualClock clock = new ManualClock(1_000_000_000L);
    final EventLoop loop = EventLoop.builder().clock(clock).build();
    final DirectBufferPool pool = new DirectBufferPool(2048, 1024);
    final MemoryNetDevice device = new MemoryNetDevice("pith", PITH_MAC, 1500, pool, 4096);
    final TcpSettings settings;
    final Interface iface;
    final TcpLayer tcp;
    /** Connections accepted by the listener of {@link #listen}, in order. */
    final List<App> accepted = new ArrayList<>();
    private final ArrayDeque<Captured> captured = new ArrayDeque<>();
    private final TcpOptions scratch = new TcpOptions();
    private int identification;
    private int malformed;
    private boolean listening;
    /** The listener of {@link #listen}, once listening. */
    ListenerImpl listener;

    // The peer's end of the connection under test.
    Ipv4Address peerAddress = PEER;
    int peerPort = 40_000;
    int pithPort = 80;
    /** The peer's ISS (SYN sequence number). */
    int peerIss = 100_000;
    /** Pith's ISS, learned from its SYN or SYN-ACK. */
    int pithIss;
    /** The peer's SND.NXT: the sequence number of its next new byte. */
    int seq;
    /** The peer's RCV.NXT: what it acknowledges. */
    int ack;
    /** The window field the peer sends (already scaled down by its shift, if any). */
    int window = 65535;
    /** Whether the peer sends timestamps (both SYNs had them). */
    boolean timestamps;
    /** The last TSval Pith sent: the peer's TS.Recent, echoed in TSecr. */
    int tsRecent;

    RawPeer() {
        this(TcpSettings.defaults());
    }

    RawPeer(TcpSettings settings) {
        this.settings = settings;
        RandomSource random = RandomSource.seeded(7);
        device.connect(this::onTransmit);
        iface = new Interface(loop, device, random, InterfaceSettings.defaults());
        tcp = new TcpLayer(loop, iface, random, settings);
        iface.start();
        tcp.start();
        iface.configure(PITH, 24, Ipv4Address.of(10, 0, 0, 254), List.of());
        loop.runUntilIdle();
        captured.clear(); // the gratuitous ARP is not TCP
    }

    /** Returns settings as {@link TcpSettings#defaults()} with the fields tests change most often. */
    static TcpSettings settings(int maxRetransmissions, int synRetries, Duration maxRto, Duration timeWait,
            Duration keepAliveInterval, int keepAliveProbes) {
        TcpSettings d = TcpSettings.defaults();
        return new TcpSettings(d.maxConnections(), d.backlog(), d.synCookies(), d.sendBuffer(), d.receiveBuffer(),
                d.outOfOrderRanges(), d.delayedAck(), d.initialRto(), d.minRto(), maxRto, maxRetransmissions, synRetries,
                timeWait, keepAliveInterval, keepAliveProbes, d.congestionControl(), d.windowScaling(), d.timestamps(),
                d.sack());
    }

    // ================================================================== time

    /** Virtual time now, in milliseconds. */
    long nowMillis() {
        return loop.now() / 1_000_000;
    }

    /** Moves virtual time by {@code millis}, firing timers on the way; returns what Pith sent meanwhile. */
    List<Captured> advance(long millis) {
        loop.advance(Duration.ofMillis(millis));
        return take();
    }

    // ================================================================== what Pith sent

    /** Returns and forgets every segment captured since the last call. */
    List<Captured> take() {
        loop.runUntilIdle(); // what the application did outside the loop goes out now
        List<Captured> all = new ArrayList<>(captured);
        captured.clear();
        return all;
    }

    /** Returns the one segment captured since the last call, failing if there were none or several. */
    Captured takeOne() {
        List<Captured> all = take();
        assertEquals(1, all.size(), () -> "expected one segment from Pith, got " + all);
        return all.getFirst();
    }

    /** Fails if Pith sent anything since the last call. */
    void expectNothing() {
        List<Captured> all = take();
        assertTrue(all.isEmpty(), () -> "expected no segment from Pith, got " + all);
    }

    /** Moves the peer's ACK past everything in {@code segments} (data, SYN and FIN). */
    void acknowledge(List<Captured> segments) {
        for (Captured c : segments) {
            if (!c.rst() && Seq.gt(c.end(), ack)) {
                ack = c.end();
            }
        }
    }

    private void onTransmit(ByteBuf frame) {
        try {
            EthernetFrame eth = EthernetFrame.unchecked(frame, frame.readerIndex(), frame.readableBytes());
            if (eth.checkLength() != null) {
                malformed++;
                return;
            }
            if (eth.etherType() == EtherType.ARP) {
                answerArp(frame, eth);
                return;
            }
            if (eth.etherType() != EtherType.IPV4 || eth.source() != PITH_MAC.bits()) {
                malformed++;
                return;
            }
            Ipv4Packet ip = Ipv4Packet.unchecked(frame, eth.payloadOffset(), eth.payloadLength());
            if (ip.checkLength() != null || !ip.verifyChecksum() || ip.sourceBits() != PITH.bits()) {
                malformed++;
                return;
            }
            if (ip.protocol() != IpProtocol.TCP) {
                return; // ICMP: not what these tests look at
            }
            TcpPacket packet = TcpPacket.unchecked(frame, ip.payloadOffset(), ip.payloadLength());
            TcpRepr repr = packet.checkLength() == null ? TcpRepr.parse(packet, scratch) : null;
            if (repr == null || !packet.verifyChecksum(ip.sourceBits(), ip.destinationBits())) {
                malformed++;
                return;
            }
            byte[] payload = new byte[packet.payloadLength()];
            frame.getBytes(packet.payloadOffset(), payload);
            if (repr.timestamps()) {
                tsRecent = repr.tsVal();
            }
            captured.add(new Captured(loop.now(), ip.sourceBits(), ip.destinationBits(), repr, payload));
        } finally {
            frame.release();
        }
    }

    /** Answers "who has X?" with "X is at the peer's MAC", whatever X is. */
    private void answerArp(ByteBuf frame, EthernetFrame eth) {
        ArpPacket arp = ArpPacket.unchecked(frame, eth.payloadOffset(), eth.payloadLength());
        ArpRepr request = arp.checkLength() == null ? ArpRepr.parse(arp) : null;
        if (request == null || request.operation() != ArpRepr.REQUEST || request.targetProtocol().bits() == PITH.bits()
                || request.targetProtocol().bits() == 0) {
            return; // a reply, an announcement or a probe
        }
        ByteBuf reply = pool.tryAllocate();
        reply.writerIndex(EthernetFrame.HEADER_LENGTH + ArpPacket.LENGTH);
        EthernetFrame out = EthernetFrame.unchecked(reply, 0, reply.writerIndex());
        out.setDestination(PITH_MAC.bits());
        out.setSource(PEER_MAC.bits());
        out.setEtherType(EtherType.ARP);
        new ArpRepr(ArpRepr.REPLY, PEER_MAC.bits(), request.targetProtocol(), PITH_MAC.bits(), PITH)
                .emit(ArpPacket.unchecked(reply, EthernetFrame.HEADER_LENGTH, ArpPacket.LENGTH));
        device.deliver(reply);
    }

    // ================================================================== what the peer sends

    /** A segment the peer is about to send; every field can be changed before {@link #send}. */
    final class Out {
        Ipv4Address source = peerAddress;
        int sourcePort = peerPort;
        int destinationPort = pithPort;
        int seq = RawPeer.this.seq;
        int ack = RawPeer.this.ack;
        int flags;
        int window = RawPeer.this.window;
        int mss = -1;
        int windowScale = -1;
        boolean sackPermitted;
        long[] sackBlocks = new long[0];
        boolean timestamps = RawPeer.this.timestamps;
        int tsVal = peerTimestamp();
        int tsEcr = tsRecent;
        byte[] payload = new byte[0];
        boolean badChecksum;
        /** A window scale shift to put on the wire as is, even one TcpRepr refuses (above 14); -1 for none. */
        int rawWindowScale = -1;

        Out seq(int value) {
            seq = value;
            return this;
        }

        Out ack(int value) {
            ack = value;
            flags |= TcpPacket.ACK;
            return this;
        }

        Out flags(int value) {
            flags = value;
            return this;
        }

        Out window(int value) {
            window = value;
            return this;
        }

        Out from(Ipv4Address address, int port) {
            source = address;
            sourcePort = port;
            return this;
        }

        Out toPort(int port) {
            destinationPort = port;
            return this;
        }

        Out payload(byte[] bytes) {
            payload = bytes;
            return this;
        }

        Out payload(String text) {
            return payload(text.getBytes(StandardCharsets.ISO_8859_1));
        }

        Out offer(Offer offer) {
            mss = offer.mss();
            windowScale = offer.windowScale();
            sackPermitted = offer.sackPermitted();
            timestamps = offer.timestamps();
            tsEcr = (flags & TcpPacket.ACK) != 0 ? tsRecent : 0;
            return this;
        }

        Out timestamps(int value, int echo) {
            timestamps = true;
            tsVal = value;
            tsEcr = echo;
            return this;
        }

        Out noTimestamps() {
            timestamps = false;
            return this;
        }

        Out sack(long... blocks) {
            sackBlocks = blocks;
            return this;
        }

        /** Offers window scale {@code shift} as the option's byte, unchecked (RFC 7323 §2.3 says to clamp above 14). */
        Out rawWindowScale(int shift) {
            windowScale = 0;
            rawWindowScale = shift;
            return this;
        }

        Out badChecksum() {
            badChecksum = true;
            return this;
        }

        /** Sends the segment, runs the loop until idle, and returns what Pith sent meanwhile. */
        List<Captured> send() {
            TcpRepr repr = new TcpRepr(sourcePort, destinationPort, seq, (flags & TcpPacket.ACK) != 0 ? ack : 0, flags,
                    window, mss, windowScale, sackPermitted, sackBlocks, timestamps, timestamps ? tsVal : 0,
                    timestamps ? tsEcr : 0, payload.length);
            int tcpLength = repr.bufferLength();
            int ipOffset = EthernetFrame.HEADER_LENGTH;
            int tcpOffset = ipOffset + Ipv4Packet.HEADER_LENGTH;
            ByteBuf frame = pool.tryAllocate();
            frame.writerIndex(tcpOffset + tcpLength);
            EthernetFrame eth = EthernetFrame.unchecked(frame, 0, frame.writerIndex());
            eth.setDestination(PITH_MAC.bits());
            eth.setSource(PEER_MAC.bits());
            eth.setEtherType(EtherType.IPV4);
            new Ipv4Repr(source, PITH, IpProtocol.TCP, tcpLength, 64, 0)
                    .emit(Ipv4Packet.unchecked(frame, ipOffset, Ipv4Packet.HEADER_LENGTH + tcpLength), identification++, true);
            TcpPacket packet = TcpPacket.unchecked(frame, tcpOffset, tcpLength);
            repr.emit(packet);
            if (rawWindowScale >= 0) {
                for (int i = packet.optionsOffset(); i < packet.payloadOffset(); ) {
                    int kind = frame.getUnsignedByte(i);
                    if (kind == 0) {
                        break;
                    }
                    if (kind == 1) {
                        i++;
                        continue;
                    }
                    if (kind == 3) {
                        frame.setByte(i + 2, rawWindowScale);
                    }
                    i += frame.getUnsignedByte(i + 1);
                }
            }
            frame.setBytes(tcpOffset + repr.headerLength(), payload);
            packet.fillChecksum(source.bits(), PITH.bits());
            if (badChecksum) {
                packet.setChecksum(packet.checksum() ^ 0x5555);
            }
            assertTrue(device.deliver(frame), "the device's receive queue took the frame");
            loop.runUntilIdle();
            return take();
        }
    }

    /** Starts a segment from the peer's current state: its seq, ack (with ACK set if {@code flags} has it), window, timestamps. */
    Out segment(int flags) {
        return new Out().flags(flags);
    }

    /** The peer's TSval now: its own millisecond clock. */
    int peerTimestamp() {
        return (int) nowMillis() + PEER_TS_OFFSET;
    }

    /** Sends {@code data} at the peer's SND.NXT with ACK and PSH, advancing SND.NXT; returns Pith's answer. */
    List<Captured> sendData(byte[] data) {
        Out out = segment(TcpPacket.ACK | TcpPacket.PSH).payload(data);
        seq += data.length;
        return out.send();
    }

    List<Captured> sendData(String text) {
        return sendData(text.getBytes(StandardCharsets.ISO_8859_1));
    }

    /** Sends a bare ACK of {@link #ack}; returns Pith's answer. */
    List<Captured> sendAck() {
        return segment(TcpPacket.ACK).send();
    }

    /** Acknowledges everything in {@code segments} with one bare ACK; returns Pith's answer. */
    List<Captured> acknowledgeAll(List<Captured> segments) {
        acknowledge(segments);
        return sendAck();
    }

    /** Sends FIN (with ACK) at SND.NXT, advancing it; returns Pith's answer. */
    List<Captured> sendFin() {
        Out out = segment(TcpPacket.FIN | TcpPacket.ACK);
        seq += 1;
        return out.send();
    }

    // ================================================================== fixtures, one per state

    /** Makes Pith listen on {@link #pithPort}; each accepted connection gets an {@link App} in {@link #accepted}. */
    void listen() {
        if (listening) {
            return;
        }
        listening = true;
        listener = (ListenerImpl) tcp.listen(pithPort, c -> {
            App app = new App();
            app.connection = c;
            c.setListener(app);
            accepted.add(app);
        });
    }

    /** Pith in LISTEN has taken the peer's SYN with {@code offer}: returns its SYN-ACK (Pith in SYN-RECEIVED). */
    Captured synReceived(Offer offer) {
        listen();
        seq = peerIss;
        Captured synAck = segment(TcpPacket.SYN).offer(offer).send().getFirst();
        assertEquals(TcpPacket.SYN | TcpPacket.ACK, synAck.flags(), () -> "a SYN-ACK: " + synAck);
        pithIss = synAck.seq();
        seq = peerIss + 1;
        ack = pithIss + 1;
        timestamps = offer.timestamps() && synAck.tcp().timestamps();
        take();
        return synAck;
    }

    /** A passive open completed with {@code offer}: returns Pith's application side (ESTABLISHED). */
    App established(Offer offer) {
        int before = accepted.size();
        synReceived(offer);
        expectNothingFrom(sendAck());
        assertEquals(before + 1, accepted.size(), "the listener accepted the connection");
        App app = accepted.getLast();
        assertEquals(TcpState.ESTABLISHED, app.state());
        return app;
    }

    App established() {
        return established(Offer.ALL);
    }

    /** Pith called connect(): returns its SYN (Pith in SYN-SENT) and the application in {@code app}. */
    Captured synSent(App app) {
        app.connection = tcp.connect(new Endpoint(peerAddress, peerPort), app);
        Captured syn = takeOne();
        assertEquals(TcpPacket.SYN, syn.flags(), () -> "a SYN: " + syn);
        pithIss = syn.seq();
        pithPort = syn.tcp().sourcePort();
        assertEquals(peerPort, syn.tcp().destinationPort());
        return syn;
    }

    /** An active open completed: Pith sent its SYN, the peer answered SYN-ACK with {@code offer}. */
    App activeEstablished(Offer offer) {
        App app = new App();
        Captured syn = synSent(app);
        seq = peerIss;
        ack = pithIss + 1;
        timestamps = false;
        Out synAck = segment(TcpPacket.SYN | TcpPacket.ACK).offer(offer);
        if (!syn.tcp().timestamps()) {
            synAck.timestamps = false; // RFC 7323 §3.2: only if the SYN had it
        }
        synAck.tsEcr = syn.tcp().tsVal();
        List<Captured> answer = synAck.send();
        seq = peerIss + 1;
        timestamps = synAck.timestamps;
        assertEquals(1, answer.size(), () -> "the ACK of the SYN-ACK: " + answer);
        assertTrue(answer.getFirst().isBareAck());
        assertEquals(TcpState.ESTABLISHED, app.state());
        return app;
    }

    App activeEstablished() {
        return activeEstablished(Offer.ALL);
    }

    /** Returns the one segment in {@code answer}, failing if there were none or several. */
    static Captured expectOne(List<Captured> answer) {
        assertEquals(1, answer.size(), () -> "expected one segment from Pith, got " + answer);
        return answer.getFirst();
    }

    /** Fails unless {@code answer} is empty. */
    static void expectNothingFrom(List<Captured> answer) {
        assertTrue(answer.isEmpty(), () -> "expected no answer from Pith, got " + answer);
    }

    // ================================================================== checks

    long drops(DropReason reason) {
        return iface.drops().get(reason);
    }

    /** Returns {@code n} bytes of a recognisable pattern, starting at {@code from}. */
    static byte[] bytes(int n, int from) {
        byte[] b = new byte[n];
        for (int i = 0; i < n; i++) {
            b[i] = (byte) ('a' + (from + i) % 26);
        }
        return b;
    }

    static byte[] bytes(int n) {
        return bytes(n, 0);
    }

    @Override
    public void close() {
        assertEquals(0, iface.internalErrors(), "no bug caught in the interface while handling frames");
        assertEquals(0, loop.stats().errors(), "no error in the event loop");
        assertEquals(0, malformed, "every frame Pith sent was well-formed, checksums included");
        tcp.stop();
        loop.runUntilIdle();
        iface.stop();
        loop.runUntilIdle();
        device.close();
        loop.runUntilIdle();
        captured.clear();
        assertEquals(0, pool.outstanding(), "every packet buffer went back to the pool");
        pool.close();
    }

    static String flagNames(int flags) {
        StringBuilder b = new StringBuilder();
        String[] names = {"FIN", "SYN", "RST", "PSH", "ACK", "URG", "ECE", "CWR"};
        for (int i = 0; i < names.length; i++) {
            if ((flags & 1 << i) != 0) {
                b.append(b.isEmpty() ? "" : "|").append(names[i]);
            }
        }
        return b.toString();
    }

    static String sackString(long[] blocks) {
        StringBuilder b = new StringBuilder();
        for (long block : blocks) {
            b.append(b.isEmpty() ? "" : ",").append(Integer.toUnsignedString((int) (block >>> 32))).append('-')
                    .append(Integer.toUnsignedString((int) block));
        }
        return b.toString();
    }
}
