package dev.pith.net.internal.tcp;

import static dev.pith.net.internal.tcp.RawPeer.expectNothingFrom;
import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertTrue;

import dev.pith.net.internal.tcp.RawPeer.App;
import dev.pith.net.internal.tcp.RawPeer.Captured;
import dev.pith.net.internal.tcp.RawPeer.Offer;
import dev.pith.net.tcp.TcpError;
import dev.pith.net.tcp.TcpSettings;
import dev.pith.net.tcp.TcpState;
import dev.pith.net.wire.TcpPacket;
import java.time.Duration;
import java.util.List;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.Nested;
import org.junit.jupiter.api.Test;

/**
 * Loss recovery of an ESTABLISHED sender: the retransmission timer of RFC 6298 (initial 1 s, backoff,
 * cap, restart), go-back after a timeout with the window collapsed to one segment (RFC 5681 §3.1),
 * giving up after maxRetransmissions, fast retransmit (RFC 5681 §3.2) and NewReno's partial ACKs
 * (RFC 6582). The peer offers MSS only, so no timestamps: RTT samples follow Karn's rule (RFC 6298
 * §3) and every timer value below can be computed by hand. Congestion control is NewReno.
 */
class TcpRetransmissionTest {

    static final int MSS = RawPeer.PITH_MSS;

    RawPeer peer;

    @AfterEach
    void checkAndClose() {
        peer.close();
    }

    static TcpSettings settings(int maxRetransmissions, Duration maxRto) {
        return RawPeer.settings(maxRetransmissions, 5, maxRto, Duration.ofSeconds(30), Duration.ofSeconds(75), 9)
                .withCongestionControl("newreno");
    }

    /** ESTABLISHED, passive open, no timestamps or SACK, Pith's ISS forced to {@code iss}. */
    App established(TcpSettings settings, int iss) {
        peer = new RawPeer(settings);
        peer.tcp.forceNextIss(iss);
        App app = peer.established(Offer.MSS_ONLY);
        assertEquals(iss, peer.pithIss);
        return app;
    }

    static long[] offsetsMillis(List<Captured> segments, long t0) {
        return segments.stream().mapToLong(c -> c.atNanos() / 1_000_000 - t0).toArray();
    }

    // ================================================================== the retransmission timer

    @Nested
    class RetransmissionTimer {

        @Test
        void initialRtoIsOneSecondThenDoublesUpToMaxRto() {
            App app = established(settings(12, Duration.ofSeconds(4)), 1000);
            app.write(RawPeer.bytes(100));
            Captured original = peer.takeOne();
            long t0 = original.atNanos() / 1_000_000;
            List<Captured> resent = peer.advance(20_000);
            // RFC 6298 §2.1: RTO = 1 s before any sample; §5.5: doubled on each expiry; §2.5: capped (maxRto 4 s).
            assertArrayEquals(new long[] {1000, 3000, 7000, 11000, 15000, 19000}, offsetsMillis(resent, t0),
                    () -> "retransmissions: " + resent);
            for (Captured c : resent) {
                assertEquals(original.seq(), c.seq(), "always the first unacknowledged segment");
                assertArrayEquals(original.payload(), c.payload());
            }
            assertEquals(6, peer.tcp.stats().retransmits());
            assertEquals(TcpState.ESTABLISHED, app.state());
        }

        @Test
        void newAckUndoesTheBackoff() {
            App app = established(settings(12, Duration.ofSeconds(60)), 1000);
            app.write(RawPeer.bytes(100));
            List<Captured> sent = peer.take();
            sent.addAll(peer.advance(3_500)); // two retransmissions: RTO now 4 s
            assertEquals(3, sent.size());
            expectNothingFrom(peer.acknowledgeAll(sent));
            // A new ACK resets the backoff; Karn (§3): the retransmitted segment gave no sample.
            app.write(RawPeer.bytes(100));
            long t1 = peer.takeOne().atNanos() / 1_000_000;
            List<Captured> resent = peer.advance(1_500);
            assertArrayEquals(new long[] {1000}, offsetsMillis(resent, t1), () -> "back to 1 s: " + resent);
        }

        @Test
        void rtoFollowsTheMeasuredRoundTrip() {
            App app = established(settings(12, Duration.ofSeconds(60)), 1000);
            app.write(RawPeer.bytes(100));
            List<Captured> first = peer.take();
            peer.advance(100);
            peer.acknowledgeAll(first);
            // RFC 6298 §2.2: SRTT = 100 ms, RTTVAR = 50 ms, RTO = SRTT + 4 RTTVAR = 300 ms (above minRto 200 ms).
            assertEquals(300_000_000L, peer.accepted.getFirst().tcb().rtt.rtoNanos());
            app.write(RawPeer.bytes(100));
            long t1 = peer.takeOne().atNanos() / 1_000_000;
            List<Captured> resent = peer.advance(1_000);
            assertArrayEquals(new long[] {300, 900}, offsetsMillis(resent, t1), () -> "300 ms, then 600: " + resent);
        }

        @Test
        void timerRestartsWhenNewDataIsAcknowledged() {
            App app = established(settings(12, Duration.ofSeconds(60)), 1000);
            app.connection.setNoDelay(true);
            app.write(RawPeer.bytes(100));
            app.write(RawPeer.bytes(100));
            List<Captured> two = peer.take();
            assertEquals(2, two.size());
            long t0 = two.getFirst().atNanos() / 1_000_000;
            peer.advance(800);
            peer.acknowledge(List.of(two.getFirst()));
            expectNothingFrom(peer.sendAck());
            // RFC 6298 §5.3: restart with the current RTO, which the 800 ms sample made 800 + 4 * 400 = 2400 ms.
            List<Captured> resent = peer.advance(5_000);
            assertEquals(3200, resent.getFirst().atNanos() / 1_000_000 - t0, () -> "at 800 + 2400 ms: " + resent);
            assertEquals(two.get(1).seq(), resent.getFirst().seq());
        }

        @Test
        void afterATimeoutPithGoesBackWithAOneSegmentWindow() {
            App app = established(settings(12, Duration.ofSeconds(60)), 1000);
            app.write(RawPeer.bytes(5 * MSS));
            List<Captured> flight = peer.take();
            assertEquals(5, flight.size(), "the initial window (RFC 6928) holds all five");
            // RFC 5681 §3.1: after the timeout cwnd = 1 SMSS, ssthresh = FlightSize / 2 = 3650.
            List<Captured> resent = peer.advance(1_000);
            assertEquals(1, resent.size());
            assertEquals(flight.get(0).seq(), resent.get(0).seq());
            // Each ACK opens the window (slow start) and Pith resends what followed, in order.
            List<Captured> next = peer.acknowledgeAll(resent);
            assertEquals(2, next.size(), () -> "cwnd 2 SMSS: " + next);
            assertEquals(flight.get(1).seq(), next.get(0).seq());
            assertEquals(flight.get(2).seq(), next.get(1).seq());
            List<Captured> last = peer.acknowledgeAll(next);
            assertEquals(2, last.size(), () -> "cwnd min(4 SMSS, ssthresh) = 3650: " + last);
            assertEquals(flight.get(3).seq(), last.get(0).seq());
            assertEquals(flight.get(4).seq(), last.get(1).seq());
            expectNothingFrom(peer.acknowledgeAll(last));
            // Every segment sent again after the timeout counts as a retransmission; none was fast.
            assertEquals(5, peer.tcp.stats().retransmits());
            assertEquals(0, peer.tcp.stats().fastRetransmits());
            assertEquals(0, app.tcb().sendBuffer.length());
        }

        @Test
        void ackOfEverythingSentBeforeTheTimeoutIsAcceptable() {
            App app = established(settings(12, Duration.ofSeconds(60)), 1000);
            app.write(RawPeer.bytes(5 * MSS));
            List<Captured> flight = peer.take();
            peer.advance(1_000); // go back: SND.NXT = SND.UNA + 1 segment
            // The original ACKs were only late: an ACK up to SND.MAX is not "unsent data".
            expectNothingFrom(peer.acknowledgeAll(flight));
            assertEquals(0, app.tcb().sendBuffer.length());
            assertEquals(app.tcb().sndMax, app.tcb().sndUna);
            assertFalse(app.tcb().retransmitTimer.isScheduled());
        }

        @Test
        void givesUpAfterMaxRetransmissionsWithAReset() {
            App app = established(settings(3, Duration.ofSeconds(60)), 1000);
            app.write(RawPeer.bytes(100));
            Captured original = peer.takeOne();
            long t0 = original.atNanos() / 1_000_000;
            List<Captured> after = peer.advance(60_000);
            assertEquals(4, after.size(), () -> "three retransmissions and a reset: " + after);
            assertArrayEquals(new long[] {1000, 3000, 7000, 15000}, offsetsMillis(after, t0));
            Captured rst = after.get(3);
            assertEquals(TcpPacket.RST, rst.flags() & ~TcpPacket.ACK);
            assertEquals(original.end(), rst.seq(), "<SEQ=SND.NXT><CTL=RST> (RFC 9293 §3.10.7.1 ABORT)");
            assertEquals(TcpState.CLOSED, app.state());
            assertEquals(TcpError.TIMED_OUT, app.error);
            assertEquals(1, peer.tcp.stats().timeouts());
            assertEquals(1, peer.tcp.stats().resetsSent());
            assertEquals(0, peer.tcp.stats().open());
        }
    }

    // ================================================================== fast retransmit and NewReno

    @Nested
    class FastRecovery {

        /**
         * Pith has six full segments in flight and the peer acknowledged the first. The ISS lies in the
         * upper half of the sequence space, where a "recover" left at 0 instead of ISS (RFC 6582 §3.2
         * step 1) compares as ahead of SND.UNA and would block fast retransmit for the whole connection.
         */
        List<Captured> sixInFlightFirstAcked(int iss) {
            App app = established(settings(12, Duration.ofSeconds(60)), iss);
            app.write(RawPeer.bytes(6 * MSS));
            List<Captured> flight = peer.take();
            assertEquals(6, flight.size());
            peer.acknowledge(List.of(flight.getFirst()));
            expectNothingFrom(peer.sendAck());
            return flight;
        }

        @Test
        void thirdDuplicateAckTriggersFastRetransmit() {
            List<Captured> flight = sixInFlightFirstAcked(0xF000_0000);
            expectNothingFrom(peer.sendAck()); // first duplicate
            expectNothingFrom(peer.sendAck()); // second
            List<Captured> fast = peer.sendAck(); // third: RFC 5681 §3.2 step 2
            assertEquals(1, fast.size(), () -> "one retransmission: " + fast);
            assertEquals(flight.get(1).seq(), fast.getFirst().seq());
            assertArrayEquals(flight.get(1).payload(), fast.getFirst().payload());
            assertEquals(1, peer.tcp.stats().fastRetransmits());
            assertEquals(0, peer.tcp.stats().retransmits(), "retransmits counts timeouts only");
            Connection c = peer.accepted.getFirst().tcb();
            assertTrue(c.inRecovery);
            assertEquals(flight.getLast().end(), c.recover, "recover = highest sequence number sent (RFC 6582 §3.2)");
            assertEquals(Math.max(5 * MSS / 2, 2 * MSS), c.congestion.slowStartThreshold(), "RFC 5681 eq. 4");
        }

        @Test
        void fastRetransmitWorksInTheLowerHalfOfTheSequenceSpaceToo() {
            List<Captured> flight = sixInFlightFirstAcked(0x1000_0000);
            peer.sendAck();
            peer.sendAck();
            List<Captured> fast = peer.sendAck();
            assertEquals(flight.get(1).seq(), fast.getFirst().seq());
        }

        @Test
        void ackThatChangesTheWindowOrCarriesDataIsNotADuplicateButDoesNotResetTheCount() {
            List<Captured> flight = sixInFlightFirstAcked(0xF000_0000);
            peer.sendAck();
            peer.sendAck(); // two duplicates
            peer.window = 30000;
            peer.sendAck(); // RFC 5681 §2 (e): not a duplicate, the window changed
            peer.sendData("x"); // §2 (b): nor one carrying data
            assertEquals(0, peer.tcp.stats().fastRetransmits());
            // §3.2: three duplicates "without any intervening ACKs which move SND.UNA": this is the third.
            List<Captured> fast = peer.sendAck().stream().filter(c -> c.payload().length > 0).toList();
            assertEquals(1, fast.size(), () -> "segment 2 again: " + fast);
            assertEquals(flight.get(1).seq(), fast.getFirst().seq());
            assertEquals(1, peer.tcp.stats().fastRetransmits());
        }

        @Test
        void partialAckResendsTheNextHoleAtOnce() {
            List<Captured> flight = sixInFlightFirstAcked(0xF000_0000);
            peer.sendAck();
            peer.sendAck();
            peer.sendAck(); // segment 2 resent
            // Segments 2 and 3 arrive; 4 was lost too. RFC 6582 §3.2 step 5: retransmit the first unacknowledged.
            peer.ack = flight.get(3).seq();
            List<Captured> partial = peer.sendAck();
            List<Captured> resent = partial.stream().filter(c -> c.seq() == flight.get(3).seq()).toList();
            assertEquals(1, resent.size(), () -> "segment 4 again: " + partial);
            Connection c = peer.accepted.getFirst().tcb();
            assertTrue(c.inRecovery, "a partial ACK does not end recovery");
            assertEquals(2, peer.tcp.stats().fastRetransmits());
            // The full ACK (covering recover) ends it (step 3), cwnd = min(ssthresh, max(FlightSize, SMSS) + SMSS).
            peer.ack = flight.getLast().end();
            peer.sendAck();
            assertFalse(c.inRecovery);
            assertEquals(Math.min(c.congestion.slowStartThreshold(), 2 * MSS), c.congestion.congestionWindow());
            assertEquals(0, peer.tcp.stats().retransmits());
        }

        @Test
        void noSecondFastRetransmitForDuplicatesOfTheSameLoss() {
            List<Captured> flight = sixInFlightFirstAcked(0xF000_0000);
            for (int i = 0; i < 3; i++) {
                peer.sendAck();
            }
            // More duplicates inflate cwnd (RFC 5681 §3.2 step 4) but do not resend the segment.
            for (int i = 0; i < 5; i++) {
                for (Captured c : peer.sendAck()) {
                    assertTrue(c.seq() != flight.get(1).seq(), () -> "not segment 2 again: " + c);
                }
            }
            assertEquals(1, peer.tcp.stats().fastRetransmits());
        }
    }
}
