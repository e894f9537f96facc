package dev.pith.bench;

import dev.pith.core.EventLoop;
import dev.pith.core.ManualClock;
import dev.pith.core.Timer;
import java.util.PriorityQueue;
import java.util.SplittableRandom;
import java.util.concurrent.TimeUnit;
import org.openjdk.jmh.annotations.Benchmark;
import org.openjdk.jmh.annotations.BenchmarkMode;
import org.openjdk.jmh.annotations.Fork;
import org.openjdk.jmh.annotations.Level;
import org.openjdk.jmh.annotations.Measurement;
import org.openjdk.jmh.annotations.Mode;
import org.openjdk.jmh.annotations.OutputTimeUnit;
import org.openjdk.jmh.annotations.Param;
import org.openjdk.jmh.annotations.Scope;
import org.openjdk.jmh.annotations.Setup;
import org.openjdk.jmh.annotations.State;
import org.openjdk.jmh.annotations.Warmup;

/**
 * The cost of what a TCP connection does to its timers on every segment — re-arm the
 * retransmission timer, cancel the delayed-ACK timer — with many timers armed, as on a busy
 * server. Pith's timer heap (in-place re-arm, no allocation) against the JDK's PriorityQueue,
 * whose remove(Object) is a linear search, doing the same work.
 */
@BenchmarkMode(Mode.AverageTime)
@OutputTimeUnit(TimeUnit.NANOSECONDS)
@Warmup(iterations = 3, time = 1)
@Measurement(iterations = 5, time = 1)
@Fork(1)
@State(Scope.Thread)
public class TimerBenchmark {

    @Param({"1000", "10000", "100000"})
    int armed;

    private final ManualClock clock = new ManualClock();
    private Timer[] timers;
    private PriorityQueue<long[]> queue;
    private long[][] entries;
    private final SplittableRandom random = new SplittableRandom(1);
    private int next;

    @Setup(Level.Trial)
    public void setUp() {
        EventLoop loop = EventLoop.builder().clock(clock).build();
        timers = new Timer[armed];
        queue = new PriorityQueue<>(armed, (a, b) -> Long.compare(a[0], b[0]));
        entries = new long[armed][];
        for (int i = 0; i < armed; i++) {
            timers[i] = loop.timer(() -> {});
            timers[i].schedule(random.nextLong(1_000_000_000L));
            entries[i] = new long[] {random.nextLong(1_000_000_000L)};
            queue.add(entries[i]);
        }
    }

    /** Re-arm one armed timer for a new deadline: the retransmission timer on each ACK. */
    @Benchmark
    public Timer rearm() {
        Timer t = timers[next++ % armed];
        t.schedule(random.nextLong(1_000_000_000L));
        return t;
    }

    /** Cancel an armed timer and arm it again: the delayed-ACK timer around each segment. */
    @Benchmark
    public Timer cancelAndArm() {
        Timer t = timers[next++ % armed];
        t.cancel();
        t.schedule(random.nextLong(1_000_000_000L));
        return t;
    }

    /** The same cancel-and-arm on java.util.PriorityQueue, for scale. */
    @Benchmark
    public long[] priorityQueueCancelAndArm() {
        long[] e = entries[next++ % armed];
        queue.remove(e);
        e[0] = random.nextLong(1_000_000_000L);
        queue.add(e);
        return e;
    }
}
