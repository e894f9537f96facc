package dev.pith.net.internal.tcp;

/**
 * The retransmission timeout of RFC 6298: a smoothed round-trip time and its variation from
 * samples, and the exponential backoff of §5.5. Times in nanoseconds of the injected clock.
 *
 * <p>Karn's algorithm (RFC 6298 §3) is the caller's: sample only segments that were not
 * retransmitted (or use timestamps, RFC 7323 §4). Backoff is kept apart from the estimate: a
 * retransmission timeout calls {@link #backoff()}, and only an ACK for new data calls
 * {@link #resetBackoff()}, so a sample taken during backoff does not shorten the timer early.
 * Not thread-safe: one event loop.
 */
final class RttEstimator {

    /** G, the clock granularity of RFC 6298 §2: Pith's timers fire with millisecond precision. */
    static final long CLOCK_GRANULARITY_NANOS = 1_000_000;
    private final long minRtoNanos;
    private final long maxRtoNanos;
    private long srtt;
    private long rttvar;
    private boolean hasSample;
    /** RTO from the estimate (or the initial RTO), clamped to [min, max], before backoff. */
    private long baseRto;
    private int backoffs;

    /**
     * Creates an estimator whose RTO is {@code initialRtoNanos} until the first sample (RFC 6298
     * §2.1 recommends 1 s) and always within {@code [minRtoNanos, maxRtoNanos]} (§2.4 recommends a
     * 1 s minimum, §2.5 allows a maximum of at least 60 s).
     */
    RttEstimator(long initialRtoNanos, long minRtoNanos, long maxRtoNanos) {
        if (minRtoNanos <= 0 || minRtoNanos > maxRtoNanos) {
            throw new IllegalArgumentException(
                    "need 0 < minRtoNanos <= maxRtoNanos: " + minRtoNanos + ", " + maxRtoNanos);
        }
        this.minRtoNanos = minRtoNanos;
        this.maxRtoNanos = maxRtoNanos;
        this.baseRto = clamp(initialRtoNanos);
    }

    /**
     * Feeds a round-trip measurement R (RFC 6298 §2.2 for the first, §2.3 afterwards, with
     * alpha = 1/8 and beta = 1/4). A negative sample, impossible on a monotonic clock, is ignored.
     */
    void sample(long rttNanos) {
        if (rttNanos < 0) {
            return;
        }
        if (!hasSample) {
            srtt = rttNanos;
            rttvar = rttNanos / 2;
            hasSample = true;
        } else {
            // RTTVAR first, with the old SRTT, as §2.3 requires.
            rttvar = (3 * rttvar + Math.abs(srtt - rttNanos)) / 4;
            srtt = (7 * srtt + rttNanos) / 8;
        }
        baseRto = clamp(srtt + Math.max(CLOCK_GRANULARITY_NANOS, 4 * rttvar));
    }

    /** Returns the current RTO: the estimate doubled once per {@link #backoff()}, at most the maximum. */
    long rtoNanos() {
        long rto = baseRto;
        // At most 63 iterations: rto >= minRtoNanos > 0 reaches the maximum by then.
        for (int i = 0; i < backoffs && rto < maxRtoNanos; i++) {
            rto = rto > maxRtoNanos / 2 ? maxRtoNanos : rto * 2;
        }
        return rto;
    }

    /** Doubles the RTO after a retransmission timeout (RFC 6298 §5.5), capped at the maximum. */
    void backoff() {
        // Counted even once RTO is pinned at the maximum, so callers can give up after N timeouts.
        if (backoffs < Integer.MAX_VALUE) {
            backoffs++;
        }
    }

    /** Undoes all backoff: an ACK for new data arrived. */
    void resetBackoff() {
        backoffs = 0;
    }

    /** Returns the number of backoffs since the last reset, for giving up after too many. */
    int backoffCount() {
        return backoffs;
    }

    /** Returns SRTT, or 0 before the first sample. */
    long srttNanos() {
        return srtt;
    }

    /** Returns RTTVAR, or 0 before the first sample. */
    long rttvarNanos() {
        return rttvar;
    }

    /** Returns whether a sample has been taken. */
    boolean hasSample() {
        return hasSample;
    }

    private long clamp(long rto) {
        return Math.min(maxRtoNanos, Math.max(minRtoNanos, rto));
    }
}
