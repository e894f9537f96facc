package dev.pith.net.internal.tcp;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import org.junit.jupiter.api.Test;

class CubicTest {

    private static final int SMSS = 1000;
    private static final long MS = 1_000_000;

    /** Acknowledges one window, a segment per ACK, spread over {@code rtt}; returns the new time. */
    private static long ackOneWindow(Cubic cc, long now, long rtt) {
        int segments = cc.congestionWindow() / SMSS;
        for (int i = 0; i < segments; i++) {
            cc.onAck(SMSS, rtt, now + rtt * i / segments);
        }
        return now + rtt;
    }

    /** Slow-starts to {@code segments}, then a fast retransmit and its recovery with that flight. */
    private static Cubic afterLossAt(int segments) {
        Cubic cc = new Cubic(SMSS);
        while (cc.congestionWindow() < segments * SMSS) {
            cc.onAck(SMSS, 100 * MS, 0);
        }
        assertEquals(segments * SMSS, cc.congestionWindow());
        cc.onFastRetransmit(segments * SMSS, 0);
        cc.onRecoveryEnd((int) (segments * SMSS * Cubic.BETA));
        return cc;
    }

    @Test
    void slowStartDoublesEachRtt() {
        Cubic cc = new Cubic(SMSS);
        assertEquals(10 * SMSS, cc.congestionWindow());
        long now = 0;
        for (int round = 0; round < 4; round++) {
            int before = cc.congestionWindow();
            now = ackOneWindow(cc, now, 100 * MS);
            assertEquals(2 * before, cc.congestionWindow());
        }
    }

    @Test
    void fastRetransmitMultipliesByBeta() {
        Cubic cc = new Cubic(SMSS);
        cc.onFastRetransmit(100 * SMSS, 0);
        assertEquals(70 * SMSS, cc.slowStartThreshold());
        assertEquals(73 * SMSS, cc.congestionWindow());
        cc.onDuplicateAck();
        assertEquals(74 * SMSS, cc.congestionWindow());
        cc.onPartialAck(2 * SMSS);
        assertEquals(73 * SMSS, cc.congestionWindow());
        cc.onRecoveryEnd(80 * SMSS);
        assertEquals(70 * SMSS, cc.congestionWindow());
    }

    @Test
    void timeoutCollapsesToOneSegment() {
        Cubic cc = new Cubic(SMSS);
        cc.onRetransmitTimeout(100 * SMSS);
        assertEquals(SMSS, cc.congestionWindow());
        assertEquals(70 * SMSS, cc.slowStartThreshold());
        cc.onRetransmitTimeout(SMSS);
        assertEquals(2 * SMSS, cc.slowStartThreshold());
    }

    @Test
    void growsBackTowardWmaxAlongTheCubicCurve() {
        // W_max = 1000 segments, so the cubic curve stays above W_est for the whole run.
        Cubic cc = afterLossAt(1000);
        assertEquals(700 * SMSS, cc.congestionWindow());
        assertEquals(1000.0, cc.wMaxSegments());
        long rtt = 100 * MS;
        long start = 1_000 * MS; // the epoch starts at the first ACK in congestion avoidance
        long now = start;
        double k = Math.cbrt((1000 - 700) / Cubic.C); // RFC 9438 Figure 2: 9.086 s
        double previousGrowth = Double.MAX_VALUE;
        double previous = 700;
        for (int second = 1; second <= 14; second++) {
            while (now - start < second * 1_000 * MS) {
                now = ackOneWindow(cc, now, rtt);
            }
            assertEquals(k, cc.kSeconds(), 1e-9);
            double t = (now - start) / 1e9;
            double expected = Cubic.C * Math.pow(t - k, 3) + 1000; // Figure 1
            double actual = cc.congestionWindow() / (double) SMSS;
            assertEquals(expected, actual, 0.5, "t = " + t);
            double growth = actual - previous;
            if (t < k - 1) {
                assertTrue(growth < previousGrowth, "concave before K: " + growth + " at t = " + t);
            } else if (t > k + 1) {
                assertTrue(growth > previousGrowth, "convex after K: " + growth + " at t = " + t);
            }
            previousGrowth = growth;
            previous = actual;
        }
    }

    @Test
    void renoFriendlyEstimateOvertakesTheCurveBeyondAShallowWmax() {
        // W_max = 100: W_est (+0.53 segment per RTT up to cwnd_prior, then +1) passes the flat
        // cubic curve after about 6 s at a 100 ms RTT, and cwnd follows it (§4.3).
        Cubic cc = afterLossAt(100);
        long now = 0;
        while (now < 7_000 * MS) {
            now = ackOneWindow(cc, now, 100 * MS);
        }
        double t = now / 1e9;
        double cubic = Cubic.C * Math.pow(t - cc.kSeconds(), 3) + 100;
        double rttsToPrior = 30 / Cubic.ALPHA;
        double renoEstimate = 100 + (t / 0.1 - rttsToPrior);
        double actual = cc.congestionWindow() / (double) SMSS;
        assertTrue(actual > cubic + 3, actual + " vs cubic " + cubic);
        assertEquals(renoEstimate, actual, 1.0);
    }

    @Test
    void plateausNearWmaxAroundK() {
        Cubic cc = afterLossAt(100);
        long now = 0;
        while (now < 4_200 * MS) {
            now = ackOneWindow(cc, now, 100 * MS);
        }
        int atK = cc.congestionWindow();
        assertTrue(Math.abs(atK - 100 * SMSS) <= SMSS, "cwnd at K: " + atK);
        now = ackOneWindow(cc, now, 100 * MS);
        assertTrue(cc.congestionWindow() - atK < SMSS / 2, "flat at the plateau");
    }

    @Test
    void renoFriendlyRegionWinsOnShortPaths() {
        // With a 1 ms RTT Reno would add 1 segment per ms; the cubic curve barely moves in 20 ms.
        Cubic cc = afterLossAt(100);
        long now = 0;
        for (int round = 0; round < 20; round++) {
            now = ackOneWindow(cc, now, MS);
        }
        double t = now / 1e9;
        double cubic = Cubic.C * Math.pow(t - cc.kSeconds(), 3) + 100;
        double actual = cc.congestionWindow() / (double) SMSS;
        assertTrue(cubic < 71, "cubic curve " + cubic);
        // W_est grows by alpha_cubic = 0.53 segment per RTT while below cwnd_prior (§4.3).
        assertEquals(70 + 20 * Cubic.ALPHA, actual, 1.0);
    }

    @Test
    void fastConvergenceLowersWmaxWhenLossComesEarlier() {
        Cubic cc = afterLossAt(100);
        long now = 0;
        while (cc.congestionWindow() < 80 * SMSS) {
            now = ackOneWindow(cc, now, 100 * MS);
        }
        double lossAt = cc.congestionWindow() / (double) SMSS;
        cc.onFastRetransmit(cc.congestionWindow(), now);
        assertEquals(lossAt * (1 + Cubic.BETA) / 2, cc.wMaxSegments(), 0.001); // §4.7
    }

    @Test
    void afterATimeoutTheCurveStartsAtTheWindowWithKZero() {
        Cubic cc = new Cubic(SMSS);
        cc.onRetransmitTimeout(20 * SMSS); // ssthresh 14 segments
        long now = 0;
        while (cc.congestionWindow() < cc.slowStartThreshold()) {
            cc.onAck(SMSS, 100 * MS, now);
        }
        assertEquals(14 * SMSS, cc.congestionWindow());
        cc.onAck(SMSS, 100 * MS, now); // first ACK in congestion avoidance starts the epoch
        assertEquals(0.0, cc.kSeconds());
        assertEquals(14.0, cc.wMaxSegments());
    }
}
