package dev.pith.net.internal.tcp;

/**
 * A sender's congestion window, in bytes (RFC 5681). The connection owns loss detection and the
 * recovery procedure (RFC 5681 §3.2 fast retransmit, RFC 6582 NewReno's "recover" point, RFC 6298
 * timers) and tells the algorithm what happened; the algorithm owns cwnd and ssthresh. The sender
 * may have {@code min(congestionWindow(), peer's window)} bytes in flight.
 *
 * <p>Initial window: RFC 6928's {@code min(10 * SMSS, max(2 * SMSS, 14600))}, as Linux, FreeBSD
 * and Windows use, rather than RFC 5681's 2 to 4 segments: a request/response fits in the first
 * flight. Initial ssthresh: "arbitrarily high" (RFC 5681 §3.1), {@link Integer#MAX_VALUE}.
 *
 * <p>Implementations allocate nothing per call and are used from one event loop.
 */
interface CongestionControl {

    /** cwnd never grows beyond this: the largest receive window (2^30, RFC 7323 §2.3), far from overflow. */
    int MAX_WINDOW = 1 << 30;

    /** RFC 6928's initial window for a sender maximum segment size of {@code smss}. */
    static int initialWindow(int smss) {
        return Math.min(10 * smss, Math.max(2 * smss, 14600));
    }

    /** Returns cwnd in bytes. */
    int congestionWindow();

    /** Returns ssthresh in bytes. */
    int slowStartThreshold();

    /**
     * New data was acknowledged outside loss recovery: grow cwnd, by slow start with appropriate
     * byte counting (RFC 3465, L = 2 * SMSS) below ssthresh, by congestion avoidance above.
     * {@code rttNanos} is the smoothed RTT (0 if unknown), {@code nowNanos} the clock's reading.
     */
    void onAck(int bytesAcked, long rttNanos, long nowNanos);

    /**
     * The third duplicate ACK: entering fast recovery (RFC 5681 §3.2 steps 2 and 3). Sets ssthresh
     * from {@code flightSize} (bytes outstanding) and inflates cwnd by the three segments that left.
     */
    void onFastRetransmit(int flightSize, long nowNanos);

    /** Another duplicate ACK during fast recovery: one more segment left the network, cwnd += SMSS. */
    void onDuplicateAck();

    /** A partial ACK during recovery (RFC 6582 §3.2 step 5): deflate by {@code bytesAcked}, add back SMSS if it acked at least SMSS. */
    void onPartialAck(int bytesAcked);

    /** A full ACK ends fast recovery (RFC 6582 §3.2 step 3): cwnd = min(ssthresh, max(flightSize, SMSS) + SMSS). */
    void onRecoveryEnd(int flightSize);

    /** The retransmission timer expired (RFC 5681 §3.1 eq. 4): reduce ssthresh from {@code flightSize}, cwnd = 1 SMSS (LW). */
    void onRetransmitTimeout(int flightSize);

    /**
     * Sets SMSS, the sender maximum segment size, in bytes. Before any data has been acknowledged
     * this also resets cwnd to the initial window for that size (the MSS is known only after the
     * handshake); afterwards it changes only future increments and floors.
     */
    void setMss(int smss);
}
