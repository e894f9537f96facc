package dev.pith.net.internal.tcp;

import static org.junit.jupiter.api.Assertions.assertEquals;

import org.junit.jupiter.api.Test;

class NewRenoTest {

    private static final int SMSS = 1000;
    private static final long RTT = 100_000_000;

    /** Acknowledges one window, a segment per ACK, spread over one RTT; returns the new time. */
    static long ackOneWindow(CongestionControl cc, long now) {
        int segments = cc.congestionWindow() / SMSS;
        for (int i = 0; i < segments; i++) {
            cc.onAck(SMSS, RTT, now + RTT * i / segments);
        }
        return now + RTT;
    }

    @Test
    void initialWindowFollowsRfc6928() {
        assertEquals(14600, CongestionControl.initialWindow(1460));
        assertEquals(5360, CongestionControl.initialWindow(536));
        assertEquals(18000, CongestionControl.initialWindow(9000));
        assertEquals(10 * SMSS, new NewReno(SMSS).congestionWindow());
        assertEquals(Integer.MAX_VALUE, new NewReno(SMSS).slowStartThreshold());
    }

    @Test
    void setMssResetsTheInitialWindowOnlyBeforeTheFirstAck() {
        NewReno cc = new NewReno(536);
        cc.setMss(1460);
        assertEquals(14600, cc.congestionWindow());
        cc.onAck(1460, RTT, 0);
        cc.setMss(536);
        assertEquals(14600 + 1460, cc.congestionWindow());
    }

    @Test
    void slowStartDoublesEachRtt() {
        NewReno cc = new NewReno(SMSS);
        long now = 0;
        for (int round = 0; round < 5; round++) {
            int before = cc.congestionWindow();
            now = ackOneWindow(cc, now);
            assertEquals(2 * before, cc.congestionWindow());
        }
        assertEquals(320 * SMSS, cc.congestionWindow());
    }

    @Test
    void appropriateByteCountingLimitsAStretchAckToTwoSegments() {
        NewReno cc = new NewReno(SMSS);
        cc.onAck(10 * SMSS, RTT, 0);
        assertEquals(12 * SMSS, cc.congestionWindow());
        cc.onAck(SMSS / 2, RTT, 0); // and counts bytes, not ACKs
        assertEquals(12 * SMSS + SMSS / 2, cc.congestionWindow());
    }

    @Test
    void congestionAvoidanceAddsOneSegmentPerRtt() {
        NewReno cc = new NewReno(SMSS);
        cc.onFastRetransmit(100 * SMSS, 0);
        cc.onRecoveryEnd(50 * SMSS);
        assertEquals(50 * SMSS, cc.congestionWindow());
        long now = 0;
        for (int round = 1; round <= 10; round++) {
            now = ackOneWindow(cc, now);
            assertEquals((50 + round) * SMSS, cc.congestionWindow());
        }
    }

    @Test
    void fastRetransmitHalvesAndRecoveryFollowsRfc6582() {
        NewReno cc = new NewReno(SMSS);
        cc.onFastRetransmit(40 * SMSS, 0);
        assertEquals(20 * SMSS, cc.slowStartThreshold());
        assertEquals(23 * SMSS, cc.congestionWindow()); // ssthresh + 3 SMSS
        cc.onDuplicateAck();
        cc.onDuplicateAck();
        assertEquals(25 * SMSS, cc.congestionWindow());
        cc.onPartialAck(3 * SMSS); // deflate by 3, add back 1
        assertEquals(23 * SMSS, cc.congestionWindow());
        cc.onPartialAck(SMSS / 2); // less than SMSS: no add-back
        assertEquals(22 * SMSS + SMSS / 2, cc.congestionWindow());
        cc.onRecoveryEnd(30 * SMSS);
        assertEquals(20 * SMSS, cc.congestionWindow()); // min(ssthresh, flight + SMSS)
        cc.onFastRetransmit(40 * SMSS, 0);
        cc.onRecoveryEnd(5 * SMSS);
        assertEquals(6 * SMSS, cc.congestionWindow()); // small flight: flight + SMSS
    }

    @Test
    void ssthreshNeverBelowTwoSegments() {
        NewReno cc = new NewReno(SMSS);
        cc.onFastRetransmit(SMSS, 0);
        assertEquals(2 * SMSS, cc.slowStartThreshold());
        cc.onRetransmitTimeout(0);
        assertEquals(2 * SMSS, cc.slowStartThreshold());
    }

    @Test
    void timeoutCollapsesToOneSegmentThenSlowStartsToSsthresh() {
        NewReno cc = new NewReno(SMSS);
        long now = ackOneWindow(cc, 0);
        now = ackOneWindow(cc, now); // 40 segments
        cc.onRetransmitTimeout(40 * SMSS);
        assertEquals(SMSS, cc.congestionWindow());
        assertEquals(20 * SMSS, cc.slowStartThreshold());
        int[] expected = {2, 4, 8, 16, 20, 21, 22};
        for (int segments : expected) {
            now = ackOneWindow(cc, now);
            assertEquals(segments * SMSS, cc.congestionWindow());
        }
    }
}
