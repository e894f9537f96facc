package dev.pith.bench;

import dev.pith.core.EventLoop;
import java.time.Duration;
import java.util.concurrent.ExecutorService;
import java.util.concurrent.Executors;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.AtomicLong;
import org.openjdk.jmh.annotations.Benchmark;
import org.openjdk.jmh.annotations.BenchmarkMode;
import org.openjdk.jmh.annotations.Fork;
import org.openjdk.jmh.annotations.Measurement;
import org.openjdk.jmh.annotations.Mode;
import org.openjdk.jmh.annotations.OperationsPerInvocation;
import org.openjdk.jmh.annotations.OutputTimeUnit;
import org.openjdk.jmh.annotations.Param;
import org.openjdk.jmh.annotations.Scope;
import org.openjdk.jmh.annotations.Setup;
import org.openjdk.jmh.annotations.State;
import org.openjdk.jmh.annotations.TearDown;
import org.openjdk.jmh.annotations.Warmup;

/**
 * Handing work to the event loop from another thread — what a virtual thread's blocking socket,
 * a host gateway or a test does — against the JDK's single-thread executor doing the same:
 * {@code roundTrip} hands one task over and waits (spinning) until it ran, so it includes waking a
 * parked loop; {@code batch} hands over 1,000 tasks and waits for the last, the throughput of the
 * inbox. With {@code spin} the loop busy-polls that long before it parks (the guest spins 250 µs).
 */
@BenchmarkMode(Mode.AverageTime)
@OutputTimeUnit(TimeUnit.NANOSECONDS)
@Warmup(iterations = 3, time = 1)
@Measurement(iterations = 5, time = 1)
@Fork(1)
@State(Scope.Benchmark)
public class LoopHandoffBenchmark {

    private static final int BATCH = 1000;

    /** How long the idle loop spins before parking, in microseconds: 0 hosted, 50 in the guest. */
    @Param({"0", "50"})
    int spinMicros;

    private final AtomicLong ran = new AtomicLong();
    private final Runnable task = ran::incrementAndGet;
    private EventLoop loop;
    private ExecutorService executor;

    @Setup
    public void setUp() {
        loop = EventLoop.builder().spin(Duration.ofNanos(spinMicros * 1000L)).build();
        loop.start("bench-loop");
        executor = Executors.newSingleThreadExecutor();
    }

    @TearDown
    public void tearDown() throws InterruptedException {
        loop.stop();
        loop.awaitTermination(Duration.ofSeconds(5));
        executor.shutdown();
        executor.awaitTermination(5, TimeUnit.SECONDS);
    }

    @Benchmark
    public long loopRoundTrip() {
        long target = ran.get() + 1;
        loop.execute(task);
        return await(target);
    }

    @Benchmark
    public long executorRoundTrip() {
        long target = ran.get() + 1;
        executor.execute(task);
        return await(target);
    }

    @Benchmark
    @OperationsPerInvocation(BATCH)
    public long loopBatch() {
        long target = ran.get() + BATCH;
        for (int i = 0; i < BATCH; i++) {
            loop.execute(task);
        }
        return await(target);
    }

    @Benchmark
    @OperationsPerInvocation(BATCH)
    public long executorBatch() {
        long target = ran.get() + BATCH;
        for (int i = 0; i < BATCH; i++) {
            executor.execute(task);
        }
        return await(target);
    }

    private long await(long target) {
        long n;
        while ((n = ran.get()) < target) {
            Thread.onSpinWait();
        }
        return n;
    }
}
