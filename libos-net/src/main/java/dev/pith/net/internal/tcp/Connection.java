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
    /** The connection reached TIME-WAIT; the application hears it after any last data. */
    private boolean closedPending;

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
    /** What the peer has SACKed above SND.UNA (RFC 6675's scoreboard); used when SACK was agreed. */
    final SackScoreboard scoreboard = new SackScoreboard();
    /** RFC 6675's HighRxt, as an exclusive end: bytes below it were retransmitted in this recovery. */
    int highRxt;
    /** When the segment at {@link #unaRetransmitSeq} (then SND.UNA) was last sent again in this recovery. */
    long unaRetransmitNanos;
    int unaRetransmitSeq;
    int unaRetransmitBackoff;
    /** SND.UNA when the reordering-window timer was armed: SACKs above it wait one window for it (RFC 8985 §6.2). */
    int reorderUna;
    boolean reorderTimerArmed;

    // Acknowledgement policy.
    boolean ackNow;
    int unacknowledgedSegments;

    final Timer retransmitTimer;
    final Timer delayedAckTimer;
    final Timer persistTimer;
    final Timer keepAliveTimer;
    /** TIME-WAIT's 2 MSL, or the FIN-WAIT-2 timeout of an orphaned connection. */
    final Timer closeTimer;
    /** The tail loss probe (RFC 8985 §7): one segment, two round trips after the last send, to draw a SACK. */
    final Timer probeTimer;
    boolean probeOutstanding;
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
        this.probeTimer = loop.timer(this::onProbe);
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
            return takePayloadAndFin(s);
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
        return takePayloadAndFin(s);
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
        boolean newlySacked = false;
        if (sackPermitted) {
            var o = s.options;
            for (int i = 0; i < o.sackBlockCount; i++) {
                newlySacked |= scoreboard.add(o.sackLeft(i), o.sackRight(i), Seq.max(ack, sndUna), sndMax);
            }
        }
        if (Seq.gt(ack, sndUna)) {
            acknowledge(s, ack, now);
            scoreboard.advance(sndUna);
        } else if (ack == sndUna && s.payloadLength == 0 && !s.fin() && sndMax != sndUna
                && (newWindow == previousWindow || newlySacked)) {
            // A duplicate ACK (RFC 5681 §2); with SACK, any ACK that SACKs new data counts (RFC 6675 §2),
            // even if the receiver changed its window meanwhile, as Linux does while it buffers.
            duplicateAck();
        }
        if (sackPermitted) {
            if (!inRecovery && sndMax != sndUna && Seq.ge(sndUna, recover) && isLost(sndUna, duplicateThreshold())) {
                enterRecovery(now); // RFC 6675 §5 (4): the SACKed data above SND.UNA says it is lost
            } else if (!inRecovery && !scoreboard.isEmpty() && sndMax != sndUna && (!reorderTimerArmed || reorderUna != sndUna)) {
                // Data above SND.UNA arrived but SND.UNA did not: reordering, or a loss too small for three
                // duplicate ACKs. Give it a reordering window, then treat it as lost (RACK, RFC 8985 §6.2).
                reorderUna = sndUna;
                reorderTimerArmed = true;
                probeTimer.scheduleAfterNanos(rtt.srttNanos() + Math.max(rtt.srttNanos() / 4, 2_000_000L));
            } else if (inRecovery && newlySacked && unaRetransmitSeq == sndUna && Seq.lt(sndUna, highRxt)
                    && now - unaRetransmitNanos > rtt.srttNanos() + Math.max(rtt.srttNanos() / 4, 2_000_000L)) {
                // Newer data keeps arriving while the first hole, sent again a round trip ago, is still
                // missing: that retransmission was lost too (RFC 8985's reasoning, by time rather than
                // per segment). Send it once more instead of waiting for the timeout.
                retransmitHole(sndUna);
            }
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
            } else if (!sackPermitted) {
                // A partial ACK (RFC 6582 §3.2 step 5): the next hole is lost too; resend it now.
                congestion.onPartialAck(dataAcked);
                retransmitFirst();
            } else if (unaRetransmitSeq != sndUna) {
                // A partial ACK with SACK: the new first segment was sent (once, or again as a later
                // hole) before this ACK. If no ACK covers it within a reordering window from now, it is
                // lost — the only way to learn that at the tail of a flight, where no SACK follows.
                unaRetransmitSeq = sndUna;
                unaRetransmitNanos = now;
                unaRetransmitBackoff = 0;
                probeTimer.scheduleAfterNanos(rtt.srttNanos() + Math.max(rtt.srttNanos() / 4, 2_000_000L));
            }
            // With SACK, output() sends what the pipe allows (RFC 6675 §5 (C)).
        } else {
            congestion.onAck(dataAcked, rtt.srttNanos(), now);
        }
        duplicateAcks = 0;
        probeOutstanding = false;
        if (sndUna == sndMax) {
            retransmitTimer.cancel();
            probeTimer.cancel();
        } else {
            retransmitTimer.scheduleAfterNanos(rtt.rtoNanos()); // RFC 6298 §5.3
            armProbe();
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
        if (!inRecovery && duplicateAcks >= duplicateThreshold()
                && (Seq.gt(sndUna, recover) || sackPermitted && sndUna == recover)) {
            enterRecovery(tcp.loop().now());
        } else if (inRecovery && !sackPermitted) {
            congestion.onDuplicateAck();
        }
    }

    /**
     * The duplicate ACKs that signal a loss: three (RFC 5681 §3.2), or, when fewer than four
     * segments are outstanding and no new data can go out, one less than that number, so a short
     * flight can still recover without a timeout (early retransmit, RFC 5827 §3.1).
     */
    private int duplicateThreshold() {
        int mss = segmentPayload();
        int outstanding = (sndMax - sndUna + mss - 1) / mss;
        int unsent = sendBuffer.length() - Math.min(sndMax - sndUna, sendBuffer.length());
        boolean cannotSendMore = unsent == 0 || Math.min(sndWnd, congestion.congestionWindow()) <= sndMax - sndUna;
        return outstanding < 4 && cannotSendMore ? Math.max(1, outstanding - 1) : 3;
    }

    /** RFC 6675 §4 IsLost: enough data SACKed above {@code seq} that it cannot be mere reordering. */
    private boolean isLost(int seq, int threshold) {
        return scoreboard.rangesAbove(seq) >= threshold || scoreboard.sackedAbove(seq) > (threshold - 1) * segmentPayload();
    }

    /** Fast retransmit: enter loss recovery (RFC 6582 §3.2 step 2; with SACK, RFC 6675 §5 (4)). */
    private void enterRecovery(long now) {
        inRecovery = true;
        reorderTimerArmed = false;
        probeTimer.cancel();
        recover = sndMax;
        congestion.onFastRetransmit(sndMax - sndUna, now);
        if (sackPermitted) {
            highRxt = sndUna;
            retransmitHole(sndUna); // (4.3): the first segment presumed lost goes at once, whatever the pipe
        } else {
            retransmitFirst();
        }
    }

    /**
     * Takes in-order or out-of-order payload into the receive buffer, and the FIN when its turn
     * comes. Returns {@link DropReason#TCP_REASSEMBLY_FULL} when the payload had to be dropped (its
     * ACK was still used), else null.
     */
    private DropReason takePayloadAndFin(Segment s) {
        DropReason dropped = null;
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
                dropped = DropReason.TCP_REASSEMBLY_FULL;
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
        return dropped;
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
        probeTimer.cancel();
        persistTimer.cancel();
        keepAliveTimer.cancel();
        delayedAckTimer.cancel();
        closeTimer.scheduleAfter(settings.timeWait());
        sendBuffer.release(); // every byte was acknowledged; unread received bytes stay for the application
        tcp.enteredTimeWait(this);
        closedPending = true; // told after the data that came with the FIN (notifyApplication)
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
        if (closedPending) {
            closedPending = false;
            reportClosed(null);
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
        if (inRecovery && sackPermitted) {
            recoveryOutput();
        }
        while (!(inRecovery && sackPermitted)) {
            if (Seq.lt(sndNxt, sndMax) && !scoreboard.isEmpty()) {
                // Going back after a timeout: what the peer SACKed needs no resending (RFC 6675 §5.1).
                sndNxt = Seq.min(scoreboard.skipSacked(sndNxt), sndMax);
            }
            boolean finSent = finSent();
            int sent = Math.min(sndNxt - sndUna, sendBuffer.length()); // data bytes sent (or resent after a timeout)
            int unsent = sendBuffer.length() - sent;
            int inFlight = sndNxt - sndUna;
            // Limited transmit (RFC 3042): the first two duplicate ACKs each let one new segment out.
            int limitedTransmit = !inRecovery && duplicateAcks > 0 && duplicateAcks < 3 ? duplicateAcks * mss : 0;
            int window = Math.min(sndWnd, congestion.congestionWindow() + limitedTransmit);
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
        if (!probeTimer.isScheduled()) {
            armProbe();
        }
        return true;
    }

    /**
     * Arms the tail loss probe (RFC 8985 §7.2): PTO = 2·SRTT, plus a delayed ACK's wait when a
     * single segment is in flight, and only if it comes before the retransmission timeout. Needs an
     * RTT sample and SACK, whose answer to the probe is what starts a fast recovery.
     */
    private void armProbe() {
        if (!sackPermitted || !rtt.hasSample() || inRecovery || probeOutstanding || sndUna == sndMax
                || (state != TcpState.ESTABLISHED && state != TcpState.CLOSE_WAIT && state != TcpState.FIN_WAIT_1
                        && state != TcpState.CLOSING && state != TcpState.LAST_ACK)) {
            return;
        }
        long pto = Math.max(2 * rtt.srttNanos(), 10_000_000L);
        if (sndMax - sndUna <= segmentPayload()) {
            pto += settings.delayedAck().toNanos();
        }
        long now = tcp.loop().now();
        if (retransmitTimer.isScheduled() && retransmitTimer.deadline() - now <= pto) {
            return;
        }
        probeTimer.scheduleAfterNanos(pto);
    }

    /**
     * In recovery: the first hole's retransmission got no answer within its reordering window, so
     * it was lost; send it again. Otherwise the tail loss probe (RFC 8985 §7.3): send one new
     * segment if there is one, else the last segment again.
     */
    private void onProbe() {
        if (sndUna == sndMax || state == TcpState.CLOSED || state == TcpState.TIME_WAIT) {
            return;
        }
        if (inRecovery) {
            if (sackPermitted && unaRetransmitSeq == sndUna) {
                retransmitHole(sndUna);
            }
            return;
        }
        if (reorderTimerArmed) {
            reorderTimerArmed = false;
            if (reorderUna == sndUna && !scoreboard.isEmpty()) {
                enterRecovery(tcp.loop().now()); // the reordering window passed: SND.UNA's segment is lost
                afterInput();
                return;
            }
        }
        probeOutstanding = true;
        int mss = segmentPayload();
        int sent = Math.min(sndNxt - sndUna, sendBuffer.length());
        int unsent = sendBuffer.length() - sent;
        int length = Math.min(unsent, Math.min(mss, sndWnd - (sndNxt - sndUna)));
        if (length > 0 && sndNxt == sndMax) {
            sendData(sndNxt, sent, length, finQueued && !finSent() && length == unsent);
        } else {
            int dataInFlight = Math.min(sendBuffer.length(), sndMax - sndUna);
            int last = Math.min(mss, dataInFlight);
            boolean fin = finQueued && !finAcked && sndMax - sndUna == dataInFlight + 1;
            if (last > 0 || fin) {
                tcp.sendSegment(this, sndUna + dataInFlight - last, TcpPacket.ACK | (fin ? TcpPacket.FIN : 0),
                        dataInFlight - last, last);
                tcp.counters().fastRetransmits++;
            }
        }
        retransmitTimer.scheduleAfterNanos(rtt.rtoNanos()); // §7.3: the RTO restarts after a probe
    }

    /**
     * Sends again one segment's worth of the hole at {@code seq} (up to the next SACKed range),
     * moving HighRxt past it. Returns false when nothing could be sent.
     */
    private boolean retransmitHole(int seq) {
        int high = scoreboard.highSacked(sndUna);
        int end = scoreboard.nextSackedStart(seq, Seq.gt(high, seq) ? high : sndMax);
        int offset = seq - sndUna;
        int data = Math.max(0, Math.min(Math.min(segmentPayload(), end - seq), sendBuffer.length() - offset));
        boolean fin = finQueued && !finAcked && offset + data == sendBuffer.length() && Seq.lt(seq + data, sndMax);
        if (data == 0 && !fin) {
            return false;
        }
        if (!tcp.sendSegment(this, seq, TcpPacket.ACK | (fin ? TcpPacket.FIN : 0), offset, data)) {
            return false;
        }
        tcp.counters().fastRetransmits++;
        rttTiming = false;
        if (seq == sndUna) {
            // If this retransmission is lost and nothing else arrives to say so, the probe timer does
            // (RACK's reordering-window timer, RFC 8985 §6.3): a round trip plus a quarter, then send again.
            unaRetransmitBackoff = unaRetransmitSeq == seq ? Math.min(unaRetransmitBackoff + 1, 6) : 0;
            unaRetransmitSeq = seq;
            unaRetransmitNanos = tcp.loop().now();
            long wait = (rtt.srttNanos() + Math.max(rtt.srttNanos() / 4, 2_000_000L)) << unaRetransmitBackoff;
            probeTimer.scheduleAfterNanos(Math.min(wait, rtt.rtoNanos()));
        }
        if (Seq.gt(seq + data + (fin ? 1 : 0), highRxt)) {
            highRxt = seq + data + (fin ? 1 : 0);
        }
        return true;
    }

    /**
     * RFC 6675 §4 SetPipe: the data still in the network. Bytes above the highest SACK count;
     * below it, holes count unless they are lost, and retransmitted bytes count once more.
     */
    private int pipe() {
        int high = scoreboard.highSacked(sndUna);
        int pipe = sndMax - high;
        int threshold = duplicateThreshold();
        int at = sndUna;
        while (Seq.lt(at, high)) {
            int sackedEnd = scoreboard.skipSacked(at);
            if (sackedEnd != at) {
                at = sackedEnd;
                continue;
            }
            int holeEnd = scoreboard.nextSackedStart(at, high);
            if (!isLost(at, threshold)) {
                pipe += holeEnd - at;
            }
            if (Seq.lt(at, highRxt)) {
                pipe += Seq.min(holeEnd, highRxt) - at;
            }
            at = holeEnd;
        }
        return pipe;
    }

    /**
     * Loss recovery with SACK (RFC 6675 §5 (C)): while the window allows a segment beyond the pipe,
     * send NextSeg — a lost hole first, then new data, then any other hole below the highest SACK.
     */
    private void recoveryOutput() {
        int mss = segmentPayload();
        int window = congestion.slowStartThreshold();
        for (int sent = 0; sent < 64 && window - pipe() >= mss; sent++) {
            int high = scoreboard.highSacked(sndUna);
            int next = scoreboard.skipSacked(Seq.max(highRxt, sndUna));
            boolean holeBelowHigh = Seq.lt(next, high);
            if (holeBelowHigh && isLost(next, duplicateThreshold())) {
                if (!retransmitHole(next)) {
                    return;
                }
                continue; // rule 1
            }
            int unsent = sendBuffer.length() - Math.min(sndNxt - sndUna, sendBuffer.length());
            int length = Math.min(unsent, Math.min(mss, sndWnd - (sndNxt - sndUna)));
            if (length > 0 && (length == mss || length == unsent)) {
                boolean fin = finQueued && !finSent() && length == unsent;
                if (!sendData(sndNxt, sndNxt - sndUna, length, fin)) {
                    return;
                }
                continue; // rule 2
            }
            if (!holeBelowHigh || !retransmitHole(next)) {
                return; // rule 3 had nothing either
            }
        }
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
                highRxt = sndUna;
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
        probeTimer.cancel();
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
