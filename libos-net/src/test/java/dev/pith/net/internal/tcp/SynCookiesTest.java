package dev.pith.net.internal.tcp;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import dev.pith.core.ManualClock;
import dev.pith.core.RandomSource;
import java.time.Duration;
import java.util.SplittableRandom;
import java.util.function.IntUnaryOperator;
import org.junit.jupiter.api.Test;

class SynCookiesTest {

    private static final int LOCAL = 0x0A000001;
    private static final int REMOTE = 0xC0A80102;
    private static final int CLIENT_ISN = 0x89ABCDEF;

    private final ManualClock clock = new ManualClock(5_000_000_000L);
    private final SynCookies cookies = new SynCookies(clock, RandomSource.seeded(11));

    private int check(int cookie) {
        return cookies.check(LOCAL, 80, REMOTE, 40000, CLIENT_ISN, cookie + 1);
    }

    @Test
    void roundTripsTheLargestTableMssNotAboveTheClients() {
        int[][] cases = {{1460, 1460}, {9000, 1460}, {1459, 1440}, {1440, 1440}, {1400, 1300},
            {1300, 1300}, {1000, 536}, {536, 536}, {500, 536}};
        for (int[] c : cases) {
            int cookie = cookies.cookie(LOCAL, 80, REMOTE, 40000, CLIENT_ISN, c[0]);
            assertEquals(c[1], check(cookie), "client MSS " + c[0]);
        }
    }

    @Test
    void refusesAnotherTupleClientIsnOrAck() {
        int cookie = cookies.cookie(LOCAL, 80, REMOTE, 40000, CLIENT_ISN, 1460);
        int ack = cookie + 1;
        assertEquals(1460, cookies.check(LOCAL, 80, REMOTE, 40000, CLIENT_ISN, ack));
        assertEquals(-1, cookies.check(LOCAL + 1, 80, REMOTE, 40000, CLIENT_ISN, ack));
        assertEquals(-1, cookies.check(LOCAL, 81, REMOTE, 40000, CLIENT_ISN, ack));
        assertEquals(-1, cookies.check(LOCAL, 80, REMOTE + 1, 40000, CLIENT_ISN, ack));
        assertEquals(-1, cookies.check(LOCAL, 80, REMOTE, 40001, CLIENT_ISN, ack));
        assertEquals(-1, cookies.check(LOCAL, 80, REMOTE, 40000, CLIENT_ISN + 1, ack));
        assertEquals(-1, cookies.check(LOCAL, 80, REMOTE, 40000, CLIENT_ISN, cookie)); // ack not ISN + 1
        for (int bit = 0; bit < 32; bit++) { // any flipped bit, including the MSS and counter bits
            assertEquals(-1, cookies.check(LOCAL, 80, REMOTE, 40000, CLIENT_ISN, ack ^ (1 << bit)), "bit " + bit);
        }
    }

    @Test
    void expiresAfterTheCurrentAndTwoFollowingPeriods() {
        ManualClock clock = new ManualClock(0);
        SynCookies cookies = new SynCookies(clock, RandomSource.seeded(11));
        IntUnaryOperator check = cookie -> cookies.check(LOCAL, 80, REMOTE, 40000, CLIENT_ISN, cookie + 1);
        int early = cookies.cookie(LOCAL, 80, REMOTE, 40000, CLIENT_ISN, 1460); // start of period 0
        clock.set(SynCookies.PERIOD_NANOS - 1);
        int late = cookies.cookie(LOCAL, 80, REMOTE, 40000, CLIENT_ISN, 1460); // end of period 0
        clock.set(3 * SynCookies.PERIOD_NANOS - 1); // end of period 2
        assertEquals(1460, check.applyAsInt(early));
        assertEquals(1460, check.applyAsInt(late));
        clock.advance(Duration.ofNanos(1)); // period 3
        assertEquals(-1, check.applyAsInt(early));
        assertEquals(-1, check.applyAsInt(late));
        clock.advance(Duration.ofSeconds(64)); // period 4: its low counter bits equal period 0's
        assertEquals(-1, check.applyAsInt(early));
    }

    @Test
    void differentSecretsMakeDifferentCookies() {
        SynCookies other = new SynCookies(clock, RandomSource.seeded(12));
        int cookie = cookies.cookie(LOCAL, 80, REMOTE, 40000, CLIENT_ISN, 1460);
        assertEquals(-1, other.check(LOCAL, 80, REMOTE, 40000, CLIENT_ISN, cookie + 1));
    }

    @Test
    void randomForgeriesAreRefused() {
        // 12 valid cookies (3 periods x 4 MSS values) among 2^32 numbers per tuple and client ISN:
        // 100,000 random guesses succeed 100000 * 12 / 2^32 = 0.00028 times on average.
        SplittableRandom random = new SplittableRandom(5);
        int accepted = 0;
        for (int i = 0; i < 100_000; i++) {
            int clientIsn = random.nextInt();
            if (cookies.check(LOCAL, 80, REMOTE, 40000 + (i & 7), clientIsn, random.nextInt()) != -1) {
                accepted++;
            }
        }
        assertTrue(accepted == 0, accepted + " forgeries accepted");
    }
}
