package dev.pith.net.internal.tcp;

import static dev.pith.net.internal.tcp.RawPeer.bytes;
import static dev.pith.net.internal.tcp.RawPeer.expectNothingFrom;
import static dev.pith.net.internal.tcp.RawPeer.expectOne;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import dev.pith.net.DropReason;
import dev.pith.net.internal.tcp.RawPeer.App;
import dev.pith.net.internal.tcp.RawPeer.Captured;
import dev.pith.net.internal.tcp.RawPeer.Offer;
import dev.pith.net.tcp.TcpError;
import dev.pith.net.tcp.TcpState;
import dev.pith.net.wire.TcpPacket;
import java.util.List;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Nested;
import org.junit.jupiter.api.Test;

/**
 * What an ESTABLISHED connection accepts: the sequence and ACK checks of RFC 9293 §3.10.7.4, made
 * strict against blind attacks by RFC 5961 (§3 resets, §4 SYNs, §5 data and ACKs, §7 the challenge
 * ACK limit), and PAWS (RFC 7323 §5). Each attack is followed by proof that the connection survives.
 * The peer offers window scale 0, so its largest window (MAX.SND.WND) is exactly 65535.
 */
class TcpSegmentCheckTest {

    RawPeer peer = new RawPeer();
    App app;
    /** Pith's RCV.NXT and SND.NXT. */
    int rcvNxt;
    int sndNxt;

    @BeforeEach
    void establish() {
        app = peer.established(new Offer(RawPeer.PITH_MSS, 0, true, true));
        app.write("hello"); // a little data in flight
        peer.acknowledgeAll(peer.take());
        rcvNxt = peer.seq;
        sndNxt = peer.ack;
    }

    @AfterEach
    void checkAndClose() {
        peer.close();
    }

    /** The connection still works: data from the peer arrives, and is acknowledged. */
    void survives() {
        assertEquals(TcpState.ESTABLISHED, app.state());
        int before = app.received.size();
        peer.sendData("still here");
        peer.advance(40);
        assertEquals("still here", app.text().substring(before));
    }

    /** A challenge ACK, or the ACK that answers an unacceptable segment: <SEQ=SND.NXT><ACK=RCV.NXT><CTL=ACK>. */
    void isTheAck(Captured c) {
        assertTrue(c.isBareAck(), () -> "a bare ACK: " + c);
        assertEquals(sndNxt, c.seq());
        assertEquals(rcvNxt, c.ack());
    }

    // ================================================================== RST (RFC 5961 §3)

    @Nested
    class Reset {

        @Test
        void exactlyAtRcvNxtResets() {
            expectNothingFrom(peer.segment(TcpPacket.RST).seq(rcvNxt).send());
            assertEquals(TcpState.CLOSED, app.state());
            assertEquals(TcpError.RESET, app.error);
            assertEquals(1, peer.tcp.stats().resetsReceived());
            assertEquals(0, peer.tcp.stats().open());
        }

        @Test
        void inTheWindowButNotExactGetsAChallengeAck() {
            isTheAck(expectOne(peer.segment(TcpPacket.RST).seq(rcvNxt + 1000).send()));
            assertEquals(1, peer.tcp.stats().challengeAcks());
            assertEquals(1, peer.drops(DropReason.TCP_BAD_RST));
            survives();
        }

        @Test
        void outOfTheWindowIsIgnored() {
            expectNothingFrom(peer.segment(TcpPacket.RST).seq(rcvNxt + 10_000_000).send());
            expectNothingFrom(peer.segment(TcpPacket.RST).seq(rcvNxt - 1).send());
            assertEquals(2, peer.drops(DropReason.TCP_BAD_RST));
            assertEquals(0, peer.tcp.stats().challengeAcks());
            survives();
        }

        @Test
        void resetWithAnOldTimestampIsStillHonoured() {
            // RFC 7323 §5.3 R1: PAWS does not apply to a RST.
            expectNothingFrom(peer.segment(TcpPacket.RST).seq(rcvNxt).timestamps(1, 0).send());
            assertEquals(TcpError.RESET, app.error);
        }
    }

    // ================================================================== SYN (RFC 5961 §4)

    @Nested
    class Syn {

        @Test
        void synInTheWindowGetsAChallengeAck() {
            isTheAck(expectOne(peer.segment(TcpPacket.SYN).seq(rcvNxt).send()));
            isTheAck(expectOne(peer.segment(TcpPacket.SYN).seq(rcvNxt + 5000).send()));
            assertEquals(2, peer.tcp.stats().challengeAcks());
            assertEquals(2, peer.drops(DropReason.TCP_BAD_SYN));
            survives();
        }

        @Test
        void synOutOfTheWindowIsAnsweredWithAnAckToo() {
            // RFC 5961 §4.2: "irrespective of the sequence number"; RFC 9293 §3.10.7.4 answers it as unacceptable.
            isTheAck(expectOne(peer.segment(TcpPacket.SYN).seq(rcvNxt - 100_000).send()));
            assertEquals(1, peer.drops(DropReason.TCP_OUT_OF_WINDOW));
            survives();
        }

        @Test
        void synAckOnAnEstablishedConnectionIsChallengedToo() {
            isTheAck(expectOne(peer.segment(TcpPacket.SYN | TcpPacket.ACK).seq(rcvNxt).send()));
            survives();
        }
    }

    // ================================================================== data and ACKs (RFC 5961 §5)

    @Nested
    class DataAndAcks {

        @Test
        void ackOfUnsentDataIsAnsweredAndTheSegmentDropped() {
            // RFC 9293 §3.10.7.4 fifth check: SEG.ACK > SND.NXT -> send an ACK, drop the segment.
            List<Captured> answer = peer.segment(TcpPacket.ACK | TcpPacket.PSH).ack(sndNxt + 1000).payload("injected").send();
            isTheAck(expectOne(answer));
            assertEquals(1, peer.drops(DropReason.TCP_BAD_ACK));
            assertEquals("", app.text(), "the text of a dropped segment is not delivered");
            survives();
        }

        @Test
        void ackOlderThanTheLargestWindowGetsAChallengeAck() {
            // RFC 5961 §5.2: acceptable only if SND.UNA - MAX.SND.WND <= SEG.ACK.
            List<Captured> answer = peer.segment(TcpPacket.ACK | TcpPacket.PSH).ack(sndNxt - 70_000).payload("injected").send();
            isTheAck(expectOne(answer));
            assertEquals(1, peer.tcp.stats().challengeAcks());
            assertEquals(1, peer.drops(DropReason.TCP_BAD_ACK));
            assertEquals("", app.text());
            survives();
        }

        @Test
        void oldAckWithinTheLargestWindowIsAcceptable() {
            peer.segment(TcpPacket.ACK | TcpPacket.PSH).ack(sndNxt - 60_000).payload("late").send();
            peer.seq += 4;
            peer.advance(40);
            assertEquals("late", app.text());
            assertEquals(0, peer.drops(DropReason.TCP_BAD_ACK));
        }

        @Test
        void dataOutsideTheWindowIsAnsweredAndDropped() {
            isTheAck(expectOne(peer.segment(TcpPacket.ACK | TcpPacket.PSH).seq(rcvNxt + 10_000_000).payload("x").send()));
            isTheAck(expectOne(peer.segment(TcpPacket.ACK | TcpPacket.PSH).seq(rcvNxt - 100).payload(bytes(50)).send()));
            assertEquals(2, peer.drops(DropReason.TCP_OUT_OF_WINDOW));
            survives();
        }

        @Test
        void segmentWithoutAckIsDropped() {
            expectNothingFrom(peer.segment(TcpPacket.PSH).payload("no ack").send());
            assertEquals(1, peer.drops(DropReason.TCP_UNEXPECTED));
            assertEquals("", app.text());
            survives();
        }
    }

    // ================================================================== the challenge ACK limit (RFC 5961 §7)

    @Nested
    class ChallengeAckLimit {

        @Test
        void atMostOneThousandChallengeAcksPerSecond() {
            int answered = 0;
            for (int i = 0; i < 1100; i++) {
                answered += peer.segment(TcpPacket.RST).seq(rcvNxt + 1 + i).send().size();
            }
            assertEquals(TcpLayer.CHALLENGE_ACKS_PER_SECOND, answered);
            assertEquals(TcpLayer.CHALLENGE_ACKS_PER_SECOND, peer.tcp.stats().challengeAcks());
            assertEquals(1100, peer.drops(DropReason.TCP_BAD_RST), "every one dropped and counted");
            peer.advance(1000);
            isTheAck(expectOne(peer.segment(TcpPacket.RST).seq(rcvNxt + 1).send()));
            survives();
        }
    }

    // ================================================================== PAWS (RFC 7323 §5)

    @Nested
    class Paws {

        @Test
        void segmentWithAnOlderTimestampIsAcknowledgedAndDropped() {
            int recent = peer.peerTimestamp();
            List<Captured> answer = peer.segment(TcpPacket.ACK | TcpPacket.PSH).payload("old duplicate")
                    .timestamps(recent - 1000, peer.tsRecent).send();
            isTheAck(expectOne(answer));
            assertEquals(1, peer.drops(DropReason.TCP_PAWS));
            assertEquals("", app.text());
            survives();
        }

        @Test
        void tsRecentFollowsTheLatestInOrderSegment() {
            peer.advance(5000);
            peer.sendData("a"); // TSval now 5 s later: TS.Recent moves (RFC 7323 §4.3)
            int recent = peer.peerTimestamp();
            assertEquals(recent, app.tcb().tsRecent);
            // A segment stamped before it, even in the window, is now a duplicate from the past.
            isTheAck(withRcvNxt(expectOne(peer.segment(TcpPacket.ACK | TcpPacket.PSH).payload("b")
                    .timestamps(recent - 1, peer.tsRecent).send())));
            assertEquals(1, peer.drops(DropReason.TCP_PAWS));
        }

        @Test
        void everySegmentPithSendsCarriesTimestampsEchoingTsRecent() {
            int xStamp = peer.peerTimestamp();
            peer.sendData("x");
            Captured delayedAck = expectOne(peer.advance(40));
            assertTrue(delayedAck.tcp().timestamps(), "RFC 7323 §3.2: TSopt in every non-RST segment");
            assertEquals(xStamp, delayedAck.tcp().tsEcr(), "TSecr = TS.Recent, the TSval of the segment acknowledged");
            int synStamp = peer.peerTimestamp();
            Captured challenge = expectOne(peer.segment(TcpPacket.SYN).seq(peer.seq).send());
            assertTrue(challenge.tcp().timestamps());
            assertEquals(synStamp, challenge.tcp().tsEcr());
        }

        Captured withRcvNxt(Captured c) {
            rcvNxt = peer.seq;
            return c;
        }
    }
}
