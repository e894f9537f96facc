package dev.pith.net.internal.tcp;

import static dev.pith.net.internal.tcp.RawPeer.expectNothingFrom;
import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import dev.pith.net.internal.tcp.RawPeer.App;
import dev.pith.net.internal.tcp.RawPeer.Captured;
import dev.pith.net.internal.tcp.RawPeer.Offer;
import dev.pith.net.tcp.TcpError;
import dev.pith.net.tcp.TcpState;
import java.time.Duration;
import java.util.List;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;

/**
 * Keepalive on an idle ESTABLISHED connection (RFC 9293 §3.8.4, RFC 1122 §4.2.3.6): after the idle
 * time, probes every keepAliveInterval (10 s here); keepAliveProbes (3) unanswered ones end it.
 */
class TcpKeepAliveTest {

    static final Duration IDLE = Duration.ofSeconds(60);

    RawPeer peer = new RawPeer(RawPeer.settings(12, 5, Duration.ofSeconds(60), Duration.ofSeconds(30),
            Duration.ofSeconds(10), 3));
    App app;
    long t0;

    @BeforeEach
    void establishWithKeepAlive() {
        app = peer.established(Offer.ALL);
        app.connection.setKeepAlive(IDLE);
        t0 = peer.nowMillis();
    }

    @AfterEach
    void checkAndClose() {
        peer.close();
    }

    long[] offsets(List<Captured> segments) {
        return segments.stream().mapToLong(c -> c.atNanos() / 1_000_000 - t0).toArray();
    }

    @Test
    void unansweredProbesTimeTheConnectionOut() {
        List<Captured> sent = peer.advance(200_000);
        assertArrayEquals(new long[] {60_000, 70_000, 80_000, 90_000}, offsets(sent), () -> "three probes, a reset: " + sent);
        for (Captured probe : sent.subList(0, 3)) {
            assertTrue(probe.isBareAck(), () -> "a probe: " + probe);
            assertEquals(peer.pithIss, probe.seq(), "SEG.SEQ = SND.NXT - 1: the peer must answer (RFC 9293 §3.8.4)");
        }
        assertTrue(sent.get(3).rst());
        assertEquals(TcpState.CLOSED, app.state());
        assertEquals(TcpError.TIMED_OUT, app.error);
        assertEquals(1, peer.tcp.stats().timeouts());
    }

    @Test
    void answeredProbesKeepItOpen() {
        long probes = 0;
        for (int second = 0; second < 600; second++) {
            for (Captured probe : peer.advance(1000)) {
                assertTrue(probe.isBareAck(), () -> "only probes: " + probe);
                probes++;
                expectNothingFrom(peer.sendAck()); // the answer to a probe resets the idle time
            }
        }
        assertEquals(TcpState.ESTABLISHED, app.state());
        assertEquals(10, probes, "one probe per idle minute, each answered at once");
    }

    @Test
    void trafficPutsTheProbesOff() {
        peer.advance(30_000);
        peer.sendData("hello");
        peer.take();
        List<Captured> sent = peer.advance(70_000);
        assertEquals(90_000, offsets(sent)[0], () -> "idle counted from the data at 30 s: " + sent);
    }

    @Test
    void answerToTheLastProbeSavesTheConnection() {
        peer.advance(80_000); // three probes out
        expectNothingFrom(peer.sendAck());
        peer.advance(59_000);
        assertEquals(TcpState.ESTABLISHED, app.state());
        assertTrue(peer.advance(1_000).getFirst().isBareAck(), "a new round of probes after a new idle time");
    }

    @Test
    void keepAliveOffSendsNothing() {
        app.connection.setKeepAlive(null);
        expectNothingFrom(peer.advance(600_000));
        assertEquals(TcpState.ESTABLISHED, app.state());
    }
}
