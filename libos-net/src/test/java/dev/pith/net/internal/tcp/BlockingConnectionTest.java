package dev.pith.net.internal.tcp;

import static java.nio.charset.StandardCharsets.US_ASCII;
import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertInstanceOf;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import dev.pith.core.EventLoop;
import java.io.ByteArrayOutputStream;
import java.io.IOException;
import java.io.InputStream;
import java.io.OutputStream;
import java.net.SocketException;
import java.net.SocketTimeoutException;
import java.security.MessageDigest;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.Random;
import java.util.concurrent.Callable;
import java.util.concurrent.ExecutionException;
import java.util.concurrent.FutureTask;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.locks.LockSupport;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.Timeout;

/**
 * {@link BlockingConnection} over a {@link FakeTcpConnection} on a real, started event loop.
 * Waits are on conditions (futures, buffer counts, thread states), never on elapsed time alone.
 */
@Timeout(value = 10, threadMode = Timeout.ThreadMode.SEPARATE_THREAD)
class BlockingConnectionTest {

    private static final long WAIT_MILLIS = 5_000;

    private EventLoop loop;
    private FakeTcpConnection fake;
    private BlockingConnection connection;
    private final List<FutureTask<?>> tasks = new ArrayList<>();
    private final List<Thread> threads = new ArrayList<>();

    @BeforeEach
    void startLoop() {
        loop = EventLoop.builder().build();
        loop.start("loop");
    }

    @AfterEach
    void stopLoop() {
        threads.forEach(Thread::interrupt);
        loop.stop();
    }

    private void open(int inboundLimit, int outboundLimit, int receiveCapacity, int sendCapacity) throws Exception {
        fake = new FakeTcpConnection(loop, receiveCapacity, sendCapacity);
        connection = fake.onLoop(() -> new BlockingConnection(loop, fake, inboundLimit, outboundLimit));
    }

    // ---------------------------------------------------------------- data both ways

    @Test
    void echoesFourMebibytesThroughBoundedBuffers() throws Exception {
        open(8 * 1024, 8 * 1024, 16 * 1024, 16 * 1024);
        fake.echo();
        int total = 4 * 1024 * 1024;

        FutureTask<byte[]> writer = inVirtualThread(() -> {
            MessageDigest sha = MessageDigest.getInstance("SHA-256");
            Random random = new Random(1);
            OutputStream out = connection.output();
            for (int sent = 0; sent < total; ) {
                byte[] chunk = new byte[Math.min(total - sent, 1 + random.nextInt(20_000))];
                random.nextBytes(chunk);
                out.write(chunk);
                sha.update(chunk);
                sent += chunk.length;
            }
            out.close(); // flush, then FIN: the echoing peer sends a FIN back
            return sha.digest();
        });
        FutureTask<byte[]> reader = inVirtualThread(() -> {
            MessageDigest sha = MessageDigest.getInstance("SHA-256");
            Random random = new Random(2);
            InputStream in = connection.input();
            byte[] buffer = new byte[30_000];
            long received = 0;
            for (int n; (n = in.read(buffer, 0, 1 + random.nextInt(buffer.length))) >= 0; ) {
                sha.update(buffer, 0, n);
                received += n;
            }
            assertEquals(total, received);
            return sha.digest();
        });

        assertArrayEquals(get(writer), get(reader));
        int[] highWater = fake.onLoop(fake::highWaterMarks);
        assertTrue(highWater[0] <= 16 * 1024 && highWater[1] <= 16 * 1024, "fake buffers over their bounds");
        assertEquals(0, connection.inboundBuffered());
        assertEquals(0, connection.outboundBuffered());
    }

    @Test
    void fullInboundBufferStopsReadingSoTheReceiveWindowCloses() throws Exception {
        open(1024, 1024, 4096, 4096);
        byte[] data = pattern(64 * 1024);
        var admitted = fake.peerSend(data);

        // Nobody reads: the adapter holds its limit, TCP's receive buffer fills, the peer waits.
        awaitCondition(() -> connection.inboundBuffered() == 1024 && onLoop(fake::receiveBuffered) == 4096,
                "inbound ring and receive buffer full");
        assertFalse(admitted.isDone(), "peer's data all admitted although nobody read");

        FutureTask<byte[]> reader = inVirtualThread(() -> connection.input().readNBytes(data.length));
        assertArrayEquals(data, get(reader));
        admitted.get(WAIT_MILLIS, TimeUnit.MILLISECONDS);
    }

    @Test
    void slowPeerBlocksTheWriterWithoutUnboundedGrowth() throws Exception {
        open(1024, 1024, 4096, 4096);
        byte[] data = pattern(64 * 1024);
        FutureTask<Void> writer = inVirtualThread(() -> {
            connection.output().write(data);
            connection.output().flush();
            return null;
        });

        // The peer takes nothing: send buffer and outbound ring fill, the writer cannot finish.
        awaitCondition(() -> connection.outboundBuffered() == 1024 && onLoop(fake::sendBuffered) == 4096,
                "outbound ring and send buffer full");
        assertFalse(writer.isDone(), "writer finished although only 5 KiB of 64 KiB fit");

        assertArrayEquals(data, peerReceiveExactly(data.length));
        get(writer);
        int[] highWater = fake.onLoop(fake::highWaterMarks);
        assertEquals(4096, highWater[1]);
    }

    @Test
    void flushBlocksUntilTheSendBufferHasAcceptedEverything() throws Exception {
        open(64, 64, 64, 16);
        byte[] data = pattern(40);
        connection.output().write(data); // fits in the ring: returns at once, sends nothing yet
        assertEquals(0, (int) fake.onLoop(fake::sendBuffered));
        assertEquals(40, connection.outboundBuffered());

        FutureTask<Void> flush = inVirtualThread(() -> {
            connection.output().flush();
            return null;
        });
        awaitCondition(() -> onLoop(fake::sendBuffered) == 16 && connection.outboundBuffered() == 24,
                "send buffer full, 24 bytes still held");
        assertFalse(flush.isDone(), "flush returned with 24 bytes not accepted");

        byte[] first = peerReceiveExactly(24); // frees room for the remaining 24 (16 at a time)
        get(flush);
        assertEquals(0, connection.outboundBuffered());
        byte[] rest = peerReceiveExactly(16);
        byte[] all = new byte[40];
        System.arraycopy(first, 0, all, 0, 24);
        System.arraycopy(rest, 0, all, 24, 16);
        assertArrayEquals(data, all);
    }

    // ---------------------------------------------------------------- endings

    @Test
    void endOfStreamAfterTheData() throws Exception {
        open(64, 64, 64, 64);
        fake.peerSend("hello".getBytes(US_ASCII));
        fake.peerFin();
        InputStream in = connection.input();
        awaitCondition(() -> in.available() == 5, "5 bytes available");
        assertEquals("hello", new String(in.readAllBytes(), US_ASCII));
        assertEquals(-1, in.read());
        assertEquals(-1, in.read(new byte[8], 0, 8));
    }

    @Test
    void resetArrivesAsIOExceptionAfterTheBufferedData() throws Exception {
        open(64, 64, 64, 64);
        fake.peerSend("abc".getBytes(US_ASCII)).get(WAIT_MILLIS, TimeUnit.MILLISECONDS);
        fake.peerReset(); // queued after the send, whose onReadable moved "abc" into the adapter

        InputStream in = connection.input();
        byte[] buffer = new byte[8];
        assertEquals(3, in.read(buffer));
        assertEquals("abc", new String(buffer, 0, 3, US_ASCII));
        IOException reset = assertThrows(IOException.class, in::read);
        assertInstanceOf(SocketException.class, reset);
        assertTrue(reset.getMessage().contains("connection reset by peer"), reset.getMessage());
        IOException onWrite = assertThrows(IOException.class, () -> connection.output().write(1));
        assertTrue(onWrite.getMessage().contains("reset"), onWrite.getMessage());
    }

    @Test
    void closeIsIdempotentAndClosesTheConnectionAfterDraining() throws Exception {
        open(64, 256, 64, 16);
        byte[] data = pattern(100);
        connection.output().write(data);
        connection.close(); // does not wait: the loop drains 16 bytes at a time as the peer takes them
        connection.close();

        assertArrayEquals(data, peerReceiveExactly(100));
        assertEquals(0, fake.peerReceive(1).get(WAIT_MILLIS, TimeUnit.MILLISECONDS).length, "FIN after the data");
        assertEquals(1, (int) fake.onLoop(fake::closeCalls));
        assertEquals(0, (int) fake.onLoop(fake::shutdownCalls));
        assertEquals(100L, (long) fake.onLoop(fake::bytesWrittenAtFin));

        IOException onWrite = assertThrows(IOException.class, () -> connection.output().write(1));
        assertEquals("connection closed", onWrite.getMessage());
        IOException onRead = assertThrows(IOException.class, () -> connection.input().read());
        assertEquals("connection closed", onRead.getMessage());
    }

    @Test
    void closeWakesABlockedReader() throws Exception {
        open(64, 64, 64, 64);
        FutureTask<Integer> reader = inVirtualThread(() -> connection.input().read());
        awaitParked(reader);
        connection.close();
        assertEquals("connection closed", failureOf(reader).getMessage());
    }

    @Test
    void closingTheOutputShutsItDownAfterDrainingAndReadingGoesOn() throws Exception {
        open(64, 256, 64, 16);
        byte[] data = pattern(100);
        FutureTask<Void> writer = inVirtualThread(() -> {
            connection.output().write(data);
            connection.output().close(); // blocks until all 100 bytes are in the send buffer
            connection.output().close();
            return null;
        });
        assertArrayEquals(data, peerReceiveExactly(100));
        get(writer);
        assertEquals(0, fake.peerReceive(1).get(WAIT_MILLIS, TimeUnit.MILLISECONDS).length, "FIN after the data");
        assertEquals(1, (int) fake.onLoop(fake::shutdownCalls));
        assertEquals(0, (int) fake.onLoop(fake::closeCalls));
        assertEquals(100L, (long) fake.onLoop(fake::bytesWrittenAtFin));
        assertEquals("output closed", assertThrows(IOException.class, () -> connection.output().write(1)).getMessage());

        fake.peerSend("pong".getBytes(US_ASCII));
        fake.peerFin();
        assertEquals("pong", new String(connection.input().readAllBytes(), US_ASCII));
    }

    @Test
    void closingTheInputStopsDeliveryButKeepsTheWindowOpen() throws Exception {
        open(16, 64, 16, 64);
        fake.peerSend(pattern(8)).get(WAIT_MILLIS, TimeUnit.MILLISECONDS);
        InputStream in = connection.input();
        in.close();
        in.close();
        assertEquals("input closed", assertThrows(IOException.class, in::read).getMessage());
        // Nobody reads, yet the peer can send far more than both buffers hold: it is discarded.
        fake.peerSend(pattern(8 * 1024)).get(WAIT_MILLIS, TimeUnit.MILLISECONDS);
        assertEquals(0, connection.inboundBuffered());
        connection.output().write(pattern(10)); // the output is unaffected
        connection.output().flush();
        assertEquals(10, peerReceiveExactly(10).length);
    }

    // ---------------------------------------------------------------- timeouts and a dead loop

    @Test
    void readTimesOutAndTheConnectionStaysUsable() throws Exception {
        open(64, 64, 64, 64);
        connection.setReadTimeout(Duration.ofMillis(50));
        long start = System.nanoTime();
        SocketTimeoutException timeout = assertThrows(SocketTimeoutException.class, () -> connection.input().read());
        assertTrue(System.nanoTime() - start >= TimeUnit.MILLISECONDS.toNanos(50), "returned before the timeout");
        assertEquals("read timed out after 50 ms", timeout.getMessage());

        fake.peerSend(new byte[] {42});
        assertEquals(42, connection.input().read());
        assertThrows(IllegalArgumentException.class, () -> connection.setReadTimeout(Duration.ofMillis(-1)));
    }

    @Test
    void operationsAfterTheLoopStoppedFailClearly() throws Exception {
        open(64, 4, 64, 64);
        fake.peerSend("left".getBytes(US_ASCII)).get(WAIT_MILLIS, TimeUnit.MILLISECONDS);
        awaitCondition(() -> connection.inboundBuffered() == 4, "4 bytes buffered");
        loop.stop();

        InputStream in = connection.input();
        assertEquals("left", new String(in.readNBytes(4), US_ASCII), "bytes received before the stop are delivered");
        assertLoopStopped(assertThrows(IOException.class, in::read));
        assertLoopStopped(assertThrows(IOException.class, () -> connection.output().write(pattern(10))));
        connection.close(); // nothing left to close, and no exception
        connection.close();
    }

    @Test
    void aBlockedReaderAndWriterWakeWhenTheLoopStops() throws Exception {
        open(64, 8, 64, 8);
        FutureTask<Integer> reader = inVirtualThread(() -> connection.input().read());
        FutureTask<Void> writer = inVirtualThread(() -> {
            connection.output().write(pattern(100)); // 16 bytes fit in ring and send buffer
            return null;
        });
        awaitParked(reader);
        awaitCondition(() -> connection.outboundBuffered() == 8 && onLoop(fake::sendBuffered) == 8, "writer blocked");
        loop.stop();
        assertLoopStopped(failureOf(reader));
        assertLoopStopped(failureOf(writer));
    }

    @Test
    void refusesToBlockTheLoopThread() throws Exception {
        open(64, 64, 64, 64);
        ExecutionException failure = assertThrows(ExecutionException.class,
                () -> fake.onLoop(() -> connection.input().read()));
        assertInstanceOf(IllegalStateException.class, failure.getCause());
        assertTrue(failure.getCause().getMessage().contains("would block the event loop thread"));
    }

    @Test
    void checksItsArguments() {
        FakeTcpConnection unused = new FakeTcpConnection(loop, 1, 1);
        assertThrows(IllegalStateException.class, () -> new BlockingConnection(loop, unused, 1, 1), "off the loop");
        ExecutionException zero = assertThrows(ExecutionException.class,
                () -> unused.onLoop(() -> new BlockingConnection(loop, unused, 0, 1)));
        assertEquals("inboundLimit < 1: 0", zero.getCause().getMessage());
    }

    // ---------------------------------------------------------------- helpers

    private <T> FutureTask<T> inVirtualThread(Callable<T> body) {
        FutureTask<T> task = new FutureTask<>(body);
        tasks.add(task);
        threads.add(Thread.ofVirtual().name("app-" + threads.size()).start(task));
        return task;
    }

    /** Waits until the thread running {@code task} parks (waiting in read, write or flush). */
    private void awaitParked(FutureTask<?> task) {
        Thread thread = threads.get(tasks.indexOf(task));
        awaitCondition(() -> thread.getState() == Thread.State.WAITING || thread.getState() == Thread.State.TIMED_WAITING,
                "thread parked");
    }

    private byte[] peerReceiveExactly(int length) throws Exception {
        ByteArrayOutputStream received = new ByteArrayOutputStream();
        while (received.size() < length) {
            byte[] bytes = fake.peerReceive(length - received.size()).get(WAIT_MILLIS, TimeUnit.MILLISECONDS);
            assertTrue(bytes.length > 0, "FIN after " + received.size() + " of " + length + " bytes");
            received.write(bytes);
        }
        return received.toByteArray();
    }

    private <T> T onLoop(Callable<T> action) {
        try {
            return fake.onLoop(action);
        } catch (Exception e) {
            throw new AssertionError(e);
        }
    }

    private static <T> T get(FutureTask<T> task) throws Exception {
        try {
            return task.get(WAIT_MILLIS, TimeUnit.MILLISECONDS);
        } catch (ExecutionException e) {
            throw new AssertionError("task failed", e.getCause());
        }
    }

    private static Throwable failureOf(FutureTask<?> task) throws Exception {
        ExecutionException failure = assertThrows(ExecutionException.class,
                () -> task.get(WAIT_MILLIS, TimeUnit.MILLISECONDS));
        return failure.getCause();
    }

    private static void assertLoopStopped(Throwable failure) {
        assertInstanceOf(IOException.class, failure);
        assertTrue(failure.getMessage().startsWith("event loop has stopped"), failure.getMessage());
    }

    /** Polls {@code condition} (a state, not a time) for up to 5 s. */
    private static void awaitCondition(ThrowingBooleanSupplier condition, String what) {
        long deadline = System.nanoTime() + TimeUnit.MILLISECONDS.toNanos(WAIT_MILLIS);
        try {
            while (!condition.getAsBoolean()) {
                if (System.nanoTime() - deadline > 0) {
                    throw new AssertionError("timed out waiting for: " + what);
                }
                LockSupport.parkNanos(TimeUnit.MICROSECONDS.toNanos(200));
            }
        } catch (Exception e) {
            throw new AssertionError(e);
        }
    }

    @FunctionalInterface
    private interface ThrowingBooleanSupplier {
        boolean getAsBoolean() throws Exception;
    }

    private static byte[] pattern(int length) {
        byte[] bytes = new byte[length];
        new Random(length).nextBytes(bytes);
        return bytes;
    }
}
