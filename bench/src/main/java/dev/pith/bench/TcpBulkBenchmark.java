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
 * The baseline, {@code jdkLoopback16MiB}, moves the same 16 MiB through the Linux kernel's TCP over
 * loopback with JDK sockets: the benchmark thread writes and a second thread reads, so the kernel
 * side has both CPUs where Pith's two stacks share one thread.
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

    /** A JDK socket pair over loopback; a platform thread drains the accepted side and counts. */
    @State(Scope.Benchmark)
    public static class Loopback {
        java.net.Socket client;
        java.io.OutputStream out;
        final byte[] chunk = new byte[64 * 1024];
        final java.util.concurrent.atomic.AtomicLong drained = new java.util.concurrent.atomic.AtomicLong();
        private java.net.ServerSocket server;
        private Thread reader;

        @Setup(Level.Trial)
        public void open() throws java.io.IOException {
            server = new java.net.ServerSocket(0, 1, java.net.InetAddress.getLoopbackAddress());
            client = new java.net.Socket(java.net.InetAddress.getLoopbackAddress(), server.getLocalPort());
            java.net.Socket accepted = server.accept();
            out = client.getOutputStream();
            reader = Thread.ofPlatform().daemon().start(() -> {
                byte[] buffer = new byte[64 * 1024];
                try (var in = accepted.getInputStream()) {
                    int n;
                    while ((n = in.read(buffer)) > 0) {
                        drained.addAndGet(n);
                    }
                } catch (java.io.IOException closed) {
                    // the trial is over
                }
            });
        }

        @org.openjdk.jmh.annotations.TearDown(Level.Trial)
        public void close() throws Exception {
            client.close();
            server.close();
            reader.join(5_000);
        }
    }

    @Benchmark
    public long jdkLoopback16MiB(Loopback l) throws java.io.IOException {
        long target = l.drained.get() + TRANSFER;
        for (long written = 0; written < TRANSFER; written += l.chunk.length) {
            l.out.write(l.chunk, 0, (int) Math.min(l.chunk.length, TRANSFER - written));
        }
        while (l.drained.get() < target) {
            Thread.onSpinWait();
        }
        return target;
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
