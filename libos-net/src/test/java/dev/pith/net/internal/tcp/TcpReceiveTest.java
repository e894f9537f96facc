package dev.pith.net.internal.tcp;

import static dev.pith.net.internal.tcp.RawPeer.bytes;
import static dev.pith.net.internal.tcp.RawPeer.expectNothingFrom;
import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import dev.pith.net.DropReason;
import dev.pith.net.internal.tcp.RawPeer.App;
import dev.pith.net.internal.tcp.RawPeer.Captured;
import dev.pith.net.internal.tcp.RawPeer.Offer;
import dev.pith.net.tcp.TcpSettings;
import dev.pith.net.tcp.TcpState;
import dev.pith.net.wire.TcpPacket;
import dev.pith.net.wire.TcpRepr;
import java.io.ByteArrayOutputStream;
import java.util.List;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.Nested;
import org.junit.jupiter.api.Test;

/**
 * An ESTABLISHED receiver: out-of-order segments held and reassembled within outOfOrderRanges, SACK
 * blocks (RFC 2018), when ACKs go out (delayed ACK, RFC 9293 §3.8.6.3, RFC 5681 §4.2), and the
 * window it advertises (silly-window avoidance RFC 9293 §3.8.6.2.2, scaling RFC 7323 §2).
 */
class TcpReceiveTest {

    RawPeer peer;

    @AfterEach
    void checkAndClose() {
        peer.close();
    }

    static TcpSettings settings(int receiveBuffer, int outOfOrderRanges) {
        TcpSettings d = TcpSettings.defaults();
        return new TcpSettings(d.maxConnections(), d.backlog(), d.synCookies(), d.sendBuffer(), receiveBuffer,
                outOfOrderRanges, d.delayedAck(), d.initialRto(), d.minRto(), d.maxRto(), d.maxRetransmissions(),
                d.synRetries(), d.timeWait(), d.keepAliveInterval(), d.keepAliveProbes(), d.congestionControl(),
                d.windowScaling(), d.timestamps(), d.sack());
    }

    /**
     * ESTABLISHED by a passive open; the application reads only when a test says so. (Its first read
     * would open the window from the SYN-ACK's unscaled 65535 to the whole buffer, and Pith announces
     * that at once: a window update these tests would otherwise see before the ACK they look for.)
     */
    App established(TcpSettings settings, Offer offer) {
        peer = new RawPeer(settings);
        App app = peer.established(offer);
        app.autoRead = false;
        return app;
    }

    /** Sends {@code n} pattern bytes in segments of at most 1024, advancing the peer's SND.NXT; returns Pith's answers. */
    List<Captured> fill(int n) {
        List<Captured> answers = new java.util.ArrayList<>();
        for (int sent = 0; sent < n; sent += 1024) {
            answers.addAll(peer.sendData(bytes(Math.min(1024, n - sent), sent)));
        }
        return answers;
    }

    /** Sends {@code length} pattern bytes at offset {@code offset} past the peer's current SND.NXT, without moving it. */
    List<Captured> sendAt(int offset, int length) {
        return peer.segment(TcpPacket.ACK | TcpPacket.PSH).seq(peer.seq + offset).payload(bytes(length, offset)).send();
    }

    static long block(int left, int right) {
        return TcpRepr.sackBlock(left, right);
    }

    // ================================================================== out of order

    @Nested
    class Reassembly {

        @Test
        void holesAreAckedAtOnceWithSackBlocksMostRecentFirst() {
            App app = established(TcpSettings.defaults(), Offer.ALL);
            int base = peer.seq;
            expectNothingFrom(sendAt(0, 100)); // in order: the ACK may wait (delayed ACK)
            // 100..200 is missing. Out-of-order segments are acknowledged at once (RFC 5681 §4.2), with SACK.
            Captured dup = single(sendAt(200, 100));
            assertEquals(base + 100, dup.ack());
            assertArrayEquals(new long[] {block(base + 200, base + 300)}, dup.tcp().sackBlocks());
            dup = single(sendAt(400, 100));
            // RFC 2018 §4: the first block holds the segment that triggered this ACK, then the most recent others.
            assertArrayEquals(new long[] {block(base + 400, base + 500), block(base + 200, base + 300)},
                    dup.tcp().sackBlocks());
            dup = single(sendAt(200, 100)); // a duplicate of the older range makes it the most recent
            assertArrayEquals(new long[] {block(base + 200, base + 300), block(base + 400, base + 500)},
                    dup.tcp().sackBlocks());
            dup = single(sendAt(300, 100)); // joins the two ranges
            assertArrayEquals(new long[] {block(base + 200, base + 500)}, dup.tcp().sackBlocks());
            assertEquals(base + 100, dup.ack());
            assertEquals(100, app.readAll());
            // Filling the hole delivers everything, and is acknowledged at once with no block left.
            Captured full = single(sendAt(100, 100));
            assertEquals(base + 500, full.ack());
            assertEquals(0, full.tcp().sackBlocks().length);
            assertEquals(400, app.readAll());
            assertArrayEquals(bytes(500), app.received.toByteArray());
        }

        @Test
        void atMostThreeBlocksWithTimestampsAndFourWithout() {
            established(TcpSettings.defaults(), Offer.ALL);
            int base = peer.seq;
            Captured last = null;
            for (int i = 1; i <= 5; i++) {
                last = single(sendAt(200 * i, 100));
            }
            long[] blocks = last.tcp().sackBlocks();
            assertEquals(3, blocks.length, "40 option bytes - 12 of timestamps leave room for 3 (RFC 2018 §3)");
            assertEquals(block(base + 1000, base + 1100), blocks[0]);
            assertEquals(block(base + 800, base + 900), blocks[1]);
            assertEquals(block(base + 600, base + 700), blocks[2]);
            peer.close();

            established(TcpSettings.defaults(), new Offer(RawPeer.PITH_MSS, 7, true, false));
            base = peer.seq;
            for (int i = 1; i <= 5; i++) {
                last = single(sendAt(200 * i, 100));
            }
            assertEquals(4, last.tcp().sackBlocks().length);
            assertEquals(block(base + 1000, base + 1100), last.tcp().sackBlocks()[0]);
        }

        @Test
        void noSackBlocksUnlessThePeerOfferedSack() {
            established(TcpSettings.defaults(), new Offer(RawPeer.PITH_MSS, 7, false, true));
            Captured dup = single(sendAt(200, 100));
            assertEquals(0, dup.tcp().sackBlocks().length);
            assertEquals(peer.seq, dup.ack(), "still a duplicate ACK");
        }

        @Test
        void rangesBeyondOutOfOrderRangesAreDroppedAndCounted() {
            App app = established(settings(256 * 1024, 2), Offer.ALL);
            int base = peer.seq;
            single(sendAt(200, 100));
            single(sendAt(400, 100));
            // A third disjoint range does not fit: dropped, counted, but still answered with a duplicate ACK.
            Captured dup = single(sendAt(600, 100));
            assertEquals(base, dup.ack());
            assertEquals(2, dup.tcp().sackBlocks().length, () -> "the range was not held: " + dup);
            assertEquals(1, peer.drops(DropReason.TCP_REASSEMBLY_FULL));
            // Ranges that merge with held ones still fit.
            single(sendAt(300, 100));
            single(sendAt(0, 200));
            assertEquals(500, app.readAll());
            sendAt(500, 200);
            app.readAll();
            assertArrayEquals(bytes(700), app.received.toByteArray());
        }

        @Test
        void finAheadOfAHoleWaitsForTheHole() {
            App app = established(TcpSettings.defaults(), Offer.ALL);
            int base = peer.seq;
            peer.segment(TcpPacket.ACK | TcpPacket.FIN).seq(base + 100).payload(bytes(100, 100)).send();
            assertEquals(TcpState.ESTABLISHED, app.state(), "the FIN is not in order yet");
            Captured ack = single(sendAt(0, 100));
            assertEquals(base + 201, ack.ack(), "data and FIN acknowledged together");
            assertEquals(TcpState.CLOSE_WAIT, app.state());
            app.readAll();
            assertTrue(app.eof);
            assertArrayEquals(bytes(200), app.received.toByteArray());
        }

        @Test
        void overlappingRetransmissionsAreTrimmed() {
            App app = established(TcpSettings.defaults(), Offer.ALL);
            int base = peer.seq;
            sendAt(0, 100);
            sendAt(50, 100); // half old, half new (RFC 9293 §3.10.7.4: only the new part is processed)
            sendAt(0, 150); // entirely old: acknowledged, dropped
            app.readAll();
            assertArrayEquals(bytes(150), app.received.toByteArray());
            assertEquals(base + 150, app.tcb().rcvNxt);
        }
    }

    // ================================================================== acknowledgements

    @Nested
    class DelayedAck {

        @Test
        void oneSegmentIsAcknowledgedAfter40Milliseconds() {
            established(TcpSettings.defaults(), Offer.ALL);
            long t0 = peer.nowMillis();
            expectNothingFrom(peer.sendData(bytes(100)));
            List<Captured> acks = peer.advance(100);
            assertEquals(1, acks.size());
            assertEquals(40, acks.getFirst().atNanos() / 1_000_000 - t0, "settings.delayedAck");
            assertEquals(peer.seq, acks.getFirst().ack());
        }

        @Test
        void everySecondSegmentIsAcknowledgedAtOnce() {
            established(TcpSettings.defaults(), Offer.ALL);
            for (int i = 0; i < 3; i++) {
                expectNothingFrom(peer.sendData(bytes(RawPeer.MSS_WITH_TIMESTAMPS)));
                Captured ack = single(peer.sendData(bytes(RawPeer.MSS_WITH_TIMESTAMPS)));
                assertEquals(peer.seq, ack.ack(), "RFC 5681 §4.2: at least every second full-sized segment");
            }
            expectNothingFrom(peer.advance(100));
        }

        @Test
        void setDelayedAckFalseAcknowledgesEverySegment() {
            App app = established(TcpSettings.defaults(), Offer.ALL);
            app.connection.setDelayedAck(false);
            for (int i = 0; i < 3; i++) {
                assertEquals(peer.seq + 10, single(peer.sendData(bytes(10))).ack());
            }
        }

        @Test
        void aDelayedAckRidesOnTheAnswer() {
            App app = established(TcpSettings.defaults(), Offer.ALL);
            expectNothingFrom(peer.sendData("request"));
            peer.advance(10);
            app.write("response");
            Captured answer = peer.takeOne();
            assertEquals("response", answer.text());
            assertEquals(peer.seq, answer.ack());
            expectNothingFrom(peer.advance(100));
        }
    }

    // ================================================================== the advertised window

    @Nested
    class ReceiveWindow {

        @Test
        void windowIsScaledByPithsShiftOnceEstablished() {
            App app = established(TcpSettings.defaults(), Offer.ALL);
            peer.sendData(bytes(1000));
            Captured ack = peer.advance(40).getFirst();
            assertEquals((256 * 1024 - 1000) >> 3, ack.window(), "RFC 7323 §2.3: the field is the window >> shift");
        }

        @Test
        void rightEdgeNeverMovesLeftAndOpensByAtLeastMinOfHalfBufferAndMss() {
            // 8 KiB: no scaling, so every byte of the window is visible on the wire.
            App app = established(settings(8192, 32), Offer.MSS_ONLY);
            app.connection.setDelayedAck(false);
            int threshold = Math.min(8192 / 2, RawPeer.PITH_MSS);
            int edge = peer.seq + 8192; // as the SYN-ACK advertised
            ByteArrayOutputStream sent = new ByteArrayOutputStream();
            int[] writes = {300, 700, 100, 1200, 50, 900, 400, 1000};
            int[] reads = {0, 200, 100, 500, 900, 10, 3000, 600};
            for (int i = 0; i < writes.length; i++) {
                int usable = edge - peer.seq;
                int n = Math.min(writes[i], usable);
                byte[] data = bytes(n, sent.size());
                sent.writeBytes(data);
                List<Captured> answer = peer.sendData(data);
                if (reads[i] > 0) {
                    app.read(reads[i]);
                }
                answer.addAll(peer.take());
                for (Captured ack : answer) {
                    int newEdge = ack.ack() + ack.window();
                    assertTrue(Seq.ge(newEdge, edge), () -> "edge moved left: " + ack);
                    int opened = newEdge - edge;
                    assertTrue(opened == 0 || opened >= threshold || ack.window() == 8192,
                            "RFC 9293 §3.8.6.2.2: opens by min(buffer / 2, MSS) at least, " + ack);
                    edge = newEdge;
                }
            }
            app.readAll();
            assertArrayEquals(sent.toByteArray(), app.received.toByteArray());
        }

        @Test
        void scaledWindowRetractsOnTheWireByLessThanOneUnitAtMost() {
            // RFC 7323 §2.4 and Appendix F: the field is the window >> 3 rounded, so the edge it describes may
            // move left by up to 2^3 - 1 bytes; the receiver keeps the true edge and honours it (rcvEdge).
            App app = established(TcpSettings.defaults(), Offer.ALL);
            app.connection.setDelayedAck(false);
            int wireEdge = peer.seq + 65535; // the SYN-ACK's unscaled window
            int trueEdge = app.tcb().rcvEdge;
            int[] sizes = {1001, 7, 1447, 333, 1, 999};
            int total = 0;
            for (int round = 0; round < 6; round++) {
                total += sizes[round];
                List<Captured> acks = peer.sendData(bytes(sizes[round]));
                if (round % 2 == 1) {
                    app.readAll();
                    acks.addAll(peer.take());
                }
                for (Captured ack : acks) {
                    int edge = ack.ack() + (ack.window() << 3);
                    assertTrue(Seq.ge(edge, wireEdge - 7), () -> "retracted by more than 7 bytes: " + ack);
                    wireEdge = Seq.max(wireEdge, edge);
                }
                assertTrue(Seq.ge(app.tcb().rcvEdge, trueEdge), "the true edge never moves left");
                trueEdge = app.tcb().rcvEdge;
            }
            app.readAll();
            assertEquals(total, app.received.size());
        }

        @Test
        void fullBufferClosesTheWindowAndReadingReopensItWithAnUpdate() {
            App app = established(settings(8192, 32), Offer.MSS_ONLY);
            app.connection.setDelayedAck(false);
            fill(8192);
            peer.take();
            assertEquals(0, app.tcb().receiveWindow());
            // Beyond the window: dropped, and the ACK repeats the zero window (RFC 9293 §3.10.7.4).
            Captured ack = single(peer.segment(TcpPacket.ACK | TcpPacket.PSH).seq(peer.seq + 10).payload("more").send());
            assertEquals(0, ack.window());
            assertEquals(peer.seq, ack.ack());
            assertEquals(1, peer.drops(DropReason.TCP_OUT_OF_WINDOW));
            // At RCV.NXT the segment is taken for its ACK, its text trimmed; the answer is the same.
            ack = single(peer.segment(TcpPacket.ACK | TcpPacket.PSH).payload("more").send());
            assertEquals(0, ack.window());
            assertEquals(peer.seq, ack.ack());
            assertEquals(8192, app.tcb().receiveBuffer.length());
            // A zero-window probe (RFC 9293 §3.8.6.1) gets the same answer.
            ack = single(peer.segment(TcpPacket.ACK).seq(peer.seq - 1).send());
            assertEquals(0, ack.window());
            // Reading opens the window: Pith says so at once, not waiting for the peer's next probe.
            assertEquals(8192, app.readAll());
            Captured update = peer.takeOne();
            assertTrue(update.isBareAck());
            assertEquals(8192, update.window());
        }

        @Test
        void zeroWindowStillTakesTheAckOfADataSegmentAtRcvNxt() {
            // RFC 9293 §3.10.7.4: "If the RCV.WND is zero, no segments will be acceptable, but special allowance
            // should be made to accept valid ACKs, URGs, and RSTs." Here the peer's probe carries the ACK of our data.
            App app = established(settings(8192, 32), Offer.MSS_ONLY);
            app.connection.setDelayedAck(false);
            fill(8192);
            app.write("answer");
            List<Captured> answer = peer.take();
            assertEquals("answer", answer.getLast().text());
            peer.acknowledge(answer);
            Captured ack = single(peer.segment(TcpPacket.ACK | TcpPacket.PSH).payload("x").send());
            assertEquals(0, ack.window());
            assertEquals(peer.seq, ack.ack(), "the byte was not taken");
            assertEquals(0, app.tcb().sendBuffer.length(), "but the ACK was: our data is acknowledged");
            assertTrue(!app.tcb().retransmitTimer.isScheduled());
        }

        @Test
        void dataPastTheWindowIsTrimmed() {
            App app = established(settings(8192, 32), Offer.MSS_ONLY);
            fill(8000);
            List<Captured> answer = peer.segment(TcpPacket.ACK | TcpPacket.PSH).payload(bytes(500, 8000)).send();
            answer.addAll(peer.advance(40));
            assertEquals(peer.seq + 192, answer.getLast().ack(), "only what fits the window is taken");
            assertEquals(8192, app.readAll());
            assertArrayEquals(bytes(8192), app.received.toByteArray());
        }

        @Test
        void closedWindowIsKeptWhileThePeerProbesForMinutes() {
            App app = established(settings(8192, 32), Offer.MSS_ONLY);
            fill(8192);
            peer.advance(40);
            for (int i = 0; i < 20; i++) {
                peer.advance(30_000);
                assertEquals(0, single(peer.segment(TcpPacket.ACK).seq(peer.seq - 1).send()).window());
            }
            assertEquals(TcpState.ESTABLISHED, app.state(), "ten minutes of probes answered: still open");
        }
    }

    static Captured single(List<Captured> segments) {
        assertEquals(1, segments.size(), () -> "expected one segment, got " + segments);
        return segments.getFirst();
    }
}
