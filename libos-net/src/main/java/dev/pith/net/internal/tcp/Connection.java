package dev.pith.net.internal.tcp;

import dev.pith.core.Timer;
import dev.pith.net.DropReason;
import dev.pith.net.Endpoint;
import dev.pith.net.Ipv4Address;
import dev.pith.net.tcp.TcpConnection;
import dev.pith.net.tcp.TcpError;
import dev.pith.net.tcp.TcpSettings;
import dev.pith.net.tcp.TcpState;
import dev.pith.net.wire.TcpPacket;
import io.netty.buffer.ByteBuf;
import java.time.Duration;
import java.util.Objects;

/**
 * One TCP connection: the state machine of RFC 9293 with its extensions — window scaling,
 * timestamps and PAWS (RFC 7323), SACK blocks (RFC 2018), retransmission timing (RFC 6298),
 * congestion control with NewReno recovery (RFC 5681, RFC 6582) or CUBIC (RFC 9438), the RFC 5961
 * checks against blind resets and SYNs, zero-window probing, delayed ACK, Nagle and keepalive.
 *
 * <p>Heads up! This follows RFC 9293 §3.10.7 "SEGMENT ARRIVES" step by step; read it alongside.
 * Sequence numbers are raw 32-bit ints compared with {@link Seq} across wrap-around.
 *
 * <p>Everything runs on the event loop thread. Buffers are bounded by {@link TcpSettings}: the
 * send buffer holds unacknowledged and unsent data, the receive buffer holds in-order data the
 * application has not read plus out-of-order data at its place beyond it.
 */
final class Connection implements TcpConnection {

    /** Bytes of the timestamps option with its two NOPs (RFC 7323 Appendix A layout). */
    static final int TIMESTAMPS_LENGTH = 12;
    /** Default MSS when the peer sends none (RFC 9293 §3.7.1). */
    static final int DEFAULT_MSS = 536;
    /** PAWS forgets TS.Recent after 24 days idle (RFC 7323 §5.5). */
    private static final long PAWS_IDLE_NANOS = Duration.ofDays(24).toNanos();

    final TcpLayer tcp;
    final long key;
    final int localAddress;
    final int localPort;
    final int remoteAddress;
    final int remotePort;
    /** The listener that accepted this connection, until it is handed to the application; null for active opens. */
    ListenerImpl acceptedBy;
    /** Whether this connection counts against its listener's backlog (not for SYN-cookie connections). */
    boolean halfOpenCounted;
    private final TcpSettings settings;

    TcpState state;

    // Send sequence space (RFC 9293 §3.3.1). sndMax is the highest sequence number sent so far:
    // after a timeout sndNxt goes back to sndUna, and ACKs up to sndMax stay acceptable.
    int iss;
    int sndUna;
    int sndNxt;
    int sndMax;
    int sndWnd;
    int sndWl1;
    int sndWl2;
    int maxSndWnd;
    /** Shift applied to the peer's window field (its scale); 0 without window scaling. */
    int sndWndShift;
    /** Largest segment payload the peer takes (its MSS), before our options. */
    int sndMss = DEFAULT_MSS;
    final ByteRing sendBuffer;
    /** The application closed its output: a FIN follows the data. */
    boolean finQueued;
    /** The peer acknowledged our FIN. */
    boolean finAcked;

    // Receive sequence space.
    int irs;
    int rcvNxt;
    /** The right edge of the window last advertised: it never moves left (RFC 9293 §3.8.6.2.2). */
    int rcvEdge;
    /** Shift applied to the window we advertise (our scale). */
    int rcvWndShift;
    final ByteRing receiveBuffer;
    final Assembler outOfOrder;
    /** A FIN arrived ahead of missing data, at this sequence number. */
    boolean pendingFin;
    int pendingFinSeq;
    boolean finReceived;
    /** The application closed the connection: arriving data is not wanted. */
    boolean readClosed;
    /** New data or the end of the stream arrived since the application was last told. */
    private boolean listenerReadable;

    // Options agreed in the handshake.
    boolean sackPermitted;
    boolean timestamps;
    int tsRecent;
    long tsRecentAt;
    /** RCV.NXT as carried by the last ACK we sent ("Last.ACK.sent" of RFC 7323 §4.3). */
    int lastAckSent;

    // Timing and congestion.
    final RttEstimator rtt;
    final CongestionControl congestion;
    int retransmissions;
    boolean rttTiming;
    int rttSeq;
    long rttStartNanos;
    int duplicateAcks;
    boolean inRecovery;
    int recover;

    // Acknowledgement policy.
    boolean ackNow;
    int unacknowledgedSegments;

    final Timer retransmitTimer;
    final Timer delayedAckTimer;
    final Timer persistTimer;
    final Timer keepAliveTimer;
    /** TIME-WAIT's 2 MSL, or the FIN-WAIT-2 timeout of an orphaned connection. */
    final Timer closeTimer;
    long persistBackoffNanos;
    int keepAliveProbesSent;

    // Application side.
    private Listener listener = new Listener() {};
    boolean noDelay;
    boolean delayedAck = true;
    Duration keepAliveIdle;
    boolean writeBlocked;
    private boolean closedReported;
    private boolean establishedReported;
    TcpError error;

    Connection(TcpLayer tcp, long key, int localAddress, int localPort, int remoteAddress, int remotePort) {
        this.tcp = tcp;
        this.key = key;
        this.localAddress = localAddress;
        this.localPort = localPort;
        this.remoteAddress = remoteAddress;
        this.remotePort = remotePort;
        this.settings = tcp.settings();
        this.sendBuffer = new ByteRing(Math.min(16 * 1024, settings.sendBuffer()), settings.sendBuffer());
        this.receiveBuffer = new ByteRing(Math.min(16 * 1024, settings.receiveBuffer()), settings.receiveBuffer());
        this.outOfOrder = new Assembler(settings.outOfOrderRanges());
        this.rtt = new RttEstimator(settings.initialRto().toNanos(), settings.minRto().toNanos(), settings.maxRto().toNanos());
        this.congestion = settings.congestionControl().equals("cubic") ? new Cubic(DEFAULT_MSS) : new NewReno(DEFAULT_MSS);
        var loop = tcp.loop();
        this.retransmitTimer = loop.timer(this::onRetransmitTimeout);
        this.delayedAckTimer = loop.timer(this::onDelayedAck);
        this.persistTimer = loop.timer(this::onPersist);
        this.keepAliveTimer = loop.timer(this::onKeepAlive);
        this.closeTimer = loop.timer(this::onCloseTimer);
        this.state = TcpState.CLOSED;
    }

    // ================================================================== opening

    /** Active open (RFC 9293 §3.10.1): sends a SYN and enters SYN-SENT. */
    void open(int iss) {
        this.iss = iss;
        recover = iss; // RFC 6582 §3.2 step 1
        sndUna = iss;
        sndNxt = iss + 1;
        sndMax = sndNxt;
        rcvWndShift = settings.windowScaling() ? scaleFor(settings.receiveBuffer()) : 0;
        state = TcpState.SYN_SENT;
        tcp.sendSyn(this, false);
        retransmitTimer.scheduleAfterNanos(rtt.rtoNanos());
    }

    /**
     * Passive open: a listener took the SYN {@code s}; answer with a SYN-ACK and enter
     * SYN-RECEIVED, agreeing to the options the peer offered and we allow.
     */
    void acceptSyn(Segment s, int iss) {
        this.iss = iss;
        recover = iss; // RFC 6582 §3.2 step 1
        sndUna = iss;
        sndNxt = iss + 1;
        sndMax = sndNxt;
        irs = s.seq;
        rcvNxt = s.seq + 1;
        negotiate(s);
        sndWnd = s.window; // never scaled in a SYN (RFC 7323 §2.2)
        sndWl1 = s.seq;
        sndWl2 = iss;
        maxSndWnd = sndWnd;
        state = TcpState.SYN_RECEIVED;
        tcp.sendSyn(this, true);
        retransmitTimer.scheduleAfterNanos(rtt.rtoNanos());
    }

    /**
     * A connection made from a valid SYN cookie (RFC 4987 §3.6): established at once, with only
     * the MSS the cookie carried; window scaling, SACK and timestamps are lost.
     */
    void acceptCookie(Segment s, int cookieIss, int mss) {
        iss = cookieIss;
        recover = cookieIss; // RFC 6582 §3.2 step 1
        sndUna = s.ack;
        sndNxt = s.ack;
        sndMax = s.ack;
        irs = s.seq - 1;
        rcvNxt = s.seq;
        rcvEdge = rcvNxt;
        setMss(mss);
        sndWnd = s.window;
        sndWl1 = s.seq;
        sndWl2 = s.ack;
        maxSndWnd = sndWnd;
        state = TcpState.ESTABLISHED;
    }

    private void negotiate(Segment s) {
        var o = s.options;
        setMss(o.mss > 0 ? Math.min(o.mss, tcp.localMss()) : Math.min(DEFAULT_MSS, tcp.localMss()));
        if (settings.windowScaling() && o.windowScale >= 0) {
            sndWndShift = o.windowScale;
            rcvWndShift = scaleFor(settings.receiveBuffer());
        } else {
            sndWndShift = 0;
            rcvWndShift = 0;
        }
        sackPermitted = settings.sack() && o.sackPermitted;
        timestamps = settings.timestamps() && o.hasTimestamps;
        if (timestamps) {
            tsRecent = o.tsVal;
            tsRecentAt = tcp.loop().now();
        }
    }

    private void setMss(int mss) {
        sndMss = Math.max(64, mss);
        congestion.setMss(segmentPayload());
    }

    /** Returns the smallest window scale that lets the window field describe {@code buffer} bytes. */
    static int scaleFor(int buffer) {
        int shift = 0;
        while (shift < 14 && (buffer >> shift) > 65535) {
            shift++;
        }
        return shift;
    }

    /** Returns the payload of a full-sized segment: the peer's MSS less the options we put in each one. */
    int segmentPayload() {
        return sndMss - (timestamps ? TIMESTAMPS_LENGTH : 0);
    }

    // ================================================================== segment arrives

    /** Handles one segment for this connection; returns null when taken, or why it was dropped. */
    DropReason receive(Segment s) {
        DropReason outcome = switch (state) {
            case SYN_SENT -> receiveInSynSent(s);
            case CLOSED, LISTEN -> DropReason.TCP_UNEXPECTED;
            default -> receiveSynchronized(s);
        };
        afterInput();
        return outcome;
    }

    /** RFC 9293 §3.10.7.3. */
    private DropReason receiveInSynSent(Segment s) {
        if (s.hasAck() && (Seq.le(s.ack, iss) || Seq.gt(s.ack, sndMax))) {
            if (!s.rst()) {
                tcp.sendReset(localAddress, localPort, remoteAddress, remotePort, s.ack, 0, false);
            }
            return DropReason.TCP_BAD_ACK;
        }
        if (s.rst()) {
            if (!s.hasAck()) {
                return DropReason.TCP_BAD_RST; // RFC 5961 §3.2: only a reset acknowledging our SYN counts.
            }
            tcp.counters().resetsReceived++;
            terminate(TcpError.REFUSED);
            return null;
        }
        if (!s.syn()) {
            return DropReason.TCP_UNEXPECTED;
        }
        irs = s.seq;
        rcvNxt = s.seq + 1;
        rcvEdge = rcvNxt + Math.min(settings.receiveBuffer(), 65535); // what our SYN advertised
        lastAckSent = rcvNxt;
        negotiate(s);
        sndWnd = s.window;
        sndWl1 = s.seq;
        sndWl2 = s.ack;
        maxSndWnd = sndWnd;
        if (s.hasAck()) {
            sndUna = s.ack;
            retransmitTimer.cancel();
            retransmissions = 0;
            rtt.resetBackoff();
            state = TcpState.ESTABLISHED;
            ackNow = true;
            // RFC 9293 §3.10.7.3: "continue processing at the sixth step": text after the SYN is taken.
            s.trimFront(1);
            s.trimBack(rcvEdge - s.seq);
            takePayloadAndFin(s);
            return null;
        }
        // Simultaneous open (RFC 9293 §3.5, figure 7): answer SYN with SYN-ACK from our ISS.
        state = TcpState.SYN_RECEIVED;
        tcp.sendSyn(this, true);
        return null;
    }

    /** RFC 9293 §3.10.7.4, for SYN-RECEIVED and the synchronized states. */
    private DropReason receiveSynchronized(Segment s) {
        long now = tcp.loop().now();
        if (state == TcpState.SYN_RECEIVED && s.syn() && !s.hasAck() && s.seq == irs) {
            tcp.sendSyn(this, true); // our SYN-ACK was lost: the peer sent its SYN again
            return null;
        }
        if (state == TcpState.TIME_WAIT && s.fin() && !s.rst()) {
            sendAck(); // the peer did not get our ACK of its FIN (RFC 9293 §3.10.7.4, TIME-WAIT)
            closeTimer.scheduleAfter(settings.timeWait());
            return null;
        }
        // PAWS (RFC 7323 §5.3): a segment older than the last one seen is a duplicate from a previous incarnation.
        var o = s.options;
        if (timestamps && o.hasTimestamps && !s.rst() && Seq.lt(o.tsVal, tsRecent) && now - tsRecentAt < PAWS_IDLE_NANOS) {
            sendAck();
            return DropReason.TCP_PAWS;
        }
        // First: is the sequence number acceptable (RFC 9293 §3.10.7.4, the table)?
        int window = Math.max(0, rcvEdge - rcvNxt);
        int length = s.length();
        boolean acceptable;
        if (length == 0) {
            acceptable = window == 0 ? s.seq == rcvNxt : Seq.inWindow(s.seq, rcvNxt, window) || s.seq == rcvNxt;
        } else if (window == 0) {
            // "special allowance should be made to accept valid ACKs, URGs, and RSTs": a segment at RCV.NXT is
            // taken for its ACK; its text is trimmed off below.
            acceptable = s.seq == rcvNxt;
        } else {
            acceptable = Seq.inWindow(s.seq, rcvNxt, window) || Seq.inWindow(s.seq + length - 1, rcvNxt, window);
        }
        if (!acceptable) {
            if (s.rst()) {
                return DropReason.TCP_BAD_RST;
            }
            sendAck();
            return DropReason.TCP_OUT_OF_WINDOW;
        }
        s.trimFront(rcvNxt - s.seq);
        int untrimmed = s.length();
        s.trimBack(window == 0 ? 0 : rcvNxt + window - s.seq);
        if (s.length() < untrimmed) {
            ackNow = true; // text beyond the window was dropped: repeat where the window ends
        }
        if (timestamps && o.hasTimestamps && Seq.le(s.seq, lastAckSent) && Seq.ge(o.tsVal, tsRecent)) {
            tsRecent = o.tsVal;
            tsRecentAt = now;
        }
        keepAliveProbesSent = 0;
        if (keepAliveIdle != null) {
            keepAliveTimer.scheduleAfter(keepAliveIdle);
        }

        // Second: RST (RFC 5961 §3.2: only an exact match resets; one merely in the window is challenged).
        if (s.rst()) {
            if (s.seq != rcvNxt) {
                tcp.sendChallengeAck(this);
                return DropReason.TCP_BAD_RST;
            }
            tcp.counters().resetsReceived++;
            // RFC 9293 §3.10.7.4 second check: SYN-RECEIVED from a passive open goes back to LISTEN quietly,
            // from an active (simultaneous) open "the connection was refused".
            terminate(state == TcpState.SYN_RECEIVED ? (acceptedBy != null ? null : TcpError.REFUSED)
                    : state == TcpState.TIME_WAIT || state == TcpState.LAST_ACK || state == TcpState.CLOSING
                            ? null : TcpError.RESET);
            return null;
        }
        // Fourth: a SYN on a synchronized connection is challenged, never obeyed (RFC 5961 §4.2).
        if (s.syn()) {
            tcp.sendChallengeAck(this);
            return DropReason.TCP_BAD_SYN;
        }
        // Fifth: the ACK field.
        if (!s.hasAck()) {
            return DropReason.TCP_UNEXPECTED;
        }
        if (state == TcpState.SYN_RECEIVED) {
            if (Seq.le(s.ack, sndUna) || Seq.gt(s.ack, sndMax)) {
                tcp.sendReset(localAddress, localPort, remoteAddress, remotePort, s.ack, 0, false);
                return DropReason.TCP_BAD_ACK;
            }
            // Our SYN is acknowledged: SND.UNA moves past it before the ACK step looks at any data.
            state = TcpState.ESTABLISHED;
            sndUna = iss + 1;
            retransmissions = 0;
            rtt.resetBackoff();
            if (sndUna == sndMax) {
                retransmitTimer.cancel();
            }
            sndWnd = s.window << sndWndShift;
            sndWl1 = s.seq;
            sndWl2 = s.ack;
            maxSndWnd = Math.max(maxSndWnd, sndWnd);
            if (finQueued) {
                state = TcpState.FIN_WAIT_1;
            }
        }
        DropReason ackOutcome = processAck(s, now);
        if (ackOutcome != null) {
            return ackOutcome;
        }
        if (state == TcpState.CLOSED) {
            return null; // LAST-ACK's FIN was acknowledged
        }
        // Seventh and eighth: the payload and the FIN.
        if (s.payloadLength > 0 && readClosed) {
            // RFC 9293 §3.10.4 / RFC 2525: data for a connection the application closed is an error; reset it.
            abortWithReset(TcpError.ABORTED);
            return null;
        }
        takePayloadAndFin(s);
        return null;
    }

    /** The ACK checks and their effects (RFC 9293 §3.10.7.4 fifth step, RFC 5961 §5.2, RFC 6582). */
    private DropReason processAck(Segment s, long now) {
        int ack = s.ack;
        if (Seq.gt(ack, sndMax)) {
            sendAck();
            return DropReason.TCP_BAD_ACK;
        }
        if (Seq.lt(ack, sndUna - maxSndWnd)) {
            tcp.sendChallengeAck(this);
            return DropReason.TCP_BAD_ACK;
        }
        int previousWindow = sndWnd;
        boolean windowUpdate = Seq.lt(sndWl1, s.seq) || (sndWl1 == s.seq && Seq.le(sndWl2, ack));
        int newWindow = s.window << sndWndShift;
        if (Seq.gt(ack, sndUna)) {
            acknowledge(s, ack, now);
        } else if (ack == sndUna && s.payloadLength == 0 && !s.fin() && newWindow == previousWindow
                && sndMax != sndUna) {
            duplicateAck();
        }
        if (windowUpdate) {
            sndWnd = newWindow;
            sndWl1 = s.seq;
            sndWl2 = ack;
            maxSndWnd = Math.max(maxSndWnd, sndWnd);
            if (sndWnd > 0 && persistTimer.isScheduled()) {
                persistTimer.cancel();
            }
        }
        return null;
    }

    /** New data acknowledged: free it, time the round trip, grow the window, move the state on. */
    private void acknowledge(Segment s, int ack, long now) {
        int acked = ack - sndUna;
        // Once the output is closed the FIN's sequence number is fixed: right after the last byte.
        boolean finAcknowledged = finQueued && !finAcked && Seq.gt(ack, sndUna + sendBuffer.length());
        if (finAcknowledged) {
            finAcked = true;
        }
        int dataAcked = Math.min(acked, sendBuffer.length());
        sendBuffer.discard(dataAcked);
        sndUna = ack;
        if (Seq.lt(sndNxt, ack)) {
            sndNxt = ack;
        }
        retransmissions = 0;
        rtt.resetBackoff();
        var o = s.options;
        if (timestamps && o.hasTimestamps && o.tsEcr != 0) {
            rtt.sample(Math.max(0, tcp.timestampNow() - o.tsEcr) * 1_000_000L);
        } else if (rttTiming && Seq.gt(ack, rttSeq)) {
            rtt.sample(now - rttStartNanos);
            rttTiming = false;
        }
        int flight = sndMax - sndUna;
        if (inRecovery) {
            if (Seq.ge(ack, recover)) {
                inRecovery = false;
                congestion.onRecoveryEnd(flight);
            } else {
                // A partial ACK (RFC 6582 §3.2 step 5): the next hole is lost too; resend it now.
                congestion.onPartialAck(dataAcked);
                retransmitFirst();
            }
        } else {
            congestion.onAck(dataAcked, rtt.srttNanos(), now);
        }
        duplicateAcks = 0;
        if (sndUna == sndMax) {
            retransmitTimer.cancel();
        } else {
            retransmitTimer.scheduleAfterNanos(rtt.rtoNanos()); // RFC 6298 §5.3
        }
        if (finAcknowledged) {
            switch (state) {
                case FIN_WAIT_1 -> {
                    state = TcpState.FIN_WAIT_2;
                    if (readClosed) {
                        closeTimer.scheduleAfter(settings.timeWait()); // an orphan must not wait for the peer forever
                    }
                }
                case CLOSING -> enterTimeWait();
                case LAST_ACK -> terminate(null);
                default -> { }
            }
        }
    }

    private void duplicateAck() {
        duplicateAcks++;
        if (duplicateAcks == 3 && !inRecovery && Seq.gt(sndUna, recover)) {
            // Fast retransmit (RFC 5681 §3.2), entering NewReno recovery (RFC 6582 §3.2 step 2).
            inRecovery = true;
            recover = sndMax;
            congestion.onFastRetransmit(sndMax - sndUna, tcp.loop().now());
            retransmitFirst();
        } else if (inRecovery) {
            congestion.onDuplicateAck();
        }
    }

    /** Takes in-order or out-of-order payload into the receive buffer, and the FIN when its turn comes. */
    private void takePayloadAndFin(Segment s) {
        boolean dataState = state == TcpState.ESTABLISHED || state == TcpState.FIN_WAIT_1 || state == TcpState.FIN_WAIT_2;
        if (s.payloadLength > 0 && dataState) {
            int offset = s.seq - rcvNxt;
            if (offset == 0) {
                receiveBuffer.writeAt(0, s.buffer, s.payloadOffset, s.payloadLength);
                int extra = outOfOrder.advance(s.payloadLength);
                receiveBuffer.commit(s.payloadLength + extra);
                rcvNxt += s.payloadLength + extra;
                listenerReadable = true;
                if (extra > 0 || !outOfOrder.isEmpty()) {
                    ackNow = true; // filling a hole: acknowledge at once (RFC 5681 §4.2)
                } else if (!delayedAck || ++unacknowledgedSegments >= 2) {
                    ackNow = true; // at least every second full segment (RFC 9293 §3.8.6.3)
                } else if (!delayedAckTimer.isScheduled()) {
                    delayedAckTimer.scheduleAfter(settings.delayedAck());
                }
            } else if (outOfOrder.add(offset, offset + s.payloadLength)) {
                receiveBuffer.writeAt(offset, s.buffer, s.payloadOffset, s.payloadLength);
                ackNow = true; // a duplicate ACK with SACK blocks tells the sender what is missing
            } else {
                ackNow = true;
                tcp.iface().countDrop(DropReason.TCP_REASSEMBLY_FULL);
            }
        }
        if (s.fin()) {
            int finSeq = s.seq + s.payloadLength;
            if (finSeq == rcvNxt) {
                receiveFin();
            } else {
                pendingFin = true;
                pendingFinSeq = finSeq;
                ackNow = true;
            }
        }
        if (pendingFin && pendingFinSeq == rcvNxt) {
            receiveFin();
        }
    }

    /** The eighth step: the peer's FIN is in order. */
    private void receiveFin() {
        pendingFin = false;
        if (finReceived) {
            return;
        }
        finReceived = true;
        rcvNxt++;
        ackNow = true;
        listenerReadable = true;
        switch (state) {
            case SYN_RECEIVED, ESTABLISHED -> state = TcpState.CLOSE_WAIT;
            case FIN_WAIT_1 -> {
                if (finAcked) {
                    enterTimeWait();
                } else {
                    state = TcpState.CLOSING; // simultaneous close (RFC 9293 figure 13)
                }
            }
            case FIN_WAIT_2 -> enterTimeWait();
            default -> { }
        }
    }

    private void enterTimeWait() {
        state = TcpState.TIME_WAIT;
        retransmitTimer.cancel();
        persistTimer.cancel();
        keepAliveTimer.cancel();
        delayedAckTimer.cancel();
        closeTimer.scheduleAfter(settings.timeWait());
        sendBuffer.release(); // every byte was acknowledged; unread received bytes stay for the application
        tcp.enteredTimeWait(this);
        reportClosed(null);
    }

    // ================================================================== after each event

    /** Runs after a segment or a timer: tell the application what changed, then send what is due. */
    private void afterInput() {
        notifyApplication();
        output();
    }

    private void notifyApplication() {
        if (state == TcpState.CLOSED) {
            return;
        }
        if (!establishedReported && state != TcpState.SYN_SENT && state != TcpState.SYN_RECEIVED) {
            establishedReported = true;
            if (acceptedBy != null) {
                ListenerImpl l = acceptedBy;
                acceptedBy = null;
                l.established(this);
            } else {
                listener.onWritable(this); // an active open completed: the connection is writable
            }
        }
        if (listenerReadable && state != TcpState.CLOSED) {
            listenerReadable = false;
            if (!readClosed) {
                listener.onReadable(this);
            }
        }
        if (writeBlocked && sendBuffer.free() > 0 && !finQueued && state != TcpState.CLOSED) {
            writeBlocked = false;
            listener.onWritable(this);
        }
    }

    // ================================================================== output

    /**
     * Sends what is due: new data within the peer's and the congestion window (Nagle and
     * silly-window avoidance permitting), the FIN after the last byte, or a bare ACK.
     */
    void output() {
        if (state == TcpState.CLOSED || state == TcpState.SYN_SENT || state == TcpState.SYN_RECEIVED
                || state == TcpState.TIME_WAIT) {
            if (ackNow && state == TcpState.TIME_WAIT) {
                sendAck();
            }
            return;
        }
        int mss = segmentPayload();
        while (true) {
            boolean finSent = finSent();
            int sent = Math.min(sndNxt - sndUna, sendBuffer.length()); // data bytes sent (or resent after a timeout)
            int unsent = sendBuffer.length() - sent;
            int inFlight = sndNxt - sndUna;
            int window = Math.min(sndWnd, congestion.congestionWindow());
            int usable = window - inFlight;
            int length = Math.min(unsent, Math.min(mss, Math.max(0, usable)));
            boolean lastData = length == unsent;
            boolean fin = finQueued && !finSent && lastData;
            if (length > 0) {
                // Silly-window avoidance, sender side (RFC 9293 §3.8.6.2.1), and Nagle (§3.7.4).
                boolean full = length == mss;
                boolean windowOk = full || length >= maxSndWnd / 2 || (lastData && inFlight == 0) || (lastData && noDelay);
                boolean nagleOk = full || noDelay || inFlight == 0 || fin;
                if (!windowOk || !nagleOk || !sendData(sndNxt, sent, length, fin)) {
                    break;
                }
                continue;
            }
            if (fin && unsent == 0 && sendData(sndNxt, sent, 0, true)) {
                continue;
            }
            break;
        }
        if (ackNow) {
            sendAck();
        }
        // Data waits with nothing in flight: the peer's window is zero, or too small for a segment worth sending.
        // The persist timer probes the first (RFC 9293 §3.8.6.1) and is the override timeout of the second
        // (§3.8.6.2.1 (4)); without it a lost window update would stall the connection for good.
        int unsent = sendBuffer.length() - Math.min(sndNxt - sndUna, sendBuffer.length());
        if (unsent > 0 && sndNxt == sndUna && !persistTimer.isScheduled()) {
            persistBackoffNanos = rtt.rtoNanos();
            persistTimer.scheduleAfterNanos(persistBackoffNanos);
        }
    }

    /**
     * Sends {@code length} bytes from send-buffer offset {@code offset} at {@code seq}, with a FIN if
     * asked; returns false when no buffer was free (counted; the retransmission timer or the next
     * event tries again).
     */
    private boolean sendData(int seq, int offset, int length, boolean fin) {
        int flags = TcpPacket.ACK | (fin ? TcpPacket.FIN : 0) | (length > 0 ? TcpPacket.PSH : 0);
        if (!tcp.sendSegment(this, seq, flags, offset, length)) {
            return false;
        }
        if (Seq.lt(seq, sndMax)) {
            tcp.counters().retransmits++; // sent again after a timeout (go-back from SND.UNA)
        }
        int end = seq + length + (fin ? 1 : 0);
        if (Seq.gt(end, sndNxt)) {
            sndNxt = end;
        }
        if (Seq.gt(sndNxt, sndMax)) {
            if (!rttTiming && !timestamps && length > 0) {
                rttTiming = true; // Karn: time only new data, never a retransmission
                rttSeq = seq;
                rttStartNanos = tcp.loop().now();
            }
            sndMax = sndNxt;
        }
        if (!retransmitTimer.isScheduled()) {
            retransmitTimer.scheduleAfterNanos(rtt.rtoNanos());
        }
        return true;
    }

    /** Sends the first unacknowledged segment again, in fast recovery (third duplicate ACK, partial ACK). */
    private void retransmitFirst() {
        int dataInFlight = Math.min(sendBuffer.length(), sndMax - sndUna);
        int length = Math.min(segmentPayload(), dataInFlight);
        boolean fin = finQueued && length == dataInFlight && sndMax - sndUna == dataInFlight + 1;
        if (length > 0 || fin) {
            tcp.counters().fastRetransmits++;
            tcp.sendSegment(this, sndUna, TcpPacket.ACK | (fin ? TcpPacket.FIN : 0), 0, length);
            rttTiming = false;
        }
    }

    /**
     * Returns whether the FIN is in [SND.UNA, SND.NXT) (sent, and not yet acknowledged or due to be resent)
     * or acknowledged: either way output() must not send it (again) at a new sequence number.
     */
    private boolean finSent() {
        return finQueued && (finAcked || sndNxt - sndUna > sendBuffer.length());
    }

    /** Sends a bare ACK now, with SACK blocks when data is missing. */
    void sendAck() {
        tcp.sendSegment(this, sndNxt, TcpPacket.ACK, 0, 0);
    }

    /** Called by the layer after any segment that carried our current ACK and window. */
    void ackSent(int advertisedWindow) {
        ackNow = false;
        unacknowledgedSegments = 0;
        delayedAckTimer.cancel();
        lastAckSent = rcvNxt;
        int edge = rcvNxt + advertisedWindow;
        if (Seq.gt(edge, rcvEdge)) {
            rcvEdge = edge;
        }
    }

    /**
     * Returns the window to advertise. It follows the free space, but the right edge never moves
     * left, and it moves right only by at least min(buffer / 2, MSS) at a time: receiver-side
     * silly-window avoidance (RFC 9293 §3.8.6.2.2).
     */
    int receiveWindow() {
        int free = receiveBuffer.free();
        int advertised = Math.max(0, rcvEdge - rcvNxt);
        int threshold = Math.min(settings.receiveBuffer() / 2, tcp.localMss());
        int window = free - advertised >= threshold || free == settings.receiveBuffer() ? free : advertised;
        int maxField = 65535 << rcvWndShift;
        return Math.min(window, maxField) >>> rcvWndShift << rcvWndShift;
    }

    // ================================================================== timers

    private void onRetransmitTimeout() {
        switch (state) {
            case SYN_SENT, SYN_RECEIVED -> {
                if (++retransmissions > settings.synRetries()) {
                    tcp.counters().timeouts++;
                    terminate(TcpError.TIMED_OUT);
                    return;
                }
                rtt.backoff();
                tcp.counters().retransmits++;
                tcp.sendSyn(this, state == TcpState.SYN_RECEIVED);
                retransmitTimer.scheduleAfterNanos(rtt.rtoNanos());
            }
            case CLOSED, LISTEN, TIME_WAIT -> { }
            default -> {
                if (sndUna == sndMax) {
                    return;
                }
                if (++retransmissions > settings.maxRetransmissions()) {
                    tcp.counters().timeouts++;
                    abortWithReset(TcpError.TIMED_OUT);
                    return;
                }
                // RFC 6298 §5.4-5.6 and RFC 5681 §3.1: back off, collapse the window, go back to SND.UNA.
                rtt.backoff();
                congestion.onRetransmitTimeout(sndMax - sndUna);
                inRecovery = false;
                duplicateAcks = 0;
                recover = sndMax;
                rttTiming = false;
                sndNxt = sndUna; // output() counts each segment it sends again
                output();
                if (!retransmitTimer.isScheduled()) {
                    retransmitTimer.scheduleAfterNanos(rtt.rtoNanos());
                }
                notifyApplication();
            }
        }
    }

    private void onDelayedAck() {
        if (state != TcpState.CLOSED) {
            ackNow = true;
            output();
        }
    }

    /** Zero-window probe (an old sequence number makes the peer answer with its current window), or the override timeout. */
    private void onPersist() {
        if (state == TcpState.CLOSED) {
            return;
        }
        if (sndWnd != 0) {
            overrideSillyWindowAvoidance();
            return;
        }
        tcp.sendSegment(this, sndUna - 1, TcpPacket.ACK, 0, 0);
        persistBackoffNanos = Math.min(persistBackoffNanos * 2, settings.maxRto().toNanos());
        persistTimer.scheduleAfterNanos(persistBackoffNanos);
    }

    /** The override timeout (RFC 9293 §3.8.6.2.1 (4)): nothing in flight, so use the small window as it is. */
    private void overrideSillyWindowAvoidance() {
        if (sndNxt != sndUna) {
            return;
        }
        int unsent = sendBuffer.length();
        int length = Math.min(unsent, Math.min(segmentPayload(), Math.min(sndWnd, congestion.congestionWindow())));
        if (length > 0) {
            sendData(sndNxt, 0, length, finQueued && length == unsent);
        }
    }

    private void onKeepAlive() {
        if (keepAliveIdle == null || state != TcpState.ESTABLISHED && state != TcpState.CLOSE_WAIT) {
            return;
        }
        if (keepAliveProbesSent >= settings.keepAliveProbes()) {
            tcp.counters().timeouts++;
            abortWithReset(TcpError.TIMED_OUT);
            return;
        }
        keepAliveProbesSent++;
        tcp.sendSegment(this, sndUna - 1, TcpPacket.ACK, 0, 0); // RFC 9293 §3.8.4: SEG.SEQ = SND.NXT-1
        keepAliveTimer.scheduleAfter(settings.keepAliveInterval());
    }

    private void onCloseTimer() {
        if (state == TcpState.TIME_WAIT) {
            terminate(null);
        } else if (state == TcpState.FIN_WAIT_2) {
            terminate(null);
        }
    }

    // ================================================================== the application's API

    @Override
    public Endpoint localEndpoint() {
        return new Endpoint(new Ipv4Address(localAddress), localPort);
    }

    @Override
    public Endpoint remoteEndpoint() {
        return new Endpoint(new Ipv4Address(remoteAddress), remotePort);
    }

    @Override
    public TcpState state() {
        return state;
    }

    @Override
    public int readableBytes() {
        return receiveBuffer.length();
    }

    @Override
    public int read(ByteBuf dst) {
        int n = receiveBuffer.read(dst, dst.writableBytes());
        if (n == 0 && finReceived && receiveBuffer.length() == 0) {
            return -1;
        }
        if (n > 0 && state != TcpState.CLOSED && state != TcpState.TIME_WAIT) {
            // Reading opened the window; tell the peer when that is worth a segment.
            int advertised = Math.max(0, rcvEdge - rcvNxt);
            if (receiveWindow() - advertised >= Math.min(settings.receiveBuffer() / 2, 2 * tcp.localMss())) {
                ackNow = true;
                tcp.scheduleOutput(this);
            }
        }
        return n;
    }

    @Override
    public int writableBytes() {
        return finQueued || state == TcpState.CLOSED ? 0 : sendBuffer.free();
    }

    @Override
    public int write(ByteBuf src) {
        if (finQueued || state == TcpState.CLOSED || state == TcpState.TIME_WAIT) {
            throw new IllegalStateException("connection " + this + " is closed for writing (" + state + ")");
        }
        int n = sendBuffer.append(src, src.readableBytes());
        if (src.isReadable()) {
            writeBlocked = true;
        }
        if (n > 0) {
            tcp.scheduleOutput(this);
        }
        return n;
    }

    @Override
    public int pipeTo(TcpConnection target) {
        if (!(target instanceof Connection other)) {
            throw new IllegalArgumentException("pipeTo needs a connection of the same stack: " + target);
        }
        int moved = 0;
        if (!other.finQueued && other.state != TcpState.CLOSED) {
            moved = receiveBuffer.transferTo(other.sendBuffer, other.sendBuffer.free());
            if (receiveBuffer.length() > 0) {
                other.writeBlocked = true;
            }
            if (moved > 0) {
                other.tcp.scheduleOutput(other);
                int advertised = Math.max(0, rcvEdge - rcvNxt);
                if (receiveWindow() - advertised >= Math.min(settings.receiveBuffer() / 2, 2 * tcp.localMss())) {
                    ackNow = true;
                    tcp.scheduleOutput(this);
                }
            }
        }
        if (finReceived && receiveBuffer.length() == 0 && !other.finQueued) {
            other.shutdownOutput();
        }
        return moved;
    }

    @Override
    public void shutdownOutput() {
        if (finQueued) {
            return;
        }
        switch (state) {
            case SYN_SENT -> {
                terminate(null);
                return;
            }
            case CLOSED, LISTEN, TIME_WAIT, FIN_WAIT_1, FIN_WAIT_2, CLOSING, LAST_ACK -> {
                return;
            }
            case SYN_RECEIVED -> { } // the FIN follows once established (RFC 9293 §3.10.4)
            case ESTABLISHED -> state = TcpState.FIN_WAIT_1;
            case CLOSE_WAIT -> state = TcpState.LAST_ACK;
        }
        finQueued = true;
        tcp.scheduleOutput(this);
    }

    @Override
    public void close() {
        if (receiveBuffer.length() > 0 && state != TcpState.CLOSED && state != TcpState.TIME_WAIT) {
            // Unread data at close: reset, so the peer knows it was not delivered (RFC 2525 §2.17).
            abortWithReset(TcpError.ABORTED);
            return;
        }
        readClosed = true;
        if (state == TcpState.FIN_WAIT_2) {
            closeTimer.scheduleAfter(settings.timeWait());
        }
        shutdownOutput();
    }

    @Override
    public void abort() {
        if (state != TcpState.CLOSED && state != TcpState.TIME_WAIT) {
            abortWithReset(TcpError.ABORTED);
        }
    }

    @Override
    public void setListener(Listener listener) {
        this.listener = Objects.requireNonNull(listener, "listener == null");
    }

    @Override
    public void setNoDelay(boolean noDelay) {
        this.noDelay = noDelay;
    }

    @Override
    public void setDelayedAck(boolean delayedAck) {
        this.delayedAck = delayedAck;
    }

    @Override
    public void setKeepAlive(Duration idle) {
        this.keepAliveIdle = idle;
        keepAliveProbesSent = 0;
        if (idle == null) {
            keepAliveTimer.cancel();
        } else {
            keepAliveTimer.scheduleAfter(idle);
        }
    }

    // ================================================================== ending

    /** Sends a reset and ends the connection with {@code error}. */
    void abortWithReset(TcpError error) {
        if (state != TcpState.SYN_SENT && state != TcpState.CLOSED) {
            tcp.sendReset(localAddress, localPort, remoteAddress, remotePort, sndNxt, 0, false);
        }
        terminate(error);
    }

    /** Ends the connection: timers off, buffers freed, out of the table, the application told once. */
    void terminate(TcpError error) {
        if (state == TcpState.CLOSED) {
            return;
        }
        state = TcpState.CLOSED;
        retransmitTimer.cancel();
        delayedAckTimer.cancel();
        persistTimer.cancel();
        keepAliveTimer.cancel();
        closeTimer.cancel();
        sendBuffer.release();
        if (error != null) {
            receiveBuffer.release(); // after an orderly close the application may still read what arrived
        }
        outOfOrder.clear();
        tcp.remove(this);
        if (acceptedBy != null) {
            acceptedBy.halfOpenEnded(this);
            acceptedBy = null; // never handed to the application: nothing to tell
            return;
        }
        reportClosed(error);
    }

    private void reportClosed(TcpError error) {
        if (closedReported) {
            return;
        }
        closedReported = true;
        this.error = error;
        if (establishedReported || error != null) {
            listener.onClosed(this, error);
        }
    }

    @Override
    public String toString() {
        return new Ipv4Address(localAddress) + ":" + localPort + " <-> " + new Ipv4Address(remoteAddress) + ":" + remotePort
                + " " + state;
    }
}
