package dev.pith.net.internal.tcp;

import static dev.pith.net.internal.tcp.RawPeer.bytes;
import static dev.pith.net.internal.tcp.RawPeer.expectNothingFrom;
import static dev.pith.net.internal.tcp.RawPeer.expectOne;
import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertTrue;

import dev.pith.net.DropReason;
import dev.pith.net.Ipv4Address;
import dev.pith.net.internal.tcp.RawPeer.App;
import dev.pith.net.internal.tcp.RawPeer.Captured;
import dev.pith.net.internal.tcp.RawPeer.Offer;
import dev.pith.net.tcp.TcpSettings;
import dev.pith.net.tcp.TcpState;
import dev.pith.net.wire.TcpPacket;
import java.util.ArrayList;
import java.util.List;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.Test;

/**
 * A listener under a SYN flood from spoofed sources (RFC 4987): half-open connections bounded by
 * the backlog, SYN cookies beyond it (§3.6), a real client getting through with a cookie, drops
 * when cookies are off, and the connection table bound with TIME-WAIT eviction.
 */
class TcpSynFloodTest {

    static final int BACKLOG = 8;
    static final int FLOOD = 50;

    RawPeer peer;

    @AfterEach
    void checkAndClose() {
        peer.close();
    }

    /** {@code count} SYNs from spoofed addresses 10.0.1.x behind the gateway, each from its own port; returns the answers. */
    List<Captured> flood(int count) {
        List<Captured> answers = new ArrayList<>();
        for (int i = 0; i < count; i++) {
            answers.addAll(peer.segment(TcpPacket.SYN).from(Ipv4Address.of(10, 0, 1, 1 + i), 1024 + i).seq(77 * i)
                    .offer(Offer.ALL).send());
        }
        return answers;
    }

    int halfOpen() {
        return peer.listener.halfOpen;
    }

    @Test
    void halfOpenStaysAtTheBacklogAndCookiesAnswerTheRest() {
        peer = new RawPeer(TcpSettings.defaults().withLimits(4096, BACKLOG, true));
        peer.listen();
        List<Captured> answers = flood(FLOOD);
        assertEquals(FLOOD, answers.size(), "every SYN answered");
        for (int i = 0; i < FLOOD; i++) {
            Captured synAck = answers.get(i);
            assertEquals(TcpPacket.SYN | TcpPacket.ACK, synAck.flags());
            assertEquals(77 * i + 1, synAck.ack());
            boolean cookie = i >= BACKLOG;
            // A cookie carries only what it can encode: the MSS (RFC 4987 §3.6).
            assertEquals(cookie ? -1 : TcpHandshakeTest.PITH_SCALE, synAck.tcp().windowScale(), "SYN-ACK " + i);
            assertEquals(!cookie, synAck.tcp().timestamps());
            assertEquals(RawPeer.PITH_MSS, synAck.tcp().mss());
        }
        assertEquals(BACKLOG, halfOpen());
        assertEquals(BACKLOG, peer.tcp.stats().open(), "no state kept for the cookies");
        assertEquals(FLOOD - BACKLOG, peer.tcp.stats().cookiesSent());
        assertEquals(0, peer.iface.drops().total());
        // The spoofed sources never answer: the half-open connections time out (synRetries) and free the backlog.
        peer.advance(120_000);
        assertEquals(0, halfOpen());
        assertEquals(0, peer.tcp.stats().open());
        Captured synAck = expectOne(flood(1));
        assertTrue(synAck.tcp().timestamps(), "stateful again");
    }

    @Test
    void aRealClientGetsThroughWithACookieAndTransfersData() {
        peer = new RawPeer(TcpSettings.defaults().withLimits(4096, BACKLOG, true));
        peer.listen();
        flood(FLOOD);
        // The real client: its SYN is answered with a cookie, its ACK returns it.
        peer.seq = peer.peerIss;
        Captured cookie = expectOne(peer.segment(TcpPacket.SYN).offer(Offer.ALL).send());
        assertFalse(cookie.tcp().timestamps());
        peer.seq = peer.peerIss + 1;
        peer.ack = cookie.seq() + 1;
        peer.timestamps = false; // the cookie SYN-ACK had none (RFC 7323 §3.2)
        expectNothingFrom(peer.sendData("GET / HTTP/1.0\r\n\r\n"));
        assertEquals(1, peer.tcp.stats().cookiesAccepted());
        assertEquals(1, peer.accepted.size());
        App app = peer.accepted.getFirst();
        assertEquals(TcpState.ESTABLISHED, app.state());
        assertEquals("GET / HTTP/1.0\r\n\r\n", app.text(), "data on the cookie ACK is delivered");
        assertEquals(BACKLOG, halfOpen(), "a cookie connection does not take a backlog slot");
        // Both ways, several segments: the cookie's MSS holds.
        byte[] response = bytes(5000);
        app.connection.setNoDelay(true);
        app.write(response);
        List<Captured> segments = peer.take();
        int total = 0;
        for (Captured c : segments) {
            assertTrue(c.payload().length <= RawPeer.PITH_MSS);
            assertEquals(peer.ack + total, c.seq());
            total += c.payload().length;
        }
        assertEquals(5000, total);
        peer.acknowledgeAll(segments);
        assertEquals(0, app.tcb().sendBuffer.length());
        peer.sendData(bytes(1000));
        assertEquals(18 + 1000, app.received.size());
    }

    @Test
    void aForgedCookieIsRefused() {
        peer = new RawPeer(TcpSettings.defaults().withLimits(4096, BACKLOG, true));
        peer.listen();
        flood(FLOOD);
        Captured rst = expectOne(peer.segment(TcpPacket.ACK).seq(5).ack(123_456).from(Ipv4Address.of(10, 0, 2, 1), 999)
                .send());
        assertTrue(rst.rst());
        assertEquals(123_456, rst.seq());
        assertEquals(1, peer.drops(DropReason.TCP_BAD_COOKIE));
        assertEquals(0, peer.tcp.stats().cookiesAccepted());
        assertTrue(peer.accepted.isEmpty());
    }

    @Test
    void withoutCookiesSynsBeyondTheBacklogAreDroppedAndCounted() {
        peer = new RawPeer(TcpSettings.defaults().withLimits(4096, BACKLOG, false));
        peer.listen();
        List<Captured> answers = flood(FLOOD);
        assertEquals(BACKLOG, answers.size(), "only the backlog is answered");
        assertEquals(BACKLOG, halfOpen());
        assertEquals(FLOOD - BACKLOG, peer.drops(DropReason.TCP_BACKLOG_FULL));
        assertEquals(0, peer.tcp.stats().cookiesSent());
    }

    @Test
    void fullTableEvictsTheOldestTimeWaitAndOtherwiseDrops() {
        peer = new RawPeer(TcpSettings.defaults().withLimits(3, 128, true));
        // Three connections; Pith closes the first two actively, so they sit in TIME-WAIT.
        List<App> apps = new ArrayList<>();
        for (int i = 0; i < 3; i++) {
            peer.peerPort = 40_000 + i;
            apps.add(peer.established(Offer.ALL));
            if (i < 2) {
                apps.get(i).connection.close();
                Captured fin = peer.takeOne();
                peer.acknowledge(List.of(fin));
                peer.sendFin();
                assertEquals(TcpState.TIME_WAIT, apps.get(i).state());
            }
        }
        assertEquals(3, peer.tcp.stats().open());
        // A fourth and a fifth take the places of the TIME-WAIT connections, oldest first.
        peer.peerPort = 40_003;
        peer.synReceived(Offer.ALL);
        assertEquals(TcpState.CLOSED, apps.get(0).state());
        assertEquals(TcpState.TIME_WAIT, apps.get(1).state());
        peer.peerPort = 40_004;
        peer.synReceived(Offer.ALL);
        assertEquals(TcpState.CLOSED, apps.get(1).state());
        assertEquals(3, peer.tcp.stats().open());
        // Nothing left to evict: the SYN is dropped and counted.
        peer.peerPort = 40_005;
        peer.seq = peer.peerIss;
        expectNothingFrom(peer.segment(TcpPacket.SYN).offer(Offer.ALL).send());
        assertEquals(1, peer.drops(DropReason.TCP_TOO_MANY_CONNECTIONS));
        assertEquals(TcpState.ESTABLISHED, apps.get(2).state());
        assertArrayEquals(new byte[0], apps.get(2).received.toByteArray());
    }
}
