package dev.pith.net.internal.tcp;

/**
 * CUBIC congestion control (RFC 9438), the default of Linux, Windows and Apple's stacks. After a
 * congestion event the window follows {@code W_cubic(t) = C * (t - K)^3 + W_max} in segments,
 * with t the seconds since congestion avoidance resumed: it climbs quickly back toward W_max, the
 * window where loss struck, flattens there (concave), then probes beyond it (convex); growth
 * depends on time, not on the RTT, so long fat paths fill fast. Alongside runs the Reno-friendly
 * estimate W_est (§4.3), used whenever it is larger, so CUBIC is never slower than Reno on short
 * paths. Slow start, fast recovery inflation and timeouts follow RFC 5681, 3465 and 6582 as in
 * {@link NewReno}, but reductions use beta_cubic = 0.7 instead of 0.5 (§4.6, §4.8).
 *
 * <p>Implemented: §4.2 (window increase), §4.3 (Reno-friendly region), §4.4 and §4.5 (concave and
 * convex regions, the target clamped to [cwnd, 1.5 cwnd]), §4.6 (multiplicative decrease, based
 * on flight size), §4.7 (fast convergence, on), §4.8 (timeout: K = 0 and W_max = cwnd at the start
 * of the next congestion avoidance stage). Not implemented: HyStart++ (RFC 9406), spurious
 * congestion event undo (§4.9), and pausing t while the sender is application-limited (an idle
 * connection resumes further along the curve, as early Linux CUBIC did).
 *
 * <p>Window state is kept in doubles of segments, as the RFC writes it; cwnd in bytes is a double
 * so that sub-byte increments accumulate instead of rounding away.
 */
final class Cubic implements CongestionControl {

    /** C of §4.2, in segments per second cubed. */
    static final double C = 0.4;
    /** beta_cubic of §4.6: the window is multiplied by this on a congestion event. */
    static final double BETA = 0.7;
    /** alpha_cubic of §4.3, 3 (1 - beta) / (1 + beta), so W_est matches Reno's average rate. */
    static final double ALPHA = 3 * (1 - BETA) / (1 + BETA);

    private int smss;
    /** cwnd in bytes. */
    private double cwnd;
    private int ssthresh = Integer.MAX_VALUE;
    private boolean started;

    /** W_max, in segments; meaningful once {@link #wMaxKnown}. */
    private double wMax;
    /** False before the first congestion event and after a timeout (§4.8): the next stage starts with K = 0. */
    private boolean wMaxKnown;
    /** cwnd_prior of §4.6, in segments: the window before the last reduction. */
    private double cwndPrior;
    /** Whether a congestion avoidance stage (an epoch) is under way; it starts at its first ACK. */
    private boolean inEpoch;
    private long epochStartNanos;
    /** K of §4.2, in seconds. */
    private double k;
    /** W_est of §4.3, in segments. */
    private double wEst;

    /** Creates the algorithm for a sender maximum segment size of {@code smss} bytes. */
    Cubic(int smss) {
        setMss(smss);
    }

    @Override
    public int congestionWindow() {
        return (int) cwnd;
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
            // Slow start as RFC 5681 with RFC 3465's L = 2 * SMSS (§4.10), stopping at ssthresh.
            cwnd = Math.min(Math.min(cwnd + Math.min(bytesAcked, 2 * smss), ssthresh), MAX_WINDOW);
            return;
        }
        double segments = cwnd / smss;
        if (!inEpoch) {
            startEpoch(segments, nowNanos);
        }
        double t = (nowNanos - epochStartNanos) / 1e9;
        // §4.3: W_est grows by alpha per cwnd acknowledged; alpha becomes 1 once W_est passes cwnd_prior.
        double alpha = wEst >= cwndPrior ? 1.0 : ALPHA;
        wEst += alpha * ((double) bytesAcked / smss) / segments;
        if (wCubic(t) < wEst) {
            cwnd = Math.max(cwnd, wEst * smss); // Reno-friendly region
        } else {
            // §4.4, §4.5: aim for where the curve will be one RTT from now, at most 1.5 cwnd.
            double target = wCubic(t + Math.max(0, rttNanos) / 1e9);
            target = Math.min(Math.max(target, segments), 1.5 * segments);
            cwnd += (target - segments) / segments * bytesAcked;
        }
        cwnd = Math.min(cwnd, MAX_WINDOW);
    }

    @Override
    public void onFastRetransmit(int flightSize, long nowNanos) {
        double segments = cwnd / smss;
        // §4.7 fast convergence: losing below the last W_max means a new flow needs room; release some.
        wMax = wMaxKnown && segments < wMax ? segments * (1 + BETA) / 2 : segments;
        wMaxKnown = true;
        cwndPrior = segments;
        ssthresh = Math.max((int) (flightSize * BETA), 2 * smss); // §4.6, Figure 5
        cwnd = ssthresh + 3 * smss; // RFC 5681 §3.2 step 3 inflation
        inEpoch = false;
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
        cwnd = Math.max(cwnd, smss); // a floor, as in NewReno
    }

    @Override
    public void onRecoveryEnd(int flightSize) {
        cwnd = Math.min(ssthresh, Math.max(flightSize, smss) + smss);
        inEpoch = false; // the curve starts when congestion avoidance does, not during recovery
    }

    @Override
    public void onRetransmitTimeout(int flightSize) {
        ssthresh = Math.max((int) (flightSize * BETA), 2 * smss); // §4.8: beta_cubic, not 1/2
        cwnd = smss;
        wMaxKnown = false;
        inEpoch = false;
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

    /** Returns W_max in segments, or NaN while undefined; for tests and statistics. */
    double wMaxSegments() {
        return wMaxKnown ? wMax : Double.NaN;
    }

    /** Returns K in seconds of the current congestion avoidance stage (0 before one starts). */
    double kSeconds() {
        return k;
    }

    /** Returns W_cubic(t) in segments for the current stage, Figure 1. */
    double wCubic(double t) {
        double d = t - k;
        return C * d * d * d + wMax;
    }

    private void startEpoch(double segments, long nowNanos) {
        inEpoch = true;
        epochStartNanos = nowNanos;
        if (!wMaxKnown) {
            // §4.8 after a timeout (and §4.10 without any loss yet): K = 0, W_max = cwnd_epoch.
            wMax = segments;
            cwndPrior = segments;
            wMaxKnown = true;
            k = 0;
        } else {
            // §4.2 Figure 2; negative when cwnd_epoch > W_max, which puts t = 0 in the convex region.
            k = Math.cbrt((wMax - segments) / C);
        }
        wEst = segments; // §4.3: W_est starts at cwnd_epoch
    }

    @Override
    public String toString() {
        return "Cubic[cwnd=" + (int) cwnd + ", ssthresh=" + ssthresh + ", wMax=" + wMax + ", k=" + k + "]";
    }
}
