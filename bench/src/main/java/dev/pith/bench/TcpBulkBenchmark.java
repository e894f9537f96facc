package dev.pith.bench;

import dev.pith.core.EventLoop;
import dev.pith.core.ManualClock;
import dev.pith.core.RandomSource;
import dev.pith.core.buffer.DirectBufferPool;
import dev.pith.core.device.MacAddress;
import dev.pith.net.Endpoint;
import dev.pith.net.InterfaceSettings;
import dev.pith.net.Ipv4Address;
import dev.pith.net.device.MemorySwitch;
import dev.pith.net.internal.iface.Interface;
import dev.pith.net.internal.tcp.TcpLayer;
import dev.pith.net.tcp.TcpConnection;
import dev.pith.net.tcp.TcpSettings;
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
import org.openjdk.jmh.annotations.Warmup;

/**
 * Bulk throughput between two Pith stacks on the in-memory switch, one event loop, both TCP
 * stacks doing all their work (segmentation, checksums both ways, ACKs, window updates): one
 * operation moves 16 MiB from a sender's application to the receiver's. MB/s = 16 MiB / score.
 */
@BenchmarkMode(Mode.AverageTime)
@OutputTimeUnit(TimeUnit.MILLISECONDS)
@Warmup(iterations = 3, time = 3)
@Measurement(iterations = 5, time = 3)
@Fork(value = 1, jvmArgsAppend = {"--enable-native-access=ALL-UNNAMED", "-Dio.netty.leakDetection.level=disabled"})
@State(Scope.Thread)
public class TcpBulkBenchmark {

    static final int TRANSFER = 16 << 20;

    private EventLoop loop;
    private ManualClock clock;
    private TcpConnection sender;
    private TcpConnection receiver;
    private final ByteBuf chunk = Unpooled.directBuffer(64 * 1024);
    private final ByteBuf sink = Unpooled.directBuffer(64 * 1024);
    private long received;

    @Setup(Level.Trial)
    public void setUp() {
        clock = new ManualClock(1_000_000_000L);
        loop = EventLoop.builder().clock(clock).build();
        RandomSource random = RandomSource.seeded(3);
        DirectBufferPool pool = new DirectBufferPool(2048, 8192);
        MemorySwitch fabric = new MemorySwitch(loop, random, pool);
        TcpLayer a = stack(fabric, random, 1);
        TcpLayer b = stack(fabric, random, 2);
        chunk.writerIndex(chunk.capacity());
        b.listen(5001, c -> {
            receiver = c;
            c.setListener(new TcpConnection.Listener() {
                @Override
                public void onReadable(TcpConnection connection) {
                    int n;
                    sink.clear();
                    while ((n = connection.read(sink)) > 0) {
                        received += n;
                        sink.clear();
                    }
                }
            });
        });
        sender = a.connect(new Endpoint(Ipv4Address.of(10, 0, 0, 2), 5001), new TcpConnection.Listener() { });
        loop.runUntilIdle();
    }

    private TcpLayer stack(MemorySwitch fabric, RandomSource random, int host) {
        Interface iface = new Interface(loop, fabric.port("h" + host, MacAddress.local(host), 1500), random,
                InterfaceSettings.defaults());
        TcpLayer tcp = new TcpLayer(loop, iface, random, TcpSettings.defaults());
        iface.start();
        tcp.start();
        iface.configure(Ipv4Address.of(10, 0, 0, host), 24, null, List.of());
        return tcp;
    }

    @Benchmark
    public long transfer16MiB() {
        long target = received + TRANSFER;
        long written = 0;
        while (received < target) {
            if (written < TRANSFER && sender.writableBytes() > 0) {
                chunk.readerIndex(0);
                int max = (int) Math.min(chunk.capacity(), TRANSFER - written);
                chunk.writerIndex(max);
                written += sender.write(chunk);
            }
            if (loop.runOnce() == 0) {
                // Idle until a timer (a delayed ACK, say): jump virtual time to it, costing no real time.
                long next = loop.nextTimerDeadline();
                if (next != Long.MAX_VALUE) {
                    clock.set(Math.max(next, clock.nanoTime()));
                }
            }
        }
        return received;
    }
}
