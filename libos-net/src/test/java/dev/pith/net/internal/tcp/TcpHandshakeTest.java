package dev.pith.net.internal.tcp;

import static dev.pith.net.internal.tcp.RawPeer.expectNothingFrom;
import static org.junit.jupiter.api.Assertions.assertArrayEquals;
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
import org.junit.jupiter.api.Nested;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.CsvSource;

/**
 * Opening a connection (RFC 9293 §3.5, §3.10.7.2-3): the three-way handshake both ways, the options
 * agreed in it (MSS §3.7.1; window scale and timestamps RFC 7323 §2.2, §3.2; SACK-permitted RFC 2018
 * §2), simultaneous open, and the SYN's retransmission and failure.
 */
class TcpHandshakeTest {

    /** Pith's window scale for the default 256 KiB receive buffer: 262144 >> 3 fits 16 bits. */
    static final int PITH_SCALE = 3;

    RawPeer peer = new RawPeer();

    @AfterEach
    void checkAndClose() {
        peer.close();
    }

    void use(TcpSettings settings) {
        peer.close();
        peer = new RawPeer(settings);
    }

    // ================================================================== LISTEN

    @Nested
    class Listen {

        @Test
        void synWithEveryOptionGetsSynAckAgreeingToEach() {
            Captured synAck = peer.synReceived(Offer.ALL);
            assertEquals(TcpPacket.SYN | TcpPacket.ACK, synAck.flags());
            assertEquals(peer.peerIss + 1, synAck.ack());
            assertEquals(RawPeer.PITH_MSS, synAck.tcp().mss());
            assertEquals(PITH_SCALE, synAck.tcp().windowScale());
            assertTrue(synAck.tcp().sackPermitted());
            assertTrue(synAck.tcp().timestamps());
            assertEquals(peer.peerTimestamp(), synAck.tcp().tsEcr(), "TSecr echoes the SYN's TSval (RFC 7323 §3.2)");
            assertEquals((int) peer.nowMillis(), synAck.tcp().tsVal(), "Pith's timestamp clock ticks in milliseconds");
            assertEquals(65535, synAck.window(), "a SYN-ACK's window is never scaled (RFC 7323 §2.2)");
            assertEquals(0, synAck.payload().length);
            assertEquals(1, peer.tcp.stats().open());
            assertEquals(1, peer.tcp.stats().passiveOpens());
        }

        @Test
        void bareSynGetsMssOnlyAndTheDefaultMssOf536Applies() {
            Captured synAck = peer.synReceived(Offer.NONE);
            assertEquals(RawPeer.PITH_MSS, synAck.tcp().mss(), "MSS is always sent in a SYN (RFC 9293 §3.7.1 MUST-14)");
            assertEquals(-1, synAck.tcp().windowScale(), "no window scale unless offered (RFC 7323 §2.2)");
            assertFalse(synAck.tcp().sackPermitted(), "no SACK-permitted unless offered (RFC 2018 §2)");
            assertFalse(synAck.tcp().timestamps(), "no timestamps unless offered (RFC 7323 §3.2)");
            peer.sendAck();
            App app = peer.accepted.getFirst();
            app.write(RawPeer.bytes(2000));
            List<Captured> data = peer.take();
            assertEquals(536, data.getFirst().payload().length, "RFC 9293 §3.7.1: 536 bytes when no MSS option came");
            for (Captured c : data) {
                assertFalse(c.tcp().timestamps());
            }
        }

        @Test
        void smallerPeerMssLimitsSegmentsLessTheTimestampOption() {
            peer.synReceived(new Offer(1000, 7, true, true));
            peer.sendAck();
            peer.accepted.getFirst().write(RawPeer.bytes(5000));
            List<Captured> data = peer.take();
            assertEquals(1000 - 12, data.getFirst().payload().length, "MSS less 12 bytes of timestamps (RFC 7323 §3.2)");
            for (Captured c : data) {
                assertTrue(c.tcp().timestamps(), "TSopt in every segment once agreed (RFC 7323 §3.2)");
                assertTrue(c.payload().length <= 988);
            }
        }

        @Test
        void timestampsOnlyWhenBothSidesOfferThem() {
            use(TcpSettings.defaults().withOptions(true, false, true));
            Captured synAck = peer.synReceived(Offer.ALL);
            assertFalse(synAck.tcp().timestamps(), "Pith does not do timestamps: none in the SYN-ACK");
            assertTrue(synAck.tcp().sackPermitted());
            assertEquals(PITH_SCALE, synAck.tcp().windowScale());
        }

        @Test
        void windowScalingOffWhenPithDoesNotWantIt() {
            use(TcpSettings.defaults().withOptions(false, true, false));
            Captured synAck = peer.synReceived(Offer.ALL);
            assertEquals(-1, synAck.tcp().windowScale());
            assertFalse(synAck.tcp().sackPermitted());
            assertTrue(synAck.tcp().timestamps());
            App app = peer.established(Offer.ALL);
            assertEquals(0, app.tcb().sndWndShift, "both shifts are 0 unless both SYNs carried the option (RFC 7323 §2.2)");
            assertEquals(0, app.tcb().rcvWndShift);
        }

        @ParameterizedTest(name = "receive buffer {0} -> shift {1}")
        @CsvSource({"16384, 0", "65535, 0", "65536, 1", "262144, 3", "1048576, 5", "1073741824, 14"})
        void windowScaleIsTheSmallestShiftThatDescribesTheBuffer(int buffer, int shift) {
            // RFC 7323 §2.3: the shift makes the 16-bit field cover the buffer, at most 14.
            use(TcpSettings.defaults().withBuffers(64 * 1024, buffer));
            Captured synAck = peer.synReceived(Offer.ALL);
            assertEquals(shift, synAck.tcp().windowScale());
            assertEquals(Math.min(buffer, 65535), synAck.window(), "a SYN's window is the buffer, unscaled, capped");
            peer.sendAck();
            App app = peer.accepted.getFirst();
            app.autoRead = false;
            peer.sendData("x");
            Captured ack = peer.advance(40).getFirst();
            assertEquals(Math.min(65535, (buffer - 1) >> shift), ack.window(), "later windows are scaled: " + ack);
        }

        @Test
        void peerShiftAbove14IsTakenAs14() {
            // RFC 7323 §2.3: "MUST use 14 instead of the specified value".
            peer.listen();
            peer.seq = peer.peerIss;
            Captured synAck = peer.segment(TcpPacket.SYN).offer(Offer.ALL).rawWindowScale(15).send().getFirst();
            peer.seq = peer.peerIss + 1;
            peer.ack = synAck.seq() + 1;
            peer.timestamps = true;
            peer.sendAck();
            assertEquals(14, peer.accepted.getFirst().tcb().sndWndShift);
        }

        @Test
        void segmentToAClosedPortGetsAReset() {
            // RFC 9293 §3.10.7.1: no ACK -> <SEQ=0><ACK=SEG.SEQ+SEG.LEN><CTL=RST,ACK>.
            Captured rst = peer.segment(TcpPacket.SYN).seq(5000).toPort(9).send().getFirst();
            assertEquals(TcpPacket.RST | TcpPacket.ACK, rst.flags());
            assertEquals(0, rst.seq());
            assertEquals(5001, rst.ack());
            // With ACK -> <SEQ=SEG.ACK><CTL=RST>.
            rst = peer.segment(TcpPacket.ACK | TcpPacket.PSH).seq(7).ack(1234).payload("data").toPort(9).send().getFirst();
            assertEquals(TcpPacket.RST, rst.flags());
            assertEquals(1234, rst.seq());
            // A reset is never answered.
            expectNothingFrom(peer.segment(TcpPacket.RST).toPort(9).send());
            assertEquals(3, peer.drops(DropReason.TCP_NO_SOCKET));
        }

        @Test
        void listenerIgnoresResetsAndResetsStrayAcks() {
            peer.listen();
            // RFC 9293 §3.10.7.2: a RST is ignored; an ACK gets <SEQ=SEG.ACK><CTL=RST> (here it fails as a SYN cookie).
            expectNothingFrom(peer.segment(TcpPacket.RST).send());
            Captured rst = peer.segment(TcpPacket.ACK).ack(999).send().getFirst();
            assertEquals(TcpPacket.RST, rst.flags());
            assertEquals(999, rst.seq());
            assertEquals(1, peer.drops(DropReason.TCP_BAD_COOKIE));
            // Neither SYN nor ACK: dropped.
            expectNothingFrom(peer.segment(TcpPacket.FIN).send());
            assertEquals(1, peer.drops(DropReason.TCP_UNEXPECTED));
            assertEquals(0, peer.tcp.stats().open());
        }

        @Test
        void badChecksumIsDroppedAndCounted() {
            peer.listen();
            expectNothingFrom(peer.segment(TcpPacket.SYN).badChecksum().send());
            assertEquals(1, peer.drops(DropReason.TCP_BAD_CHECKSUM));
            assertEquals(0, peer.tcp.stats().open());
        }
    }

    // ================================================================== SYN-RECEIVED

    @Nested
    class SynReceived {

        @Test
        void retransmittedSynGetsTheSameSynAckAgain() {
            Captured first = peer.synReceived(Offer.ALL);
            peer.advance(200);
            List<Captured> again = peer.segment(TcpPacket.SYN).seq(peer.peerIss).offer(Offer.ALL).send();
            assertEquals(1, again.size(), () -> "one SYN-ACK: " + again);
            Captured second = again.getFirst();
            assertEquals(TcpPacket.SYN | TcpPacket.ACK, second.flags());
            assertEquals(first.seq(), second.seq());
            assertEquals(first.ack(), second.ack());
            assertEquals(first.tcp().windowScale(), second.tcp().windowScale());
            assertEquals(1, peer.tcp.stats().open(), "still one half-open connection");
        }

        @Test
        void synAckIsRetransmittedWithBackoffUntilSynRetriesThenForgotten() {
            peer.synReceived(Offer.ALL);
            long t0 = peer.nowMillis();
            List<Captured> resent = peer.advance(200_000);
            // RFC 6298 §5.5: 1 s, then doubling; synRetries (5) retransmissions, then give up.
            assertEquals(5, resent.size(), () -> "SYN-ACK retransmissions: " + resent);
            long[] expected = {1000, 3000, 7000, 15000, 31000};
            for (int i = 0; i < 5; i++) {
                assertEquals(TcpPacket.SYN | TcpPacket.ACK, resent.get(i).flags());
                assertEquals(peer.pithIss, resent.get(i).seq());
                assertEquals(expected[i], resent.get(i).atNanos() / 1_000_000 - t0);
            }
            assertEquals(0, peer.tcp.stats().open(), "the half-open connection is gone");
            assertTrue(peer.accepted.isEmpty(), "never handed to the application");
            // The listener still works.
            peer.peerPort++;
            peer.synReceived(Offer.ALL);
        }

        @Test
        void ackOfTheSynAckEstablishesWithTheScaledWindow() {
            peer.synReceived(Offer.ALL);
            peer.window = 10;
            expectNothingFrom(peer.sendAck());
            App app = peer.accepted.getFirst();
            assertEquals(TcpState.ESTABLISHED, app.state());
            assertEquals(10 << 7, app.tcb().sndWnd, "the first non-SYN window is scaled by the peer's shift (RFC 7323 §2.2)");
            assertEquals(7, app.tcb().sndWndShift);
            assertEquals(PITH_SCALE, app.tcb().rcvWndShift);
        }

        @Test
        void unacceptableAckGetsAResetAndTheConnectionStays() {
            peer.synReceived(Offer.ALL);
            // RFC 9293 §3.10.7.4 fifth check, SYN-RECEIVED: <SEQ=SEG.ACK><CTL=RST>.
            Captured rst = peer.segment(TcpPacket.ACK).ack(peer.pithIss + 100).send().getFirst();
            assertEquals(TcpPacket.RST, rst.flags());
            assertEquals(peer.pithIss + 100, rst.seq());
            assertEquals(1, peer.drops(DropReason.TCP_BAD_ACK));
            expectNothingFrom(peer.sendAck());
            assertEquals(TcpState.ESTABLISHED, peer.accepted.getFirst().state());
        }

        @Test
        void resetReturnsToListenWithoutTellingTheApplication() {
            peer.synReceived(Offer.ALL);
            expectNothingFrom(peer.segment(TcpPacket.RST).send());
            assertEquals(0, peer.tcp.stats().open());
            assertTrue(peer.accepted.isEmpty());
            peer.peerPort++;
            peer.synReceived(Offer.ALL); // the listener's backlog slot was given back
        }

        @Test
        void finWithTheHandshakeAckEstablishesAndClosesTheInput() {
            peer.synReceived(Offer.ALL);
            Captured ack = RawPeer.expectOne(peer.sendFin());
            assertEquals(peer.seq, ack.ack(), "the FIN is acknowledged");
            App app = peer.accepted.getFirst();
            assertEquals(TcpState.CLOSE_WAIT, app.state());
            assertTrue(app.eof, "the application sees the end of the stream");
        }

        @Test
        void dataWithTheHandshakeAckIsDelivered() {
            peer.synReceived(Offer.ALL);
            List<Captured> answer = peer.sendData("early");
            App app = peer.accepted.getFirst();
            assertEquals("early", app.text());
            assertTrue(answer.isEmpty() || answer.getFirst().isBareAck());
        }
    }

    // ================================================================== SYN-SENT

    @Nested
    class SynSent {

        final App app = new App();

        @Test
        void synOffersEveryOptionWithAnUnscaledWindow() {
            Captured syn = peer.synSent(app);
            assertEquals(RawPeer.PITH_MSS, syn.tcp().mss());
            assertEquals(PITH_SCALE, syn.tcp().windowScale());
            assertTrue(syn.tcp().sackPermitted());
            assertTrue(syn.tcp().timestamps());
            assertEquals(0, syn.tcp().tsEcr(), "TSecr is 0 in a SYN (RFC 7323 §3.2)");
            assertEquals(65535, syn.window());
            assertEquals(0, syn.ack());
            assertTrue(syn.tcp().sourcePort() >= 49152, "an ephemeral port (RFC 6335 §6)");
            assertEquals(TcpState.SYN_SENT, app.state());
        }

        @Test
        void synAckEstablishesAndTellsTheApplication() {
            App established = peer.activeEstablished(Offer.ALL);
            assertTrue(established.writableCalls > 0, "onWritable tells the application the connection is open");
            Connection c = established.tcb();
            assertTrue(c.timestamps);
            assertTrue(c.sackPermitted);
            assertEquals(7, c.sndWndShift);
            assertEquals(PITH_SCALE, c.rcvWndShift);
            assertEquals(1, peer.tcp.stats().activeOpens());
        }

        @Test
        void synAckWithoutOptionsTurnsThemOff() {
            App established = peer.activeEstablished(Offer.MSS_ONLY);
            Connection c = established.tcb();
            assertFalse(c.timestamps);
            assertFalse(c.sackPermitted);
            assertEquals(0, c.sndWndShift, "no scaling unless both SYNs had the option (RFC 7323 §2.2)");
            assertEquals(0, c.rcvWndShift);
            established.write("x");
            Captured data = peer.takeOne();
            assertFalse(data.tcp().timestamps());
            assertEquals(65535, data.window(), "our window, unscaled, capped to 16 bits");
        }

        @Test
        void synAckWindowIsNotScaledButLaterWindowsAre() {
            peer.window = 1000;
            App established = peer.activeEstablished(new Offer(RawPeer.PITH_MSS, 4, false, false));
            assertEquals(1000, established.tcb().sndWnd, "RFC 7323 §2.2: the SYN-ACK's window is not scaled");
            established.connection.setNoDelay(true); // Nagle would hold the last small segment
            established.write(RawPeer.bytes(5000));
            List<Captured> first = peer.take();
            assertEquals(1000, first.stream().mapToInt(c -> c.payload().length).sum(), () -> "one window: " + first);
            // Now the same field means 16000 bytes.
            List<Captured> rest = peer.acknowledgeAll(first);
            assertEquals(4000, rest.stream().mapToInt(c -> c.payload().length).sum(), () -> "the rest: " + rest);
        }

        @Test
        void synIsRetransmittedWithBackoffThenTimesOut() {
            peer.synSent(app);
            long t0 = peer.nowMillis();
            List<Captured> resent = peer.advance(200_000);
            long[] expected = {1000, 3000, 7000, 15000, 31000};
            assertEquals(5, resent.size(), () -> "SYN retransmissions: " + resent);
            for (int i = 0; i < 5; i++) {
                assertEquals(TcpPacket.SYN, resent.get(i).flags());
                assertEquals(peer.pithIss, resent.get(i).seq());
                assertEquals(expected[i], resent.get(i).atNanos() / 1_000_000 - t0, "RFC 6298 §5.5 doubling from 1 s");
            }
            assertEquals(TcpState.CLOSED, app.state());
            assertTrue(app.closed);
            assertEquals(TcpError.TIMED_OUT, app.error);
            assertEquals(1, peer.tcp.stats().timeouts());
            assertEquals(5, peer.tcp.stats().retransmits());
            assertEquals(0, peer.tcp.stats().open());
        }

        @Test
        void fewerSynRetriesTimeOutSooner() {
            use(RawPeer.settings(12, 2, Duration.ofSeconds(60), Duration.ofSeconds(30), Duration.ofSeconds(75), 9));
            peer.synSent(app);
            long t0 = peer.nowMillis();
            assertEquals(2, peer.advance(6_999).size());
            assertEquals(TcpState.SYN_SENT, app.state());
            peer.advance(1);
            assertEquals(TcpError.TIMED_OUT, app.error, "timed out at 1 + 2 + 4 = 7 s");
            assertEquals(7000, peer.nowMillis() - t0);
        }

        @Test
        void resetAcknowledgingTheSynRefuses() {
            peer.synSent(app);
            expectNothingFrom(peer.segment(TcpPacket.RST | TcpPacket.ACK).seq(0).ack(peer.pithIss + 1).send());
            assertEquals(TcpState.CLOSED, app.state());
            assertEquals(TcpError.REFUSED, app.error);
            assertEquals(1, peer.tcp.stats().resetsReceived());
        }

        @Test
        void resetWithoutAcceptableAckIsIgnored() {
            peer.synSent(app);
            // RFC 9293 §3.10.7.3: a RST with an unacceptable ACK is dropped, one without ACK too (RFC 5961 §3.2).
            expectNothingFrom(peer.segment(TcpPacket.RST | TcpPacket.ACK).ack(peer.pithIss + 7).send());
            expectNothingFrom(peer.segment(TcpPacket.RST).send());
            assertEquals(TcpState.SYN_SENT, app.state());
            assertEquals(1, peer.drops(DropReason.TCP_BAD_ACK));
            assertEquals(1, peer.drops(DropReason.TCP_BAD_RST));
        }

        @Test
        void ackWithoutSynIsDropped() {
            // RFC 9293 §3.10.7.3: "If neither of the SYN or RST bits is set, then drop the segment and return."
            peer.synSent(app);
            expectNothingFrom(peer.segment(TcpPacket.ACK).ack(peer.pithIss + 1).send());
            assertEquals(TcpState.SYN_SENT, app.state());
            assertEquals(1, peer.drops(DropReason.TCP_UNEXPECTED));
        }

        @Test
        void synAckWithUnacceptableAckGetsAReset() {
            peer.synSent(app);
            Captured rst = peer.segment(TcpPacket.SYN | TcpPacket.ACK).seq(peer.peerIss).ack(peer.pithIss + 5)
                    .offer(Offer.ALL).send().getFirst();
            assertEquals(TcpPacket.RST, rst.flags());
            assertEquals(peer.pithIss + 5, rst.seq(), "<SEQ=SEG.ACK><CTL=RST> (RFC 9293 §3.10.7.3)");
            assertEquals(TcpState.SYN_SENT, app.state());
        }

        @Test
        void synAckCarryingDataDeliversIt() {
            // RFC 9293 §3.10.7.3: after the SYN, "continue processing at the sixth step": the text is taken.
            peer.synSent(app);
            List<Captured> answer = peer.segment(TcpPacket.SYN | TcpPacket.ACK).seq(peer.peerIss).ack(peer.pithIss + 1)
                    .offer(Offer.ALL).payload("hello").send();
            assertEquals(TcpState.ESTABLISHED, app.state());
            assertEquals("hello", app.text());
            assertEquals(1, answer.size(), () -> "one ACK: " + answer);
            assertEquals(peer.peerIss + 1 + 5, answer.getFirst().ack());
        }

        @Test
        void simultaneousOpenGoesThroughSynReceived() {
            // RFC 9293 §3.5 figure 7: SYNs cross.
            Captured syn = peer.synSent(app);
            peer.seq = peer.peerIss;
            List<Captured> answer = peer.segment(TcpPacket.SYN).offer(Offer.ALL).send();
            assertEquals(1, answer.size());
            Captured synAck = answer.getFirst();
            assertEquals(TcpPacket.SYN | TcpPacket.ACK, synAck.flags(), "Pith answers SYN-ACK with its own ISS");
            assertEquals(syn.seq(), synAck.seq());
            assertEquals(peer.peerIss + 1, synAck.ack());
            assertEquals(PITH_SCALE, synAck.tcp().windowScale());
            assertEquals(TcpState.SYN_RECEIVED, app.state());
            // The peer, also in SYN-RECEIVED, sends its SYN-ACK, then ACKs Pith's.
            peer.segment(TcpPacket.SYN | TcpPacket.ACK).seq(peer.peerIss).ack(peer.pithIss + 1).offer(Offer.ALL).send();
            peer.seq = peer.peerIss + 1;
            peer.ack = peer.pithIss + 1;
            peer.timestamps = true;
            peer.sendAck();
            assertEquals(TcpState.ESTABLISHED, app.state());
            assertTrue(app.writableCalls > 0);
            // And it carries data both ways.
            peer.sendData("ping");
            assertEquals("ping", app.text());
            app.write("pong");
            Captured pong = peer.take().stream().filter(c -> c.payload().length > 0).findFirst().orElseThrow();
            assertEquals("pong", pong.text());
            assertEquals(peer.pithIss + 1, pong.seq());
        }

        @Test
        void resetAfterSimultaneousOpenRefuses() {
            // RFC 9293 §3.10.7.4 second check, SYN-RECEIVED: "If this connection was initiated with an active
            // OPEN (i.e., came from SYN-SENT state), then the connection was refused".
            peer.synSent(app);
            peer.seq = peer.peerIss;
            peer.segment(TcpPacket.SYN).offer(Offer.MSS_ONLY).send();
            peer.seq = peer.peerIss + 1;
            expectNothingFrom(peer.segment(TcpPacket.RST).send());
            assertEquals(TcpState.CLOSED, app.state());
            assertEquals(TcpError.REFUSED, app.error);
        }

        @Test
        void dataWrittenBeforeTheHandshakeGoesWithTheFirstAck() {
            peer.synSent(app);
            assertEquals(5, app.write("early"));
            peer.expectNothing();
            List<Captured> answer = peer.segment(TcpPacket.SYN | TcpPacket.ACK).seq(peer.peerIss).ack(peer.pithIss + 1)
                    .offer(Offer.MSS_ONLY).send();
            Captured first = RawPeer.expectOne(answer);
            assertEquals("early", first.text(), "the data segment carries the ACK of the SYN-ACK");
            assertEquals(peer.peerIss + 1, first.ack());
            assertEquals(peer.pithIss + 1, first.seq());
        }

        @Test
        void handshakeCompletesWithoutError() {
            App established = peer.activeEstablished();
            assertNull(established.error);
            assertArrayEquals(new byte[0], established.received.toByteArray());
        }
    }
}
