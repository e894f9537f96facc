package dev.pith.net.internal.tcp;

import static dev.pith.net.internal.tcp.RawPeer.expectNothingFrom;
import static dev.pith.net.internal.tcp.RawPeer.expectOne;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertNull;
import static org.junit.jupiter.api.Assertions.assertTrue;

import dev.pith.net.DropReason;
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
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Nested;
import org.junit.jupiter.api.Test;

/**
 * Closing (RFC 9293 §3.6, figures 12 and 13, and §3.10.4, §3.10.7.4): the active close through
 * FIN-WAIT-1, FIN-WAIT-2 and TIME-WAIT, the passive one through CLOSE-WAIT and LAST-ACK, the
 * simultaneous one through CLOSING, and the abortive ones. TIME-WAIT lasts settings.timeWait
 * (2 MSL, 30 s by default).
 */
class TcpCloseTest {

    static final long TIME_WAIT_MILLIS = 30_000;

    RawPeer peer = new RawPeer();
    App app;

    @BeforeEach
    void establish() {
        app = peer.established(Offer.ALL);
    }

    @AfterEach
    void checkAndClose() {
        peer.close();
    }

    /** Pith's FIN, the only segment the application's close() sent. */
    Captured closeAndTakeFin() {
        app.connection.close();
        Captured fin = peer.takeOne();
        assertEquals(TcpPacket.FIN | TcpPacket.ACK, fin.flags());
        assertEquals(peer.ack, fin.seq());
        assertEquals(peer.seq, fin.ack());
        return fin;
    }

    // ================================================================== FIN-WAIT-1 and FIN-WAIT-2

    @Nested
    class FinWait {

        @Test
        void activeCloseGoesThroughFinWaitToTimeWaitAndThenClosed() {
            Captured fin = closeAndTakeFin();
            assertEquals(TcpState.FIN_WAIT_1, app.state());
            peer.acknowledge(List.of(fin));
            expectNothingFrom(peer.sendAck());
            assertEquals(TcpState.FIN_WAIT_2, app.state());
            Captured ack = expectOne(peer.sendFin());
            assertTrue(ack.isBareAck());
            assertEquals(peer.seq, ack.ack(), "the peer's FIN acknowledged");
            assertEquals(fin.end(), ack.seq(), "nothing after our FIN, least of all a second FIN");
            assertEquals(TcpState.TIME_WAIT, app.state());
            assertTrue(app.closed, "the application hears of the close on entering TIME-WAIT");
            assertNull(app.error);
            // 2 MSL (RFC 9293 §3.6), then gone.
            expectNothingFrom(peer.advance(TIME_WAIT_MILLIS - 1));
            assertEquals(TcpState.TIME_WAIT, app.state());
            peer.advance(1);
            assertEquals(TcpState.CLOSED, app.state());
            assertEquals(0, peer.tcp.stats().open());
        }

        @Test
        void timeWaitLastsSettingsTimeWait() {
            peer.close();
            peer = new RawPeer(TcpSettings.defaults().withTimeWait(Duration.ofSeconds(5)));
            app = peer.established(Offer.ALL);
            Captured fin = closeAndTakeFin();
            peer.acknowledge(List.of(fin));
            peer.sendFin();
            assertEquals(TcpState.TIME_WAIT, app.state());
            peer.advance(4_999);
            assertEquals(TcpState.TIME_WAIT, app.state());
            peer.advance(1);
            assertEquals(TcpState.CLOSED, app.state());
        }

        @Test
        void finAndAckOfOurFinTogetherGoStraightToTimeWait() {
            Captured fin = closeAndTakeFin();
            peer.acknowledge(List.of(fin));
            expectOne(peer.sendFin());
            assertEquals(TcpState.TIME_WAIT, app.state());
        }

        @Test
        void lostFinIsRetransmitted() {
            Captured fin = closeAndTakeFin();
            Captured again = expectOne(peer.advance(1000));
            assertEquals(fin.seq(), again.seq());
            assertTrue(again.fin());
            assertEquals(1, peer.tcp.stats().retransmits());
        }

        @Test
        void halfCloseKeepsReceivingInFinWait2() {
            app.connection.shutdownOutput();
            Captured fin = peer.takeOne();
            peer.acknowledgeAll(List.of(fin));
            assertEquals(TcpState.FIN_WAIT_2, app.state());
            List<Captured> acks = peer.sendData("more for you");
            acks.addAll(peer.advance(40));
            assertEquals("more for you", app.text());
            Captured ack = expectOne(acks);
            assertTrue(ack.isBareAck(), () -> "an ACK, not our FIN again: " + ack);
            assertEquals(fin.end(), ack.seq());
            // A half-closed connection waits for the peer as long as it takes.
            peer.advance(10 * TIME_WAIT_MILLIS);
            assertEquals(TcpState.FIN_WAIT_2, app.state());
            peer.sendFin();
            assertEquals(TcpState.TIME_WAIT, app.state());
            assertTrue(app.eof);
        }

        @Test
        void orphanedFinWait2TimesOut() {
            // After close() nobody can read: like Linux's tcp_fin_timeout, FIN-WAIT-2 does not wait forever.
            Captured fin = closeAndTakeFin();
            peer.acknowledgeAll(List.of(fin));
            assertEquals(TcpState.FIN_WAIT_2, app.state());
            peer.advance(TIME_WAIT_MILLIS);
            assertEquals(TcpState.CLOSED, app.state());
            assertEquals(0, peer.tcp.stats().open());
        }

        @Test
        void dataArrivingAfterCloseIsAnsweredWithAReset() {
            // RFC 1122 §4.2.2.13 (and RFC 2525 §2.17): data that cannot be delivered after CLOSE gets a RST.
            Captured fin = closeAndTakeFin();
            Captured rst = expectOne(peer.sendData("too late"));
            assertTrue(rst.rst());
            assertEquals(fin.end(), rst.seq(), "<SEQ=SND.NXT>");
            assertEquals(TcpState.CLOSED, app.state());
            assertEquals(1, peer.tcp.stats().resetsSent());
        }
    }

    // ================================================================== CLOSING

    @Nested
    class Closing {

        @Test
        void simultaneousCloseGoesThroughClosing() {
            Captured fin = closeAndTakeFin();
            // The peer's FIN crosses ours: it does not acknowledge our FIN (RFC 9293 figure 13).
            Captured ack = expectOne(peer.sendFin());
            assertEquals(peer.seq, ack.ack());
            assertEquals(TcpState.CLOSING, app.state());
            peer.acknowledge(List.of(fin));
            expectNothingFrom(peer.sendAck());
            assertEquals(TcpState.TIME_WAIT, app.state());
            peer.advance(TIME_WAIT_MILLIS);
            assertEquals(TcpState.CLOSED, app.state());
            assertNull(app.error);
        }
    }

    // ================================================================== CLOSE-WAIT and LAST-ACK

    @Nested
    class PassiveClose {

        @Test
        void peersFinLeadsThroughCloseWaitAndLastAckToClosed() {
            Captured ack = expectOne(peer.sendFin());
            assertEquals(peer.seq, ack.ack(), "a FIN is acknowledged at once");
            assertEquals(TcpState.CLOSE_WAIT, app.state());
            assertTrue(app.eof, "read() returns -1: end of stream");
            // CLOSE-WAIT may still send (RFC 9293 §3.10.2).
            app.write("bye");
            Captured bye = peer.takeOne();
            assertEquals("bye", bye.text());
            peer.acknowledge(List.of(bye));
            app.connection.close();
            Captured fin = peer.takeOne();
            assertTrue(fin.fin());
            assertEquals(TcpState.LAST_ACK, app.state());
            peer.acknowledge(List.of(fin));
            expectNothingFrom(peer.sendAck());
            assertEquals(TcpState.CLOSED, app.state(), "no TIME-WAIT for the passive closer");
            assertTrue(app.closed);
            assertNull(app.error);
            assertEquals(0, peer.tcp.stats().open());
        }

        @Test
        void lastAckRetransmitsItsFin() {
            peer.sendFin();
            app.connection.close();
            Captured fin = peer.takeOne();
            Captured again = expectOne(peer.advance(1000));
            assertEquals(fin.seq(), again.seq());
            assertTrue(again.fin());
        }
    }

    // ================================================================== TIME-WAIT

    @Nested
    class TimeWait {

        Captured fin;

        @BeforeEach
        void enterTimeWait() {
            fin = closeAndTakeFin();
            peer.acknowledge(List.of(fin));
            expectOne(peer.sendFin());
            assertEquals(TcpState.TIME_WAIT, app.state());
        }

        @Test
        void retransmittedFinIsAcknowledgedAndRestartsTheTimer() {
            peer.advance(10_000);
            Captured ack = expectOne(peer.segment(TcpPacket.FIN | TcpPacket.ACK).seq(peer.seq - 1).send());
            assertTrue(ack.isBareAck());
            assertEquals(peer.seq, ack.ack());
            // RFC 9293 §3.10.7.4, TIME-WAIT: "Acknowledge it, and restart the 2 MSL timeout."
            peer.advance(TIME_WAIT_MILLIS - 1);
            assertEquals(TcpState.TIME_WAIT, app.state());
            peer.advance(1);
            assertEquals(TcpState.CLOSED, app.state());
        }

        @Test
        void newSynWithAHigherSequenceNumberReusesTheTuple() {
            // RFC 9293 §3.10.7.4 / RFC 1122 §4.2.2.13: a new SYN above the old RCV.NXT may reopen a TIME-WAIT tuple.
            int newIss = peer.seq + 1_000_000;
            List<Captured> answer = peer.segment(TcpPacket.SYN).seq(newIss).offer(Offer.ALL).send();
            Captured synAck = expectOne(answer);
            assertEquals(TcpPacket.SYN | TcpPacket.ACK, synAck.flags());
            assertEquals(newIss + 1, synAck.ack());
            assertEquals(TcpState.CLOSED, app.state(), "the old incarnation is gone");
            peer.seq = newIss + 1;
            peer.ack = synAck.seq() + 1;
            peer.sendAck();
            assertEquals(2, peer.accepted.size());
            assertEquals(TcpState.ESTABLISHED, peer.accepted.getLast().state());
            peer.sendData("again");
            assertEquals("again", peer.accepted.getLast().text());
        }

        @Test
        void oldSynDoesNotReopenTheTuple() {
            Captured ack = expectOne(peer.segment(TcpPacket.SYN).seq(peer.seq - 10).send());
            assertTrue(ack.isBareAck(), () -> "answered as an unacceptable segment: " + ack);
            assertEquals(TcpState.TIME_WAIT, app.state());
            assertEquals(1, peer.accepted.size());
        }

        @Test
        void resetEndsTimeWait() {
            // RFC 9293 §3.10.7.4 second check, TIME-WAIT: "enter the CLOSED state, delete the TCB".
            expectNothingFrom(peer.segment(TcpPacket.RST).seq(peer.seq).send());
            assertEquals(TcpState.CLOSED, app.state());
            assertNull(app.error, "already reported as an orderly close");
        }
    }

    // ================================================================== aborts

    @Nested
    class Abort {

        @Test
        void closeWithUnreadDataSendsAReset() {
            app.autoRead = false;
            peer.sendData("unread");
            peer.take();
            app.connection.close();
            Captured rst = peer.takeOne();
            assertTrue(rst.rst(), () -> "RFC 2525 §2.17: a RST tells the peer its data was lost: " + rst);
            assertEquals(peer.ack, rst.seq());
            assertEquals(TcpState.CLOSED, app.state());
            assertEquals(TcpError.ABORTED, app.error);
        }

        @Test
        void abortSendsAResetAndDropsQueuedData() {
            peer.window = 0;
            peer.sendAck();
            app.write("queued");
            app.connection.abort();
            Captured rst = peer.takeOne();
            assertTrue(rst.rst());
            assertEquals(peer.ack, rst.seq(), "<SEQ=SND.NXT><CTL=RST> (RFC 9293 §3.10.5)");
            assertEquals(TcpState.CLOSED, app.state());
            assertEquals(TcpError.ABORTED, app.error);
            assertEquals(0, peer.tcp.stats().open());
            // What arrives next finds no connection.
            Captured reply = expectOne(peer.sendData("anyone?"));
            assertTrue(reply.rst());
            assertEquals(1, peer.drops(DropReason.TCP_BAD_COOKIE), "an ACK to a listening port: not a SYN cookie");
        }

        @Test
        void peersResetInCloseWaitReportsReset() {
            peer.sendFin();
            expectNothingFrom(peer.segment(TcpPacket.RST).seq(peer.seq).send());
            assertEquals(TcpState.CLOSED, app.state());
            assertEquals(TcpError.RESET, app.error);
        }

        @Test
        void closeInSynSentJustForgetsTheConnection() {
            peer.peerPort = 50_000;
            App opening = new App();
            peer.synSent(opening);
            opening.connection.close();
            assertEquals(TcpState.CLOSED, opening.state());
            assertFalse(opening.tcb().retransmitTimer.isScheduled());
            expectNothingFrom(peer.advance(5000));
        }
    }
}
