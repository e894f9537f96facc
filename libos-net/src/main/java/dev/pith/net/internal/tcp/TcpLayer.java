package dev.pith.net.internal.tcp;

import dev.pith.core.EventLoop;
import dev.pith.core.RandomSource;
import dev.pith.net.DropReason;
import dev.pith.net.Endpoint;
import dev.pith.net.internal.iface.Interface;
import dev.pith.net.internal.iface.TransportProtocol;
import dev.pith.net.tcp.BlockingTcpConnection;
import dev.pith.net.tcp.BlockingTcpHandler;
import dev.pith.net.tcp.Tcp;
import dev.pith.net.tcp.TcpConnection;
import dev.pith.net.tcp.TcpError;
import dev.pith.net.tcp.TcpHandler;
import dev.pith.net.tcp.TcpListener;
import dev.pith.net.tcp.TcpSettings;
import dev.pith.net.tcp.TcpState;
import dev.pith.net.tcp.TcpStats;
import dev.pith.net.wire.IpProtocol;
import dev.pith.net.wire.Ipv4Packet;
import dev.pith.net.wire.TcpPacket;
import io.netty.buffer.ByteBuf;
import java.io.IOException;
import java.net.ConnectException;
import java.net.SocketTimeoutException;
import java.time.Duration;
import java.util.ArrayDeque;
import java.util.ArrayList;
import java.util.HashMap;
import java.util.List;
import java.util.Map;
import java.util.Objects;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.ExecutionException;
import java.util.concurrent.RejectedExecutionException;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.TimeoutException;

/**
 * TCP on one interface: demultiplexes segments to connections and listeners, answers what has no
 * home with a reset (RFC 9293 §3.10.7.1), runs SYN cookies when a backlog is full, picks
 * ephemeral ports at random (RFC 6056 §3.3.1) and initial sequence numbers by RFC 6528, and
 * writes every outgoing segment.
 *
 * <p>The connection table is keyed by (remote address, remote port, local port): the interface has
 * one address. It is bounded by {@link TcpSettings#maxConnections()}; when full, the oldest
 * TIME-WAIT connection makes room, else the new one is refused.
 */
public final class TcpLayer implements TransportProtocol, Tcp {

    /** Ephemeral port range (RFC 6335 §6: the dynamic ports). */
    static final int FIRST_EPHEMERAL = 49152;
    static final int EPHEMERAL_PORTS = 65536 - FIRST_EPHEMERAL;
    /** Most RFC 5961 challenge ACKs per second (§7), as Linux's tcp_challenge_ack_limit. */
    static final int CHALLENGE_ACKS_PER_SECOND = 1000;
    /** Inbound and outbound buffering of a blocking connection's streams. */
    static final int BLOCKING_BUFFER = 64 * 1024;

    private final EventLoop loop;
    private final Interface iface;
    private final RandomSource random;
    private final TcpSettings settings;
    private final IsnGenerator isn;
    private final SynCookies cookies;
    private final LongMap<Connection> connections;
    private final ArrayDeque<Connection> timeWaitOrder = new ArrayDeque<>();
    private final Map<Integer, ListenerImpl> listeners = new HashMap<>();
    private final Segment segment = new Segment();
    private final OptionsOut optionsOut = new OptionsOut();
    private final int[] sackLefts = new int[4];
    private final int[] sackRights = new int[4];
    private final Counters counters = new Counters();
    private long challengeWindowStart;
    private int challengeAcksInWindow;
    /** Test hook ({@link #forceNextIss}): the ISS of the next connection, if {@link #issForced}. */
    private int forcedIss;
    private boolean issForced;

    /** Mutable counters behind {@link TcpStats}. */
    static final class Counters {
        long activeOpens, passiveOpens, segmentsIn, segmentsOut, retransmits, fastRetransmits, timeouts, resetsSent,
                resetsReceived, challengeAcks, cookiesSent, cookiesAccepted;
    }

    /** Options for one outgoing segment; reused. */
    private static final class OptionsOut {
        int mss = -1;
        int windowScale = -1;
        boolean sackPermitted;
        boolean timestamps;
        int tsVal;
        int tsEcr;
        int sackBlocks;

        void clear() {
            mss = -1;
            windowScale = -1;
            sackPermitted = false;
            timestamps = false;
            sackBlocks = 0;
        }
    }

    public TcpLayer(EventLoop loop, Interface iface, RandomSource random, TcpSettings settings) {
        this.loop = Objects.requireNonNull(loop, "loop == null");
        this.iface = Objects.requireNonNull(iface, "iface == null");
        this.random = Objects.requireNonNull(random, "random == null");
        this.settings = Objects.requireNonNull(settings, "settings == null");
        this.isn = new IsnGenerator(loop.clock(), random);
        this.cookies = new SynCookies(loop.clock(), random);
        this.connections = new LongMap<>(settings.maxConnections());
    }

    /** Starts taking TCP segments from the interface. */
    public void start() {
        iface.register(IpProtocol.TCP, this);
    }

    /** Aborts every connection (with a reset) and closes every listener. */
    public void stop() {
        List<Connection> all = new ArrayList<>();
        connections.forEach((key, c) -> all.add(c));
        for (Connection c : all) {
            c.abortWithReset(TcpError.ABORTED);
        }
        listeners.clear();
    }

    // ------------------------------------------------------------------ accessors for connections

    TcpSettings settings() {
        return settings;
    }

    EventLoop loop() {
        return loop;
    }

    Interface iface() {
        return iface;
    }

    Counters counters() {
        return counters;
    }

    /** Our MSS: the largest TCP payload in one frame without options (RFC 9293 §3.7.1). */
    int localMss() {
        return iface.maxIpv4Payload() - 20;
    }

    /** The timestamp clock: milliseconds (RFC 7323 §5.4 allows 1 ms to 1 s per tick). */
    int timestampNow() {
        return (int) (loop.now() / 1_000_000L);
    }

    static long key(int remoteAddress, int remotePort, int localPort) {
        return (long) remoteAddress << 32 | (long) remotePort << 16 | localPort;
    }

    // ------------------------------------------------------------------ receive

    @Override
    public DropReason receive(Ipv4Packet ip, boolean broadcast) {
        TcpPacket packet = TcpPacket.unchecked(ip.buffer(), ip.payloadOffset(), ip.payloadLength());
        DropReason bad = packet.checkLength();
        if (bad != null) {
            return bad;
        }
        if (broadcast) {
            return DropReason.TCP_NO_SOCKET; // TCP is unicast only (RFC 1122 §4.2.3.10)
        }
        int source = ip.sourceBits();
        int destination = ip.destinationBits();
        if (!packet.verifyChecksum(source, destination)) {
            return DropReason.TCP_BAD_CHECKSUM;
        }
        Segment s = segment;
        s.options.clear();
        if (!s.options.parse(packet)) {
            return DropReason.TCP_MALFORMED;
        }
        s.sourceAddress = source;
        s.destinationAddress = destination;
        s.sourcePort = packet.sourcePort();
        s.destinationPort = packet.destinationPort();
        s.seq = packet.sequenceNumber();
        s.ack = packet.acknowledgementNumber();
        s.flags = packet.flags();
        s.window = packet.windowLength();
        s.buffer = ip.buffer();
        s.payloadOffset = packet.payloadOffset();
        s.payloadLength = packet.payloadLength();
        if (s.sourcePort == 0 || s.destinationPort == 0) {
            return DropReason.TCP_MALFORMED;
        }
        counters.segmentsIn++;
        long key = key(source, s.sourcePort, s.destinationPort);
        Connection c = connections.get(key);
        if (c != null) {
            if (c.state == TcpState.TIME_WAIT && s.syn() && !s.hasAck() && !s.rst() && Seq.gt(s.seq, c.rcvNxt)) {
                // A new incarnation of a connection in TIME-WAIT (RFC 9293 §3.10.7.4 note, RFC 1122 §4.2.2.13).
                c.terminate(null);
            } else {
                return c.receive(s);
            }
        }
        ListenerImpl listener = listeners.get(s.destinationPort);
        if (listener == null) {
            replyReset(s);
            return DropReason.TCP_NO_SOCKET;
        }
        return receiveInListen(listener, s, key);
    }

    /** RFC 9293 §3.10.7.2: a segment for a listening port. */
    private DropReason receiveInListen(ListenerImpl listener, Segment s, long key) {
        if (s.rst()) {
            return DropReason.TCP_NO_SOCKET;
        }
        if (s.hasAck()) {
            if (!s.syn() && settings.synCookies()) {
                int mss = cookies.check(s.destinationAddress, s.destinationPort, s.sourceAddress, s.sourcePort, s.seq - 1, s.ack);
                if (mss > 0) {
                    return acceptCookie(listener, s, key, mss);
                }
                replyReset(s);
                return DropReason.TCP_BAD_COOKIE;
            }
            replyReset(s);
            return DropReason.TCP_NO_SOCKET;
        }
        if (!s.syn() || s.fin()) {
            return DropReason.TCP_UNEXPECTED;
        }
        if (listener.halfOpen >= settings.backlog()) {
            if (!settings.synCookies()) {
                return DropReason.TCP_BACKLOG_FULL;
            }
            sendCookie(s);
            return null;
        }
        if (!makeRoom()) {
            return DropReason.TCP_TOO_MANY_CONNECTIONS;
        }
        Connection c = new Connection(this, key, s.destinationAddress, s.destinationPort, s.sourceAddress, s.sourcePort);
        c.acceptedBy = listener;
        c.halfOpenCounted = true;
        listener.halfOpen++;
        connections.put(key, c);
        counters.passiveOpens++;
        c.acceptSyn(s, initialSequenceNumber(s.destinationAddress, s.destinationPort, s.sourceAddress, s.sourcePort));
        return null;
    }

    private DropReason acceptCookie(ListenerImpl listener, Segment s, long key, int mss) {
        if (!makeRoom()) {
            return DropReason.TCP_TOO_MANY_CONNECTIONS;
        }
        Connection c = new Connection(this, key, s.destinationAddress, s.destinationPort, s.sourceAddress, s.sourcePort);
        c.acceptedBy = listener;
        connections.put(key, c);
        counters.passiveOpens++;
        counters.cookiesAccepted++;
        c.acceptCookie(s, s.ack - 1, Math.min(mss, localMss()));
        c.rcvEdge = s.seq + Math.min(settings.receiveBuffer(), 65535);
        return c.receive(s);
    }

    /** Frees a table slot if the table is full, by ending the oldest TIME-WAIT connection. */
    private boolean makeRoom() {
        while (connections.size() >= settings.maxConnections()) {
            Connection oldest = timeWaitOrder.poll();
            if (oldest == null) {
                return false;
            }
            if (oldest.state == TcpState.TIME_WAIT) {
                oldest.terminate(null);
            }
        }
        return true;
    }

    @Override
    public void icmpError(int type, int code, Ipv4Packet original) {
        int offset = original.payloadOffset();
        ByteBuf buf = original.buffer();
        if (original.protocol() != IpProtocol.TCP || buf.writerIndex() < offset + 8) {
            return;
        }
        // The quoted header is ours: source port is our port, destination the peer's.
        int localPort = buf.getUnsignedShort(offset);
        int remotePort = buf.getUnsignedShort(offset + 2);
        int seq = buf.getInt(offset + 4);
        Connection c = connections.get(key(original.destinationBits(), remotePort, localPort));
        if (c == null || Seq.lt(seq, c.sndUna) || Seq.ge(seq, c.sndMax)) {
            return; // not a segment we have in flight: ignore, as RFC 5927 §4.1 advises against blind attacks
        }
        if (type == 3 && code == 4 && c.state != TcpState.SYN_SENT) {
            int nextHopMtu = buf.getUnsignedShort(original.offset() - 2);
            if (nextHopMtu >= 576 && nextHopMtu - 40 < c.sndMss) {
                c.sndMss = nextHopMtu - 40; // path MTU discovery (RFC 1191)
            }
            return;
        }
        // RFC 1122 §4.2.3.9: soft errors for an established connection; RFC 5461 §4.1 lets an opening one fail.
        if (type == 3 && c.state == TcpState.SYN_SENT && (code == 2 || code == 3)) {
            c.terminate(TcpError.UNREACHABLE);
        }
    }

    // ------------------------------------------------------------------ the application's API

    @Override
    public TcpListener listen(int port, TcpHandler handler) {
        Objects.requireNonNull(handler, "handler == null");
        if (port < 1 || port > 65535) {
            throw new IllegalArgumentException("port out of range 1..65535: " + port);
        }
        if (listeners.containsKey(port)) {
            throw new IllegalStateException("TCP port " + port + " already has a listener");
        }
        ListenerImpl listener = new ListenerImpl(this, port, handler);
        listeners.put(port, listener);
        return listener;
    }

    @Override
    public TcpListener serve(int port, BlockingTcpHandler handler) {
        Objects.requireNonNull(handler, "handler == null");
        return listen(port, connection -> {
            BlockingConnection blocking = new BlockingConnection(loop, connection, BLOCKING_BUFFER, BLOCKING_BUFFER);
            Thread.ofVirtual().name("pith-tcp-" + port + "-" + connection.remoteEndpoint()).start(() -> {
                try (blocking) {
                    handler.handle(blocking);
                } catch (Exception e) {
                    System.getLogger(TcpLayer.class.getName()).log(System.Logger.Level.WARNING,
                            "handler of TCP port " + port + " failed for " + connection.remoteEndpoint(), e);
                }
            });
        });
    }

    void unlisten(ListenerImpl listener) {
        listeners.remove(listener.port(), listener);
    }

    @Override
    public TcpConnection connect(Endpoint remote, TcpConnection.Listener listener) {
        Objects.requireNonNull(remote, "remote == null");
        int local = iface.addressBits();
        if (local == 0) {
            throw new IllegalStateException("no IPv4 address yet: wait for DHCP or configure one before connecting");
        }
        if (!makeRoom()) {
            throw new IllegalStateException("TCP connection table full (" + settings.maxConnections() + ")");
        }
        int remoteAddress = remote.address().bits();
        int port = ephemeralPort(remoteAddress, remote.port());
        long key = key(remoteAddress, remote.port(), port);
        Connection c = new Connection(this, key, local, port, remoteAddress, remote.port());
        c.setListener(listener);
        connections.put(key, c);
        counters.activeOpens++;
        c.open(initialSequenceNumber(local, port, remoteAddress, remote.port()));
        return c;
    }

    /** Returns the ISS for a new connection: RFC 6528's, unless a test forced the next one. */
    private int initialSequenceNumber(int localAddress, int localPort, int remoteAddress, int remotePort) {
        if (issForced) {
            issForced = false;
            return forcedIss;
        }
        return isn.next(localAddress, localPort, remoteAddress, remotePort);
    }

    /** Test hook: the next connection opened or accepted (not by SYN cookie) starts at {@code iss}. */
    void forceNextIss(int iss) {
        forcedIss = iss;
        issForced = true;
    }

    /** RFC 6056 §3.3.1 (Algorithm 1): a random port, then the next free one. */
    private int ephemeralPort(int remoteAddress, int remotePort) {
        int start = random.nextInt(EPHEMERAL_PORTS);
        for (int i = 0; i < EPHEMERAL_PORTS; i++) {
            int port = FIRST_EPHEMERAL + (start + i) % EPHEMERAL_PORTS;
            if (!listeners.containsKey(port) && connections.get(key(remoteAddress, remotePort, port)) == null) {
                return port;
            }
        }
        throw new IllegalStateException("no free ephemeral port towards " + new Endpoint(
                new dev.pith.net.Ipv4Address(remoteAddress), remotePort));
    }

    @Override
    public BlockingTcpConnection open(Endpoint remote, Duration timeout) throws IOException {
        if (loop.inLoop() && !Thread.currentThread().isVirtual() && Thread.currentThread().getName().startsWith("pith")) {
            throw new IllegalStateException("open() blocks: call it from a virtual thread, not the event loop");
        }
        CompletableFuture<BlockingConnection> result = new CompletableFuture<>();
        TcpConnection[] opened = new TcpConnection[1];
        try {
            loop.execute(() -> {
                try {
                    opened[0] = connect(remote, new TcpConnection.Listener() {
                        @Override
                        public void onWritable(TcpConnection connection) {
                            if (!result.isDone()) {
                                result.complete(new BlockingConnection(loop, connection, BLOCKING_BUFFER, BLOCKING_BUFFER));
                            }
                        }

                        @Override
                        public void onClosed(TcpConnection connection, TcpError error) {
                            result.completeExceptionally(new ConnectException("connection to " + remote + " failed: "
                                    + (error == null ? "closed" : error.name().toLowerCase().replace('_', ' '))));
                        }
                    });
                } catch (RuntimeException e) {
                    result.completeExceptionally(e);
                }
            });
        } catch (RejectedExecutionException e) {
            throw new IOException("the network stack is not running", e);
        }
        try {
            return result.get(timeout.toNanos(), TimeUnit.NANOSECONDS);
        } catch (TimeoutException e) {
            loop.execute(() -> {
                if (opened[0] != null) {
                    opened[0].abort();
                }
            });
            throw new SocketTimeoutException("connection to " + remote + " timed out after " + timeout);
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
            throw new IOException("interrupted while connecting to " + remote, e);
        } catch (ExecutionException e) {
            if (e.getCause() instanceof IOException io) {
                throw io;
            }
            throw new IOException(e.getCause());
        }
    }

    @Override
    public TcpStats stats() {
        long[] established = new long[1];
        connections.forEach((key, c) -> {
            if (c.state == TcpState.ESTABLISHED || c.state == TcpState.CLOSE_WAIT) {
                established[0]++;
            }
        });
        Counters k = counters;
        return new TcpStats(k.activeOpens, k.passiveOpens, established[0], connections.size(), k.segmentsIn, k.segmentsOut,
                k.retransmits, k.fastRetransmits, k.timeouts, k.resetsSent, k.resetsReceived, k.challengeAcks,
                k.cookiesSent, k.cookiesAccepted);
    }

    /** Removes an ended connection from the table. */
    void remove(Connection c) {
        connections.remove(c.key);
    }

    /** Notes that {@code c} entered TIME-WAIT, so it can make room when the table is full. */
    void enteredTimeWait(Connection c) {
        timeWaitOrder.add(c);
        while (timeWaitOrder.size() > settings.maxConnections()) {
            timeWaitOrder.poll();
        }
    }

    /** Runs the connection's output now: the loop is single-threaded, so "later" buys nothing. */
    void scheduleOutput(Connection c) {
        c.output();
    }

    // ------------------------------------------------------------------ transmit

    /**
     * Writes and sends one segment of {@code c}: {@code length} payload bytes taken from its send
     * buffer at {@code dataOffset}, our current ACK and window, timestamps and SACK blocks as agreed.
     * Returns false when no frame buffer was free.
     */
    boolean sendSegment(Connection c, int seq, int flags, int dataOffset, int length) {
        OptionsOut o = optionsOut;
        o.clear();
        if (c.timestamps) {
            o.timestamps = true;
            o.tsVal = timestampNow();
            o.tsEcr = c.tsRecent;
        }
        if (c.sackPermitted && !c.outOfOrder.isEmpty()) {
            // Options count against the segment size (RFC 6691): a full data segment has no room for SACK
            // blocks, and takes none rather than exceed the MTU; ACKs and short segments carry them.
            int room = Math.min(40, c.sndMss - length) - (c.timestamps ? Connection.TIMESTAMPS_LENGTH : 0);
            int fit = room >= 12 ? (room - 4) / 8 : 0;
            o.sackBlocks = fit == 0 ? 0 : c.outOfOrder.sackBlocks(sackLefts, sackRights, Math.min(fit, c.timestamps ? 3 : 4));
            for (int i = 0; i < o.sackBlocks; i++) {
                sackLefts[i] += c.rcvNxt;
                sackRights[i] += c.rcvNxt;
            }
        }
        int window = c.receiveWindow();
        boolean sent = emit(c.localAddress, c.localPort, c.remoteAddress, c.remotePort, seq, c.rcvNxt, flags,
                window >>> c.rcvWndShift, o, c.sendBuffer, dataOffset, length);
        if (sent) {
            c.ackSent(window);
        }
        return sent;
    }

    /** Sends the SYN (active open) or SYN-ACK (passive or simultaneous open) of {@code c}. */
    void sendSyn(Connection c, boolean synAck) {
        OptionsOut o = optionsOut;
        o.clear();
        o.mss = localMss();
        boolean offer = !synAck;
        if (offer ? settings.windowScaling() : c.rcvWndShift > 0 || c.sndWndShift > 0) {
            o.windowScale = offer ? Connection.scaleFor(settings.receiveBuffer()) : c.rcvWndShift;
        }
        o.sackPermitted = offer ? settings.sack() : c.sackPermitted;
        if (offer ? settings.timestamps() : c.timestamps) {
            o.timestamps = true;
            o.tsVal = timestampNow();
            o.tsEcr = synAck ? c.tsRecent : 0;
        }
        int window = Math.min(settings.receiveBuffer(), 65535); // a SYN's window is never scaled
        int flags = TcpPacket.SYN | (synAck ? TcpPacket.ACK : 0);
        emit(c.localAddress, c.localPort, c.remoteAddress, c.remotePort, c.iss, synAck ? c.rcvNxt : 0, flags, window, o,
                null, 0, 0);
        if (synAck) {
            c.rcvEdge = c.rcvNxt + window;
            c.lastAckSent = c.rcvNxt;
        }
    }

    /** Answers a SYN to a full listener with a SYN cookie instead of state (RFC 4987 §3.6). */
    private void sendCookie(Segment s) {
        int mss = s.options.mss > 0 ? s.options.mss : Connection.DEFAULT_MSS;
        int cookie = cookies.cookie(s.destinationAddress, s.destinationPort, s.sourceAddress, s.sourcePort, s.seq,
                Math.min(mss, localMss()));
        OptionsOut o = optionsOut;
        o.clear();
        o.mss = localMss();
        counters.cookiesSent++;
        emit(s.destinationAddress, s.destinationPort, s.sourceAddress, s.sourcePort, cookie, s.seq + 1,
                TcpPacket.SYN | TcpPacket.ACK, Math.min(settings.receiveBuffer(), 65535), o, null, 0, 0);
    }

    /** Sends an RFC 5961 challenge ACK, at most {@value #CHALLENGE_ACKS_PER_SECOND} per second (§7). */
    void sendChallengeAck(Connection c) {
        long now = loop.now();
        if (now - challengeWindowStart >= 1_000_000_000L) {
            challengeWindowStart = now;
            challengeAcksInWindow = 0;
        }
        if (challengeAcksInWindow++ < CHALLENGE_ACKS_PER_SECOND) {
            counters.challengeAcks++;
            c.sendAck();
        }
    }

    /** Answers a segment that has no connection (RFC 9293 §3.10.7.1); never answers a reset. */
    private void replyReset(Segment s) {
        if (s.rst()) {
            return;
        }
        if (s.hasAck()) {
            sendReset(s.destinationAddress, s.destinationPort, s.sourceAddress, s.sourcePort, s.ack, 0, false);
        } else {
            sendReset(s.destinationAddress, s.destinationPort, s.sourceAddress, s.sourcePort, 0, s.seq + s.length(), true);
        }
    }

    /** Sends a reset, with an acknowledgement when {@code withAck}. */
    void sendReset(int localAddress, int localPort, int remoteAddress, int remotePort, int seq, int ack, boolean withAck) {
        OptionsOut o = optionsOut;
        o.clear();
        counters.resetsSent++;
        emit(localAddress, localPort, remoteAddress, remotePort, seq, ack, TcpPacket.RST | (withAck ? TcpPacket.ACK : 0),
                0, o, null, 0, 0);
    }

    /** Builds one segment in a new frame and hands it to IPv4 with Don't Fragment set. */
    private boolean emit(int localAddress, int localPort, int remoteAddress, int remotePort, int seq, int ack, int flags,
            int windowField, OptionsOut o, ByteRing payload, int dataOffset, int length) {
        ByteBuf frame = iface.allocateIpv4();
        if (frame == null) {
            return false;
        }
        int start = frame.writerIndex();
        int optionsLength = writeOptions(frame, start + 20, o);
        int headerLength = 20 + optionsLength;
        if (length > 0) {
            payload.peek(dataOffset, frame, start + headerLength, length);
        }
        frame.writerIndex(start + headerLength + length);
        TcpPacket packet = TcpPacket.unchecked(frame, start, headerLength + length);
        packet.setSourcePort(localPort);
        packet.setDestinationPort(remotePort);
        packet.setSequenceNumber(seq);
        packet.setAcknowledgementNumber((flags & TcpPacket.ACK) != 0 ? ack : 0);
        packet.setHeaderLength(headerLength);
        packet.setFlags(flags);
        packet.setWindowLength(Math.min(windowField, 65535));
        packet.setUrgentPointer(0);
        packet.fillChecksum(localAddress, remoteAddress);
        counters.segmentsOut++;
        iface.sendIpv4(frame, localAddress, remoteAddress, IpProtocol.TCP, true);
        return true;
    }

    /**
     * Writes the options as Linux lays them out (4-byte aligned with NOPs): MSS; SACK-permitted
     * with timestamps, or NOP NOP timestamps; NOP window scale; NOP NOP SACK blocks. Returns their length.
     */
    private int writeOptions(ByteBuf frame, int at, OptionsOut o) {
        int p = at;
        if (o.mss >= 0) {
            frame.setByte(p, 2);
            frame.setByte(p + 1, 4);
            frame.setShort(p + 2, o.mss);
            p += 4;
        }
        if (o.timestamps) {
            if (o.sackPermitted) {
                frame.setByte(p, 4);
                frame.setByte(p + 1, 2);
            } else {
                frame.setByte(p, 1);
                frame.setByte(p + 1, 1);
            }
            frame.setByte(p + 2, 8);
            frame.setByte(p + 3, 10);
            frame.setInt(p + 4, o.tsVal);
            frame.setInt(p + 8, o.tsEcr);
            p += 12;
        } else if (o.sackPermitted) {
            frame.setByte(p, 1);
            frame.setByte(p + 1, 1);
            frame.setByte(p + 2, 4);
            frame.setByte(p + 3, 2);
            p += 4;
        }
        if (o.windowScale >= 0) {
            frame.setByte(p, 1);
            frame.setByte(p + 1, 3);
            frame.setByte(p + 2, 3);
            frame.setByte(p + 3, o.windowScale);
            p += 4;
        }
        if (o.sackBlocks > 0) {
            frame.setByte(p, 1);
            frame.setByte(p + 1, 1);
            frame.setByte(p + 2, 5);
            frame.setByte(p + 3, 2 + 8 * o.sackBlocks);
            p += 4;
            for (int i = 0; i < o.sackBlocks; i++) {
                frame.setInt(p, sackLefts[i]);
                frame.setInt(p + 4, sackRights[i]);
                p += 8;
            }
        }
        return p - at;
    }

    @Override
    public String toString() {
        return "TCP on " + iface;
    }
}
