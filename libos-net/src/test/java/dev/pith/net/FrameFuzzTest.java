package dev.pith.net;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import dev.pith.core.EventLoop;
import dev.pith.core.ManualClock;
import dev.pith.core.RandomSource;
import dev.pith.core.buffer.DirectBufferPool;
import dev.pith.core.device.MacAddress;
import dev.pith.core.device.MemoryNetDevice;
import dev.pith.net.internal.iface.Interface;
import dev.pith.net.internal.tcp.TcpLayer;
import dev.pith.net.internal.udp.UdpLayer;
import dev.pith.net.tcp.TcpConnection;
import dev.pith.net.tcp.TcpSettings;
import io.netty.buffer.ByteBuf;
import io.netty.buffer.Unpooled;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.SplittableRandom;
import org.junit.jupiter.api.Test;

/**
 * Throws random and mutated frames at a stack for a fixed budget. Seeds are real frames a peer
 * stack sent during a scripted exchange (ARP, ping, UDP, a TCP handshake, data, FIN, fragments);
 * mutations flip bits, overwrite bytes with boundary values, truncate, extend and splice. Nothing
 * may escape the loop, and every frame must be accounted for: taken by a protocol or dropped
 * under exactly one counted reason.
 */
class FrameFuzzTest {

    static final int BUDGET = 150_000;

    @Test
    void randomAndMutatedFramesAreTakenOrCountedNeverThrown() {
        ManualClock clock = new ManualClock(1_000_000_000L);
        EventLoop loop = EventLoop.builder().clock(clock).build();
        RandomSource random = RandomSource.seeded(7);
        try (DirectBufferPool pool = new DirectBufferPool(2048, 8192)) {
            MemoryNetDevice targetPort = new MemoryNetDevice("target", MacAddress.local(1), 1500, pool, 1 << 16);
            MemoryNetDevice peerPort = new MemoryNetDevice("peer", MacAddress.local(2), 1500, pool, 1 << 16);
            List<ByteBuf> seeds = new ArrayList<>();
            // Record every frame the peer sends (the seeds), and deliver it too.
            peerPort.connect(frame -> {
                seeds.add(Unpooled.copiedBuffer(frame));
                targetPort.deliver(frame);
            });
            targetPort.connect(peerPort::deliver);

            Interface target = new Interface(loop, targetPort, random, InterfaceSettings.defaults());
            UdpLayer targetUdp = new UdpLayer(target, random);
            TcpLayer targetTcp = new TcpLayer(loop, target, random, TcpSettings.defaults().withLimits(512, 64, true));
            Interface peer = new Interface(loop, peerPort, random, InterfaceSettings.defaults());
            UdpLayer peerUdp = new UdpLayer(peer, random);
            TcpLayer peerTcp = new TcpLayer(loop, peer, random, TcpSettings.defaults());
            loop.execute(() -> {
                for (Interface i : List.of(target, peer)) {
                    i.start();
                }
                targetUdp.start();
                targetTcp.start();
                peerUdp.start();
                peerTcp.start();
                target.configure(Ipv4Address.of(10, 0, 0, 1), 24, null, List.of());
                peer.configure(Ipv4Address.of(10, 0, 0, 2), 24, null, List.of());
                targetUdp.bind(53, (socket, source, payload) -> socket.send(source, payload));
                targetTcp.listen(80, c -> c.setListener(new TcpConnection.Listener() {
                    @Override
                    public void onReadable(TcpConnection conn) {
                        conn.pipeTo(conn);
                    }
                }));
            });
            loop.advance(Duration.ofMillis(10));

            // The scripted exchange that produces the seeds.
            loop.execute(() -> {
                peer.ping(Ipv4Address.of(10, 0, 0, 1), Duration.ofSeconds(1), r -> { });
                var socket = peerUdp.bind(0, (s, src, p) -> { });
                socket.send(new Endpoint(Ipv4Address.of(10, 0, 0, 1), 53), Unpooled.wrappedBuffer("query".getBytes()));
                socket.send(new Endpoint(Ipv4Address.of(10, 0, 0, 1), 53), Unpooled.wrappedBuffer(new byte[4000])); // fragments
                TcpConnection c = peerTcp.connect(new Endpoint(Ipv4Address.of(10, 0, 0, 1), 80), new TcpConnection.Listener() {
                    @Override
                    public void onWritable(TcpConnection conn) {
                        ByteBuf data = Unpooled.wrappedBuffer(new byte[3000]);
                        conn.write(data);
                        data.release();
                        conn.shutdownOutput();
                    }
                });
            });
            loop.advance(Duration.ofMillis(500));
            assertTrue(seeds.size() >= 10, "seed frames: " + seeds.size());

            // A connection that stays open, so mutated segments also meet an established socket.
            loop.execute(() -> peerTcp.connect(new Endpoint(Ipv4Address.of(10, 0, 0, 1), 80), new TcpConnection.Listener() { }));
            loop.advance(Duration.ofMillis(50));
            peerPort.connect(ByteBuf::release); // from now on only the fuzzer talks to the target

            InterfaceStats before = target.stats();
            long dropsBefore = target.drops().received();
            SplittableRandom fuzz = new SplittableRandom(20261127);
            for (int i = 0; i < BUDGET; i++) {
                ByteBuf frame = pool.tryAllocate();
                if (frame == null) {
                    loop.advance(Duration.ofMillis(1));
                    i--;
                    continue;
                }
                mutate(fuzz, seeds, frame);
                targetPort.deliver(frame);
                if (i % 256 == 0) {
                    loop.advance(Duration.ofMillis(1 + fuzz.nextInt(50)));
                }
            }
            loop.advance(Duration.ofSeconds(60)); // reassembly timeouts and TCP timers run out

            InterfaceStats after = target.stats();
            long received = after.rxFrames() - before.rxFrames();
            long taken = (after.arpIn() - before.arpIn()) + (after.fragmentsIn() - before.fragmentsIn())
                    + (after.icmpIn() - before.icmpIn()) + (after.udpIn() - before.udpIn()) + (after.tcpIn() - before.tcpIn());
            long reassembled = after.reassembled() - before.reassembled();
            long drops = target.drops().received() - dropsBefore;
            assertEquals(BUDGET, received + targetPort.stats().rxDropped(), "every frame reached the stack or the device counted it");
            assertEquals(0, target.internalErrors(), "no exception while handling a frame");
            assertEquals(0, loop.stats().errors(), "nothing escaped to the loop");
            assertEquals(received + reassembled, taken + drops,
                    "each frame (and each reassembled datagram) taken once or dropped once: " + target.drops());
            assertTrue(drops > BUDGET / 2, "most garbage is dropped: " + target.drops());
        } finally {
            loop.runUntilIdle();
        }
    }

    /** Fills {@code frame} with a mutation of a seed, or with random bytes. */
    static void mutate(SplittableRandom r, List<ByteBuf> seeds, ByteBuf frame) {
        int choice = r.nextInt(10);
        if (choice == 0) {
            int length = r.nextInt(1515);
            for (int i = 0; i < length; i++) {
                frame.writeByte(r.nextInt(256));
            }
            return;
        }
        ByteBuf seed = seeds.get(r.nextInt(seeds.size()));
        frame.writeBytes(seed, seed.readerIndex(), Math.min(seed.readableBytes(), frame.capacity()));
        int mutations = 1 + r.nextInt(4);
        for (int m = 0; m < mutations && frame.writerIndex() > 0; m++) {
            int at = r.nextInt(frame.writerIndex());
            switch (r.nextInt(6)) {
                case 0 -> frame.setByte(at, frame.getByte(at) ^ (1 << r.nextInt(8)));
                case 1 -> frame.setByte(at, new int[] {0, 0xFF, 0x7F, 0x80, 1}[r.nextInt(5)]);
                case 2 -> frame.writerIndex(at);
                case 3 -> {
                    int extra = Math.min(r.nextInt(64), frame.writableBytes());
                    for (int i = 0; i < extra; i++) {
                        frame.writeByte(r.nextInt(256));
                    }
                }
                case 4 -> {
                    ByteBuf other = seeds.get(r.nextInt(seeds.size()));
                    int from = r.nextInt(other.readableBytes());
                    int length = Math.min(other.readableBytes() - from, frame.capacity() - at);
                    frame.setBytes(at, other, other.readerIndex() + from, length);
                    frame.writerIndex(Math.max(frame.writerIndex(), at + length));
                }
                default -> {
                    // A 16-bit field to a boundary value: lengths, ports, checksums, offsets.
                    if (at + 1 < frame.writerIndex()) {
                        frame.setShort(at, new int[] {0, 0xFFFF, 0x8000, 20, 5}[r.nextInt(5)]);
                    }
                }
            }
        }
    }
}
