package dev.pith.net.internal.tcp;

/**
 * Reno congestion control (RFC 5681) with NewReno's window rules for partial ACKs (RFC 6582 §3.2)
 * and appropriate byte counting in slow start (RFC 3465, L = 2 * SMSS). See
 * {@link CongestionControl} for the division of work with the connection.
 */
final class NewReno implements CongestionControl {

    private int smss;
    private int cwnd;
    private int ssthresh = Integer.MAX_VALUE;
    /** RFC 5681 §3.1's bytes_acked counter for congestion avoidance. */
    private int bytesAckedInAvoidance;
    /** Whether any ACK has grown the window; until then {@link #setMss} resets it to IW. */
    private boolean started;

    /** Creates the algorithm for a sender maximum segment size of {@code smss} bytes. */
    NewReno(int smss) {
        setMss(smss);
    }

    @Override
    public int congestionWindow() {
        return cwnd;
    }

    @Override
    public int slowStartThreshold() {
        return ssthresh;
    }

    @Override
    public void onAck(int bytesAcked, long rttNanos, long nowNanos) {
        if (bytesAcked <= 0) {
            return;
        }
        started = true;
        if (cwnd < ssthresh) {
            // RFC 3465 §2.2: at most L = 2 * SMSS per ACK, so a stretch ACK cannot burst; Linux
            // stops at ssthresh rather than overshooting it (tcp_slow_start).
            cwnd = Math.min(Math.min(cwnd + Math.min(bytesAcked, 2 * smss), ssthresh), MAX_WINDOW);
            return;
        }
        // RFC 5681 §3.1: one SMSS per cwnd bytes acknowledged, i.e. about one per RTT.
        bytesAckedInAvoidance += bytesAcked;
        if (bytesAckedInAvoidance >= cwnd) {
            bytesAckedInAvoidance -= cwnd;
            cwnd = Math.min(cwnd + smss, MAX_WINDOW);
        }
    }

    @Override
    public void onFastRetransmit(int flightSize, long nowNanos) {
        ssthresh = Math.max(flightSize / 2, 2 * smss); // RFC 5681 eq. 4
        cwnd = ssthresh + 3 * smss;
        bytesAckedInAvoidance = 0;
    }

    @Override
    public void onDuplicateAck() {
        cwnd = Math.min(cwnd + smss, MAX_WINDOW);
    }

    @Override
    public void onPartialAck(int bytesAcked) {
        cwnd -= bytesAcked;
        if (bytesAcked >= smss) {
            cwnd += smss;
        }
        // Not in RFC 6582, a floor: a huge partial ACK must not leave nothing to send.
        cwnd = Math.max(cwnd, smss);
    }

    @Override
    public void onRecoveryEnd(int flightSize) {
        cwnd = Math.min(ssthresh, Math.max(flightSize, smss) + smss);
        bytesAckedInAvoidance = 0;
    }

    @Override
    public void onRetransmitTimeout(int flightSize) {
        ssthresh = Math.max(flightSize / 2, 2 * smss);
        cwnd = smss;
        bytesAckedInAvoidance = 0;
    }

    @Override
    public void setMss(int smss) {
        if (smss <= 0) {
            throw new IllegalArgumentException("smss <= 0: " + smss);
        }
        this.smss = smss;
        if (!started) {
            cwnd = CongestionControl.initialWindow(smss);
        }
    }

    @Override
    public String toString() {
        return "NewReno[cwnd=" + cwnd + ", ssthresh=" + ssthresh + ", smss=" + smss + "]";
    }
}
