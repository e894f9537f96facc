package dev.pith.net.internal.tcp;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import org.junit.jupiter.api.Test;

class RttEstimatorTest {

    private static final long MS = 1_000_000;
    private static final long S = 1_000 * MS;

    @Test
    void initialRtoUntilTheFirstSample() {
        RttEstimator rtt = new RttEstimator(1 * S, 200 * MS, 60 * S);
        assertFalse(rtt.hasSample());
        assertEquals(1 * S, rtt.rtoNanos());
        assertEquals(0, rtt.srttNanos());
    }

    @Test
    void firstSampleSetsSrttAndHalfOfItAsRttvar() {
        // RFC 6298 §2.2: SRTT = R, RTTVAR = R/2, RTO = SRTT + max(G, 4 * RTTVAR).
        RttEstimator rtt = new RttEstimator(1 * S, 200 * MS, 60 * S);
        rtt.sample(100 * MS);
        assertTrue(rtt.hasSample());
        assertEquals(100 * MS, rtt.srttNanos());
        assertEquals(50 * MS, rtt.rttvarNanos());
        assertEquals(300 * MS, rtt.rtoNanos());
    }

    @Test
    void laterSamplesSmoothWithAnEighthAndAQuarter() {
        // RFC 6298 §2.3: RTTVAR = 3/4 RTTVAR + 1/4 |SRTT - R'| (old SRTT), SRTT = 7/8 SRTT + 1/8 R'.
        RttEstimator rtt = new RttEstimator(1 * S, 200 * MS, 60 * S);
        rtt.sample(100 * MS);
        rtt.sample(200 * MS);
        assertEquals(62_500_000, rtt.rttvarNanos()); // 37.5 ms + 25 ms
        assertEquals(112_500_000, rtt.srttNanos()); // 87.5 ms + 25 ms
        assertEquals(362_500_000, rtt.rtoNanos()); // 112.5 ms + 4 * 62.5 ms
        rtt.sample(112_500_000);
        assertEquals(46_875_000, rtt.rttvarNanos());
        assertEquals(112_500_000, rtt.srttNanos());
    }

    @Test
    void clockGranularityBoundsTheVarianceTerm() {
        // Identical samples drive RTTVAR toward 0; G = 1 ms keeps RTO above SRTT.
        RttEstimator rtt = new RttEstimator(1 * S, 1, 60 * S);
        for (int i = 0; i < 200; i++) {
            rtt.sample(10 * MS);
        }
        assertEquals(10 * MS, rtt.srttNanos());
        assertEquals(11 * MS, rtt.rtoNanos());
    }

    @Test
    void rtoIsClampedToMinimumAndMaximum() {
        RttEstimator rtt = new RttEstimator(1 * S, 1 * S, 60 * S); // RFC 6298 §2.4's 1 s minimum
        rtt.sample(10 * MS);
        assertEquals(1 * S, rtt.rtoNanos());
        rtt.sample(100 * S);
        assertEquals(60 * S, rtt.rtoNanos());
        assertEquals(5 * S, new RttEstimator(10 * S, 1 * S, 5 * S).rtoNanos());
        assertThrows(IllegalArgumentException.class, () -> new RttEstimator(S, 2 * S, S));
    }

    @Test
    void backoffDoublesUpToTheMaximumAndResetRestores() {
        RttEstimator rtt = new RttEstimator(1 * S, 200 * MS, 60 * S);
        rtt.backoff();
        assertEquals(2 * S, rtt.rtoNanos());
        rtt.backoff();
        assertEquals(4 * S, rtt.rtoNanos());
        for (int i = 0; i < 100; i++) {
            rtt.backoff();
        }
        assertEquals(60 * S, rtt.rtoNanos());
        assertEquals(102, rtt.backoffCount());
        rtt.resetBackoff();
        assertEquals(1 * S, rtt.rtoNanos());
        assertEquals(0, rtt.backoffCount());
    }

    @Test
    void aSampleDoesNotUndoBackoff() {
        RttEstimator rtt = new RttEstimator(1 * S, 200 * MS, 60 * S);
        rtt.sample(100 * MS); // RTO 300 ms
        rtt.backoff();
        rtt.backoff();
        rtt.sample(100 * MS); // RTTVAR 37.5 ms: RTO 250 ms, still backed off twice
        assertEquals(1_000 * MS, rtt.rtoNanos());
        rtt.resetBackoff();
        assertEquals(250 * MS, rtt.rtoNanos());
    }

    @Test
    void negativeSamplesAreIgnored() {
        RttEstimator rtt = new RttEstimator(1 * S, 200 * MS, 60 * S);
        rtt.sample(-5);
        assertFalse(rtt.hasSample());
    }
}
