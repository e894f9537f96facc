package dev.pith.net.internal.tcp;

import static dev.pith.net.internal.tcp.RawPeer.bytes;
import static dev.pith.net.internal.tcp.RawPeer.expectNothingFrom;
import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertTrue;

import dev.pith.net.internal.tcp.RawPeer.App;
import dev.pith.net.internal.tcp.RawPeer.Captured;
import dev.pith.net.internal.tcp.RawPeer.Offer;
import dev.pith.net.tcp.TcpSettings;
import dev.pith.net.tcp.TcpState;
import dev.pith.net.wire.TcpPacket;
import java.io.ByteArrayOutputStream;
import java.util.ArrayList;
import java.util.List;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Nested;
import org.junit.jupiter.api.Test;

/**
 * An ESTABLISHED sender held back by its peer or by itself: the peer's window (RFC 9293 §3.8.6),
 * zero-window probing (§3.8.6.1), sender silly-window avoidance (§3.8.6.2.1) and Nagle's algorithm
 * (§3.7.4). The peer offers MSS only: windows are unscaled and there are no timestamps.
 */
class TcpFlowControlTest {

    static final int MSS = RawPeer.PITH_MSS;

    RawPeer peer = new RawPeer(TcpSettings.defaults().withCongestionControl("newreno"));
    App app;

    @BeforeEach
    void establish() {
        app = peer.established(Offer.MSS_ONLY);
    }

    @AfterEach
    void checkAndClose() {
        peer.close();
    }

    static int payload(List<Captured> segments) {
        return segments.stream().mapToInt(c -> c.payload().length).sum();
    }

    // ================================================================== zero window

    @Nested
    class ZeroWindow {

        @BeforeEach
        void closeThePeersWindow() {
            peer.window = 0;
            expectNothingFrom(peer.sendAck());
            assertEquals(0, app.tcb().sndWnd);
        }

        @Test
        void probesBackOffAndNeverTimeOutWhileAnswered() {
            app.write(bytes(100));
            long t0 = peer.nowMillis();
            expectNothingFrom(peer.take());
            List<Long> at = new ArrayList<>();
            // Ten virtual minutes; the peer answers every probe with its (still closed) window.
            for (long elapsed = 0; elapsed < 600_000; elapsed += 500) {
                for (Captured probe : peer.advance(500)) {
                    assertTrue(probe.isBareAck(), () -> "a probe carries no data: " + probe);
                    assertEquals(peer.pithIss, probe.seq(), "SND.UNA - 1: the peer must answer it (RFC 9293 §3.8.6.1)");
                    at.add(probe.atNanos() / 1_000_000 - t0);
                    expectNothingFrom(peer.sendAck());
                }
            }
            // First after one RTO, then doubling (RFC 9293 §3.8.6.1 SHOULD), capped at maxRto (60 s).
            assertEquals(List.of(1000L, 3000L, 7000L, 15000L, 31000L, 63000L, 123000L, 183000L), at.subList(0, 8));
            assertEquals(TcpState.ESTABLISHED, app.state(), "RFC 9293 §3.8.6.1: MUST stay open while probes are answered");
            assertEquals(0, peer.tcp.stats().timeouts());
            // The window opens: the data goes at once.
            peer.window = 65535;
            List<Captured> data = peer.sendAck();
            assertEquals(1, data.size());
            assertArrayEquals(bytes(100), data.getFirst().payload());
            assertEquals(peer.pithIss + 1, data.getFirst().seq());
            assertFalse(app.tcb().persistTimer.isScheduled());
        }

        @Test
        void probeAnsweredWithAnOpenWindowResumesSending() {
            app.write(bytes(1000));
            assertEquals(1, peer.advance(1000).size());
            peer.window = 2000;
            List<Captured> data = peer.sendAck();
            assertEquals(1000, payload(data), () -> "sent as soon as the window opens: " + data);
            assertFalse(app.tcb().persistTimer.isScheduled());
        }

        @Test
        void windowClosingWithEverythingAckedArmsThePersistTimerNotTheRetransmitTimer() {
            peer.window = 65535;
            peer.sendAck();
            app.write(bytes(1000));
            List<Captured> sent = peer.take();
            peer.window = 0;
            peer.acknowledgeAll(sent);
            app.write(bytes(1000));
            expectNothingFrom(peer.take());
            assertFalse(app.tcb().retransmitTimer.isScheduled(), "nothing in flight");
            assertTrue(app.tcb().persistTimer.isScheduled());
            assertTrue(peer.advance(1000).getFirst().isBareAck());
        }
    }

    // ================================================================== the peer's window

    @Nested
    class SendWindow {

        @Test
        void neverSendsBeyondThePeersWindow() {
            peer.window = 3000;
            peer.sendAck();
            ByteArrayOutputStream delivered = new ByteArrayOutputStream();
            byte[] data = bytes(20_000);
            app.write(data);
            for (int round = 0; round < 40 && delivered.size() < data.length; round++) {
                List<Captured> flight = peer.take();
                flight.addAll(peer.advance(1000));
                for (Captured c : flight) {
                    assertTrue(Seq.le(c.end(), peer.ack + peer.window), () -> "beyond the window: " + c);
                    if (c.seq() == peer.ack && c.payload().length > 0) {
                        delivered.writeBytes(c.payload());
                        peer.ack = c.end();
                    }
                }
                peer.sendAck();
            }
            assertArrayEquals(data, delivered.toByteArray());
        }

        @Test
        void windowFromAnOlderSegmentIsIgnored() {
            // RFC 9293 §3.10.7.4: the window is taken only from a segment newer than the last one used (SND.WL1, SND.WL2).
            int base = peer.seq;
            peer.window = 0;
            peer.segment(TcpPacket.ACK | TcpPacket.PSH).seq(base + 100).payload("later").send();
            assertEquals(0, app.tcb().sndWnd);
            peer.window = 60_000;
            peer.segment(TcpPacket.ACK | TcpPacket.PSH).seq(base + 50).payload("earlier").send(); // reordered
            assertEquals(0, app.tcb().sndWnd, "the reordered segment's window is stale");
            peer.segment(TcpPacket.ACK | TcpPacket.PSH).seq(base + 105).payload("next").send();
            assertEquals(60_000, app.tcb().sndWnd, "a newer segment's window is taken");
        }

        @Test
        void aSmallWindowIsUsedAfterTheOverrideTimeout() {
            // RFC 9293 §3.8.6.2.1: the sender waits for a segment worth sending (full, or half the largest
            // window seen), but (4) an override timeout must not let it wait forever: if the peer's next window
            // update is lost, the connection would stall with data queued and no timer running.
            app.connection.setNoDelay(true);
            app.write(bytes(10_000));
            List<Captured> flight = peer.take();
            assertEquals(10_000, payload(flight));
            peer.window = 100;
            expectNothingFrom(peer.acknowledgeAll(flight));
            app.write(bytes(5_000));
            expectNothingFrom(peer.take()); // 100 bytes: neither a full segment nor half the largest window
            List<Captured> later = peer.advance(500);
            assertEquals(100, payload(later), () -> "the 100 bytes the window takes, after one RTO (200 ms): " + later);
            assertEquals(peer.ack, later.getFirst().seq());
        }
    }

    // ================================================================== Nagle

    @Nested
    class Nagle {

        @Test
        void smallSegmentsWaitForTheAckOfTheFirst() {
            app.write("a");
            Captured a = peer.takeOne();
            assertEquals("a", a.text());
            app.write("b");
            app.write("c");
            expectNothingFrom(peer.take()); // RFC 9293 §3.7.4: no new small segment while data is unacknowledged
            Captured bc = RawPeer.expectOne(peer.acknowledgeAll(List.of(a)));
            assertEquals("bc", bc.text(), "coalesced into one segment");
        }

        @Test
        void setNoDelaySendsEveryWriteAtOnce() {
            app.connection.setNoDelay(true);
            for (String s : new String[] {"a", "b", "c"}) {
                app.write(s);
                assertEquals(s, peer.takeOne().text());
            }
        }

        @Test
        void fullSegmentsAreNeverHeld() {
            app.write("a");
            peer.takeOne();
            app.write(bytes(2 * MSS + 10));
            List<Captured> sent = peer.take();
            assertEquals(2, sent.size(), () -> "two full segments, the 10 bytes held: " + sent);
            assertEquals(MSS, sent.get(0).payload().length);
            assertEquals(MSS, sent.get(1).payload().length);
        }

        @Test
        void aFinIsNotHeldBehindSmallData() {
            app.write("a");
            peer.takeOne();
            app.write("b");
            app.connection.shutdownOutput();
            expectNothingFrom(peer.take());
            peer.ack = peer.pithIss + 2;
            Captured last = RawPeer.expectOne(peer.sendAck());
            assertEquals("b", last.text());
            assertTrue(last.fin(), "the FIN rides with the last data");
        }
    }
}
