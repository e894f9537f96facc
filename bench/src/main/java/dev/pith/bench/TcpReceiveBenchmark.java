package dev.pith.bench;

import dev.pith.core.EventLoop;
import dev.pith.core.ManualClock;
import dev.pith.core.RandomSource;
import dev.pith.core.buffer.DirectBufferPool;
import dev.pith.core.device.MacAddress;
import dev.pith.core.device.MemoryNetDevice;
import dev.pith.net.InterfaceSettings;
import dev.pith.net.Ipv4Address;
import dev.pith.net.internal.iface.Interface;
import dev.pith.net.internal.tcp.TcpLayer;
import dev.pith.net.tcp.TcpConnection;
import dev.pith.net.tcp.TcpSettings;
import dev.pith.net.wire.ArpPacket;
import dev.pith.net.wire.ArpRepr;
import dev.pith.net.wire.EtherType;
import dev.pith.net.wire.IpProtocol;
import dev.pith.net.wire.Ipv4Packet;
import dev.pith.net.wire.TcpPacket;
import io.netty.buffer.ByteBuf;
import io.netty.buffer.Unpooled;
import java.util.List;
import java.util.concurrent.TimeUnit;
import org.openjdk.jmh.annotations.Benchmark;
import org.openjdk.jmh.annotations.BenchmarkMode;
import org.openjdk.jmh.annotations.Fork;
import org.openjdk.jmh.annotations.Level;
import org.openjdk.jmh.annotations.Measurement;
import org.openjdk.jmh.annotations.Mode;
import org.openjdk.jmh.annotations.OutputTimeUnit;
import org.openjdk.jmh.annotations.Scope;
import org.openjdk.jmh.annotations.Setup;
import org.openjdk.jmh.annotations.State;
import org.openjdk.jmh.annotations.TearDown;
import org.openjdk.jmh.annotations.Warmup;

/**
 * The receive cost of one in-order, full-sized TCP segment: from the device queue through
 * Ethernet, IPv4 (checksum), TCP (checksum, options, the state machine, the receive buffer), the
 * application's read, and every second segment an ACK written and sent. A hand-made peer opens
 * the connection and then delivers segment after segment; run with {@code -prof gc} for the
 * allocation per segment.
 */
@BenchmarkMode(Mode.AverageTime)
@OutputTimeUnit(TimeUnit.NANOSECONDS)
@Warmup(iterations = 3, time = 2)
@Measurement(iterations = 5, time = 2)
@Fork(value = 1, jvmArgsAppend = {"--enable-native-access=ALL-UNNAMED", "-Dio.netty.leakDetection.level=disabled"})
@State(Scope.Thread)
public class TcpReceiveBenchmark {

    static final int MSS = 1460;
    static final int PEER = Ipv4Address.of(10, 0, 0, 2).bits();
    static final int HOST = Ipv4Address.of(10, 0, 0, 1).bits();
    static final long PEER_MAC = MacAddress.local(2).bits();
    static final long HOST_MAC = MacAddress.local(1).bits();

    private EventLoop loop;
    private DirectBufferPool pool;
    private MemoryNetDevice device;
    private final ByteBuf sink = Unpooled.directBuffer(65536);
    private int hostIss;
    private int peerSeq;
    private TcpConnection accepted;

    @Setup(Level.Trial)
    public void setUp() {
        ManualClock clock = new ManualClock(1_000_000_000L);
        loop = EventLoop.builder().clock(clock).build();
        pool = new DirectBufferPool(2048, 4096);
        device = new MemoryNetDevice("bench", MacAddress.local(1), 1500, pool, 4096);
        RandomSource random = RandomSource.seeded(1);
        Interface iface = new Interface(loop, device, random, InterfaceSettings.defaults());
        TcpLayer tcp = new TcpLayer(loop, iface, random, TcpSettings.defaults().withOptions(true, false, true));
        // What the stack sends (SYN-ACK, ACKs) is read for the ISS and then dropped.
        device.connect(frame -> {
            int tcpAt = 14 + 20;
            if ((frame.getByte(frame.readerIndex() + tcpAt + 13) & TcpPacket.SYN) != 0) {
                hostIss = frame.getInt(frame.readerIndex() + tcpAt + 4);
            }
            frame.release();
        });
        iface.start();
        tcp.start();
        iface.configure(new Ipv4Address(HOST), 24, null, List.of());
        tcp.listen(5001, c -> {
            accepted = c;
            c.setListener(new TcpConnection.Listener() {
                @Override
                public void onReadable(TcpConnection connection) {
                    sink.clear();
                    while (connection.read(sink) > 0) {
                        sink.clear();
                    }
                }
            });
        });
        // The peer asks for the host's MAC first: the host learns the peer's from it (RFC 826).
        ByteBuf arp = pool.tryAllocate();
        arp.writerIndex(14 + ArpPacket.LENGTH);
        arp.setShort(0, 0xFFFF);
        arp.setInt(2, -1);
        arp.setShort(6, (int) (PEER_MAC >>> 32));
        arp.setInt(8, (int) PEER_MAC);
        arp.setShort(12, EtherType.ARP);
        new ArpRepr(ArpRepr.REQUEST, PEER_MAC, new Ipv4Address(PEER), 0, new Ipv4Address(HOST))
                .emit(ArpPacket.unchecked(arp, 14, ArpPacket.LENGTH));
        device.deliver(arp);
        loop.runUntilIdle();
        peerSeq = 1_000_000;
        deliver(TcpPacket.SYN, 0, 0);
        loop.runUntilIdle();
        peerSeq++;
        deliver(TcpPacket.ACK, hostIss + 1, 0);
        loop.runUntilIdle();
        if (accepted == null) {
            throw new IllegalStateException("handshake failed");
        }
    }

    @Benchmark
    public int receiveOneSegment() {
        deliver(TcpPacket.ACK | TcpPacket.PSH, hostIss + 1, MSS);
        peerSeq += MSS;
        return loop.runOnce();
    }

    /** Builds the peer's next segment in a pool buffer and puts it in the device's receive queue. */
    private void deliver(int flags, int ack, int payload) {
        ByteBuf frame = pool.tryAllocate();
        int ip = 14;
        int tcp = ip + 20;
        int options = (flags & TcpPacket.SYN) != 0 ? 8 : 0;
        int length = tcp + 20 + options + payload;
        frame.writerIndex(length);
        frame.setShort(0, (int) (HOST_MAC >>> 32));
        frame.setInt(2, (int) HOST_MAC);
        frame.setShort(6, (int) (PEER_MAC >>> 32));
        frame.setInt(8, (int) PEER_MAC);
        frame.setShort(12, EtherType.IPV4);
        Ipv4Packet p = Ipv4Packet.unchecked(frame, ip, length - ip);
        p.setVersion(4);
        p.setHeaderLength(20);
        p.setDscpEcn(0);
        p.setTotalLength(length - ip);
        p.setIdentification(0);
        p.setFragment(true, false, 0);
        p.setTtl(64);
        p.setProtocol(IpProtocol.TCP);
        p.setSourceBits(PEER);
        p.setDestinationBits(HOST);
        p.fillChecksum();
        TcpPacket t = TcpPacket.unchecked(frame, tcp, 20 + options + payload);
        t.setSourcePort(40000);
        t.setDestinationPort(5001);
        t.setSequenceNumber(peerSeq);
        t.setAcknowledgementNumber(ack);
        t.setHeaderLength(20 + options);
        t.setFlags(flags);
        t.setWindowLength(65535);
        t.setUrgentPointer(0);
        if (options > 0) {
            frame.setInt(tcp + 20, 0x0204_05B4); // MSS 1460
            frame.setInt(tcp + 24, 0x0103_0307); // NOP, window scale 7
        }
        t.fillChecksum(PEER, HOST);
        device.deliver(frame);
    }

    @TearDown(Level.Trial)
    public void tearDown() {
        if (accepted.state() != dev.pith.net.tcp.TcpState.ESTABLISHED) {
            throw new IllegalStateException("the connection did not stay established: " + accepted.state());
        }
        sink.release();
    }
}
