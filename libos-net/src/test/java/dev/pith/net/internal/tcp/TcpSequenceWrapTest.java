package dev.pith.net.internal.tcp;

import static dev.pith.net.internal.tcp.RawPeer.bytes;
import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertNull;
import static org.junit.jupiter.api.Assertions.assertTrue;

import dev.pith.net.Stacks;
import dev.pith.net.device.MemorySwitch;
import dev.pith.net.internal.tcp.RawPeer.App;
import dev.pith.net.internal.tcp.RawPeer.Captured;
import dev.pith.net.internal.tcp.RawPeer.Offer;
import dev.pith.net.tcp.TcpSettings;
import dev.pith.net.wire.TcpPacket;
import dev.pith.net.wire.TcpRepr;
import java.io.ByteArrayOutputStream;
import java.time.Duration;
import java.util.Arrays;
import java.util.List;
import org.junit.jupiter.api.Test;

/**
 * Sequence numbers are modulo 2^32 (RFC 9293 §3.4): both sides start just below 2^32, so every
 * comparison in the send and receive paths, SACK blocks and window edges included, crosses the wrap.
 */
class TcpSequenceWrapTest {

    static final int PITH_ISS = 0xFFFF_F000;
    static final int PEER_ISS = 0xFFFF_F800;

    @Test
    void bothDirectionsCrossTheWrapIntact() {
        try (RawPeer peer = new RawPeer()) {
            peer.tcp.forceNextIss(PITH_ISS);
            peer.peerIss = PEER_ISS;
            App app = peer.activeEstablished(Offer.ALL);
            assertEquals(PITH_ISS, peer.pithIss);
            // Pith -> peer: 20000 bytes, the peer acknowledging whatever arrives in order.
            byte[] down = bytes(20_000, 3);
            app.connection.setNoDelay(true);
            int written = app.write(down);
            assertEquals(down.length, written);
            ByteArrayOutputStream received = new ByteArrayOutputStream();
            for (int round = 0; round < 100 && received.size() < down.length; round++) {
                List<Captured> segments = peer.take();
                segments.addAll(peer.advance(10));
                for (Captured c : segments) {
                    if (c.seq() == peer.ack && c.payload().length > 0) {
                        received.writeBytes(c.payload());
                        peer.ack = c.end();
                    }
                }
                peer.sendAck();
            }
            assertArrayEquals(down, received.toByteArray());
            assertTrue(Integer.compareUnsigned(peer.ack, PITH_ISS) < 0, "Pith's sequence numbers wrapped past 0");
            assertEquals(peer.ack, app.tcb().sndUna);
            assertEquals(0, app.tcb().sendBuffer.length());

            // Peer -> Pith: 20 segments of 1000 bytes (the wrap falls in the third), the third and fourth held back.
            int base = peer.seq;
            byte[] up = bytes(20_000, 11);
            for (int i = 0; i < 20; i++) {
                if (i == 2 || i == 3) {
                    continue;
                }
                peer.segment(TcpPacket.ACK | TcpPacket.PSH).seq(base + 1000 * i).payload(Arrays.copyOfRange(up, 1000 * i, 1000 * i + 1000)).send();
            }
            // The SACK block's edges straddle the wrap.
            Captured dup = peer.segment(TcpPacket.ACK | TcpPacket.PSH).seq(base + 5000).payload(Arrays.copyOfRange(up, 5000, 6000)).send().getFirst();
            assertEquals(base + 2000, dup.ack());
            assertEquals(TcpRepr.sackBlock(base + 4000, base + 20_000), dup.tcp().sackBlocks()[0]);
            peer.segment(TcpPacket.ACK | TcpPacket.PSH).seq(base + 3000).payload(Arrays.copyOfRange(up, 3000, 4000)).send();
            Captured full = peer.segment(TcpPacket.ACK | TcpPacket.PSH).seq(base + 2000).payload(Arrays.copyOfRange(up, 2000, 3000)).send().getFirst();
            assertEquals(base + 20_000, full.ack());
            assertTrue(Integer.compareUnsigned(full.ack(), PEER_ISS) < 0, "the peer's sequence numbers wrapped too");
            assertArrayEquals(up, app.received.toByteArray());
        }
    }

    @Test
    void twoStacksTransferAMebibyteEachWayAcrossTheWrapOnALossyLink() throws Exception {
        try (Stacks net = new Stacks(9)) {
            TcpSettings settings = TcpSettings.defaults().withCongestionControl("newreno");
            Stacks.Stack server = net.add(1, settings);
            Stacks.Stack client = net.add(2, settings);
            net.fabric.setFaults(new MemorySwitch.Faults(0.02, 0.01, 0, 0.02, Duration.ofMillis(2), Duration.ofMillis(1), 0,
                    MemorySwitch.Faults.DEFAULT_QUEUE_LIMIT));
            server.tcp().forceNextIss(0xFFFF_FF00);
            client.tcp().forceNextIss(0xFFFF_FFF0);
            byte[] up = TcpTransferTest.random(1 << 20, 5);
            byte[] down = TcpTransferTest.random(1 << 20, 6);
            TcpTransferTest.Endpoint[] serverSide = new TcpTransferTest.Endpoint[1];
            server.tcp().listen(5001, c -> {
                serverSide[0] = new TcpTransferTest.Endpoint(down);
                c.setListener(serverSide[0]);
                serverSide[0].onWritable(c);
                assertEquals(0xFFFF_FF00, ((Connection) c).iss);
            });
            TcpTransferTest.Endpoint clientSide = new TcpTransferTest.Endpoint(up);
            Connection c = (Connection) client.tcp().connect(server.endpoint(5001), clientSide);
            assertEquals(0xFFFF_FFF0, c.iss);
            for (int i = 0; i < 300 && !(clientSide.closed && serverSide[0] != null && serverSide[0].closed); i++) {
                net.advance(1000);
            }
            assertTrue(clientSide.eof && serverSide[0].eof, "both saw end of stream");
            assertArrayEquals(TcpTransferTest.sha256(up), serverSide[0].digest.digest());
            assertArrayEquals(TcpTransferTest.sha256(down), clientSide.digest.digest());
            assertNull(clientSide.error);
            assertNull(serverSide[0].error);
            assertEquals(0, client.iface().internalErrors() + server.iface().internalErrors());
            assertEquals(0, net.loop.stats().errors());
        }
    }
}
