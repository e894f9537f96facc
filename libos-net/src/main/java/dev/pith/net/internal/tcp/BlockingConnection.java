package dev.pith.net.internal.tcp;

import dev.pith.core.EventLoop;
import dev.pith.net.Endpoint;
import dev.pith.net.tcp.BlockingTcpConnection;
import dev.pith.net.tcp.TcpConnection;
import dev.pith.net.tcp.TcpError;
import io.netty.buffer.Unpooled;
import java.io.IOException;
import java.io.InputStream;
import java.io.InterruptedIOException;
import java.io.OutputStream;
import java.net.SocketException;
import java.net.SocketTimeoutException;
import java.time.Duration;
import java.util.Objects;
import java.util.concurrent.RejectedExecutionException;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.locks.Condition;
import java.util.concurrent.locks.LockSupport;
import java.util.concurrent.locks.ReentrantLock;

/**
 * Carries one loop-owned {@link TcpConnection} to blocking streams for virtual threads, the way
 * {@code java.net.Socket} carries a kernel socket to its streams.
 *
 * <pre>{@code
 * // On the loop, when the connection is accepted:
 * BlockingConnection blocking = new BlockingConnection(loop, connection, 64 * 1024, 64 * 1024);
 * Thread.ofVirtual().start(() -> {
 *     try (blocking) {
 *         blocking.input().transferTo(blocking.output()); // echo
 *         blocking.output().flush();
 *     }
 * });
 * }</pre>
 *
 * <p>Inbound, the loop moves received bytes into a ring of at most {@code inboundLimit} bytes and
 * wakes readers; when the ring is full it stops reading, so the bytes stay in TCP's receive buffer
 * and TCP's window closes: that is the backpressure. The reader that frees space hands the loop a
 * task to read again. End of stream and errors are delivered after the buffered bytes.
 *
 * <p>Outbound works like a {@code BufferedOutputStream}: {@code write} copies into a ring of at
 * most {@code outboundLimit} bytes and returns; bytes go to the connection when the ring is full,
 * on {@code flush()}, and on close. Then the loop drains the ring into TCP's send buffer as far as
 * it accepts and continues on {@link TcpConnection.Listener#onWritable}. At most one drain task is
 * queued at a time, however many writes and flushes ask for one. {@code flush()} returns once every
 * byte written before it is in TCP's send buffer, not when the peer has acknowledged it.
 *
 * <p>Thread rules: construct on the loop thread (this installs the connection's listener). The
 * streams and {@link #close()} may be used from any other threads, typically one reading virtual
 * thread and one writing one; concurrent readers (or writers) are safe but interleave at the
 * granularity of single {@code read} (or ring-sized {@code write}) calls. The streams must not
 * block on the loop thread: a read or write that would wait there throws
 * {@link IllegalStateException} instead of deadlocking. Shared state is guarded by one
 * {@link ReentrantLock} (virtual threads park on it without pinning their carrier); the loop holds
 * it only to publish counts, never while calling the connection.
 *
 * <p>When the loop is gone: every hand-over uses {@link EventLoop#execute}; if the loop has
 * stopped, the stream operation throws an {@link IOException} saying so. A full inbox is retried
 * every millisecond for up to {@value #INBOX_RETRY_MILLIS} ms before giving up the same way. A
 * thread already blocked when the loop stops notices within {@value #STOP_CHECK_MILLIS} ms, since
 * the loop has no stop hook to wake it (candidly: a poll). Bytes already received are still
 * delivered. {@link #close()} on a stopped loop only closes the streams: the connection went with
 * its loop.
 */
public final class BlockingConnection implements BlockingTcpConnection {

    /** How often a blocked thread checks whether the loop has stopped, in milliseconds. */
    static final long STOP_CHECK_MILLIS = 100;
    /** How long a hand-over retries while the loop's inbox is full, in milliseconds. */
    static final long INBOX_RETRY_MILLIS = 100;

    private final EventLoop loop;
    private final TcpConnection connection;
    private final Endpoint localEndpoint;
    private final Endpoint remoteEndpoint;
    private final Input input = new Input();
    private final Output output = new Output();

    /** Guards every field below that is not marked loop-only. */
    private final ReentrantLock lock = new ReentrantLock();
    /** Signalled when bytes, end of stream, an error or a close reach the inbound side. */
    private final Condition inboundChanged = lock.newCondition();
    /** Signalled when the connection accepts outbound bytes, fails, or the streams close. */
    private final Condition outboundChanged = lock.newCondition();

    /**
     * Received bytes not yet read. The loop writes only into the free part (outside the lock,
     * publishing the count under it); readers copy out of the stored part under the lock.
     */
    private final byte[] inbound;
    /** Index in {@link #inbound} of the oldest stored byte. */
    private int inboundHead;
    /** Bytes stored in {@link #inbound}, 0..inbound.length. */
    private int inboundCount;
    /** The loop found {@link #inbound} full and stopped reading; whoever frees space resumes it. */
    private boolean readingPaused;
    /** The connection's read returned -1: end of stream after the stored bytes. */
    private boolean endOfStream;
    /** The input stream (or the whole connection) was closed: nothing more is delivered. */
    private boolean inputClosed;

    /**
     * Written bytes not yet accepted by the connection. Writers copy into the free part under the
     * lock; the loop hands the stored part to the connection outside it and publishes under it.
     */
    private final byte[] outbound;
    /** Index in {@link #outbound} of the oldest stored byte. */
    private int outboundHead;
    /** Bytes stored in {@link #outbound}, 0..outbound.length. */
    private int outboundCount;
    /** Bytes ever copied into {@link #outbound}; flush waits until {@link #bytesSent} catches up. */
    private long bytesWritten;
    /** Bytes ever accepted by the connection's send buffer; <= bytesWritten. */
    private long bytesSent;
    /** A drain task is in the loop's queue and has not started: no other is needed. */
    private boolean drainQueued;
    /** The last drain stopped at a full send buffer; onWritable continues it, no task is needed. */
    private boolean awaitingWritable;
    /** The output stream (or the whole connection) was closed: writes are refused. */
    private boolean outputClosed;

    /** {@link #close()} was called. */
    private boolean closed;
    /** The connection reported onClosed; nothing more goes through it. */
    private boolean ended;
    /** Why the connection ended, null for an orderly close or while it lasts. */
    private TcpError error;

    // Loop-only: requests carried out by the drain once the outbound ring is empty.
    private boolean shutdownRequested;
    private boolean closeRequested;
    private boolean outputFinished;

    /** Read timeout in nanoseconds, 0 for none. */
    private volatile long readTimeoutNanos;

    /**
     * Adapts {@code connection} and installs itself as its listener. Call on the loop thread.
     *
     * @param inboundLimit the most received bytes held for readers beyond TCP's receive buffer
     * @param outboundLimit the most written bytes held before TCP's send buffer takes them
     */
    public BlockingConnection(EventLoop loop, TcpConnection connection, int inboundLimit, int outboundLimit) {
        this.loop = Objects.requireNonNull(loop, "loop == null");
        this.connection = Objects.requireNonNull(connection, "connection == null");
        if (inboundLimit < 1) {
            throw new IllegalArgumentException("inboundLimit < 1: " + inboundLimit);
        }
        if (outboundLimit < 1) {
            throw new IllegalArgumentException("outboundLimit < 1: " + outboundLimit);
        }
        if (!loop.inLoop()) {
            throw new IllegalStateException("construct a BlockingConnection on the event loop thread, not on "
                    + Thread.currentThread());
        }
        this.inbound = new byte[inboundLimit];
        this.outbound = new byte[outboundLimit];
        this.localEndpoint = connection.localEndpoint();
        this.remoteEndpoint = connection.remoteEndpoint();
        connection.setListener(new Listener());
        readFromConnection(); // bytes may have arrived before we listened
    }

    @Override
    public Endpoint remoteEndpoint() {
        return remoteEndpoint;
    }

    @Override
    public Endpoint localEndpoint() {
        return localEndpoint;
    }

    @Override
    public InputStream input() {
        return input;
    }

    @Override
    public OutputStream output() {
        return output;
    }

    /** Makes reads that wait longer than {@code timeout} throw {@link SocketTimeoutException}; null or zero waits forever. */
    public void setReadTimeout(Duration timeout) {
        if (timeout != null && timeout.isNegative()) {
            throw new IllegalArgumentException("timeout < 0: " + timeout);
        }
        readTimeoutNanos = timeout == null ? 0 : timeout.toNanos();
    }

    /** Returns the read timeout; zero means none. */
    public Duration readTimeout() {
        return Duration.ofNanos(readTimeoutNanos);
    }

    /**
     * Closes both streams at once and, on the loop, closes the connection gracefully once the bytes
     * already written have gone into TCP's send buffer. Does not wait for that; idempotent; blocked
     * readers and writers get an {@link IOException}. Callable from any thread.
     */
    @Override
    public void close() {
        lock.lock();
        try {
            if (closed) {
                return;
            }
            closed = true;
            inputClosed = true;
            outputClosed = true;
            inboundCount = 0;
            readingPaused = false; // the close task's drain does not read; TCP discards what arrives after close
            inboundChanged.signalAll();
            outboundChanged.signalAll();
        } finally {
            lock.unlock();
        }
        try {
            handOver(() -> {
                closeRequested = true;
                drain();
            });
        } catch (IOException loopGone) {
            // Nothing to close on a stopped loop; the streams are closed all the same.
        }
    }

    /** Returns the received bytes held for readers; for tests. */
    int inboundBuffered() {
        lock.lock();
        try {
            return inboundCount;
        } finally {
            lock.unlock();
        }
    }

    /** Returns the written bytes not yet accepted by the connection; for tests. */
    int outboundBuffered() {
        lock.lock();
        try {
            return outboundCount;
        } finally {
            lock.unlock();
        }
    }

    // ---------------------------------------------------------------- loop side

    /** Reads from the connection until the ring is full or nothing is left. Loop thread. */
    private void readFromConnection() {
        for (;;) {
            int offset;
            int length;
            lock.lock();
            try {
                if (ended || endOfStream) {
                    return;
                }
                int free = inbound.length - inboundCount;
                if (free == 0) {
                    readingPaused = true; // the bytes stay in TCP's receive buffer: its window closes
                    return;
                }
                offset = (inboundHead + inboundCount) % inbound.length;
                length = Math.min(free, inbound.length - offset);
            } finally {
                lock.unlock();
            }
            // A heap view of our own array's free part; it owns no memory, so there is nothing to release.
            int read = connection.read(Unpooled.wrappedBuffer(inbound, offset, length).clear());
            lock.lock();
            try {
                if (read < 0) {
                    endOfStream = true;
                    inboundChanged.signalAll();
                    return;
                }
                if (read == 0 || ended) {
                    return;
                }
                if (!inputClosed) { // a closed input reads on, discarding, so the peer is not stalled
                    inboundCount += read;
                    inboundChanged.signalAll();
                }
            } finally {
                lock.unlock();
            }
        }
    }

    /** The queued drain task: clears the flag that kept writers from queueing another. Loop thread. */
    private void drainTask() {
        lock.lock();
        try {
            drainQueued = false;
        } finally {
            lock.unlock();
        }
        drain();
    }

    /**
     * Moves the outbound ring into the connection until it is empty or the send buffer is full;
     * once empty, carries out a requested shutdown or close. Loop thread.
     */
    private void drain() {
        for (;;) {
            int offset;
            int length;
            lock.lock();
            try {
                awaitingWritable = false;
                if (ended) {
                    return;
                }
                if (outboundCount == 0) {
                    break;
                }
                offset = outboundHead;
                length = Math.min(outboundCount, outbound.length - offset);
            } finally {
                lock.unlock();
            }
            int accepted = connection.write(Unpooled.wrappedBuffer(outbound, offset, length));
            lock.lock();
            try {
                if (ended) { // the write reported the end; onClosed already dropped the ring
                    return;
                }
                outboundHead = (offset + accepted) % outbound.length;
                outboundCount -= accepted;
                bytesSent += accepted;
                if (accepted > 0) {
                    outboundChanged.signalAll();
                }
                if (accepted < length) {
                    // The write found the send buffer full, so the connection will call onWritable.
                    awaitingWritable = true;
                    return;
                }
            } finally {
                lock.unlock();
            }
        }
        if (outputFinished) {
            return;
        }
        if (closeRequested) {
            outputFinished = true;
            connection.close();
        } else if (shutdownRequested) {
            outputFinished = true;
            connection.shutdownOutput();
        }
    }

    /** The connection has ended: wake everyone; they see the end after the bytes already received. Loop thread. */
    private void connectionEnded(TcpError cause) {
        lock.lock();
        try {
            ended = true;
            error = cause;
            outboundCount = 0; // nothing more can be sent
            awaitingWritable = false;
            inboundChanged.signalAll();
            outboundChanged.signalAll();
        } finally {
            lock.unlock();
        }
    }

    private final class Listener implements TcpConnection.Listener {
        @Override
        public void onReadable(TcpConnection c) {
            readFromConnection();
        }

        @Override
        public void onWritable(TcpConnection c) {
            drain();
        }

        @Override
        public void onClosed(TcpConnection c, TcpError cause) {
            connectionEnded(cause);
        }
    }

    // ---------------------------------------------------------------- handing over and waiting

    /**
     * Queues {@code task} on the loop, retrying a full inbox for {@value #INBOX_RETRY_MILLIS} ms.
     *
     * @throws IOException if the loop has stopped or its inbox stays full
     */
    private void handOver(Runnable task) throws IOException {
        long start = System.nanoTime();
        for (;;) {
            try {
                loop.execute(task);
                return;
            } catch (RejectedExecutionException rejected) {
                if (loop.isStopping()) {
                    throw loopStopped(rejected);
                }
                if (loop.inLoop() || System.nanoTime() - start > TimeUnit.MILLISECONDS.toNanos(INBOX_RETRY_MILLIS)) {
                    throw new IOException("event loop inbox still full after " + INBOX_RETRY_MILLIS
                            + " ms; connection " + remoteEndpoint + " cannot make progress", rejected);
                }
                LockSupport.parkNanos(TimeUnit.MILLISECONDS.toNanos(1)); // not sleep(): an interrupt must not lose a close
            }
        }
    }

    /** Queues a drain task; undoes {@link #drainQueued} if the loop refuses it. */
    private void queueDrain() throws IOException {
        try {
            handOver(this::drainTask);
        } catch (IOException e) {
            lock.lock();
            try {
                drainQueued = false;
            } finally {
                lock.unlock();
            }
            throw e;
        }
    }

    /** Queues a read after a reader freed space; on failure leaves it for the next reader. */
    private void resumeReading() throws IOException {
        try {
            handOver(this::readFromConnection);
        } catch (IOException e) {
            lock.lock();
            try {
                readingPaused = true;
            } finally {
                lock.unlock();
            }
            throw e;
        }
    }

    /**
     * Waits on {@code condition} for at most {@code nanos} and at most {@value #STOP_CHECK_MILLIS} ms;
     * the caller holds the lock and rechecks its state afterwards.
     */
    private void await(Condition condition, long nanos, String operation) throws IOException {
        if (loop.isStopping()) {
            throw loopStopped(null);
        }
        if (loop.inLoop()) {
            throw new IllegalStateException(operation + " would block the event loop thread (or a loop not yet started); "
                    + "use the TcpConnection directly there");
        }
        try {
            condition.awaitNanos(Math.min(nanos, TimeUnit.MILLISECONDS.toNanos(STOP_CHECK_MILLIS)));
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
            throw new InterruptedIOException(operation + " on " + remoteEndpoint + " interrupted");
        }
    }

    private IOException loopStopped(Throwable cause) {
        return new IOException("event loop has stopped; connection " + remoteEndpoint + " is no longer served", cause);
    }

    /** The exception a stream throws once the connection has failed. */
    private IOException failure(TcpError cause) {
        String what = switch (cause) {
            case REFUSED -> "connection refused by ";
            case RESET -> "connection reset by peer ";
            case TIMED_OUT -> "connection timed out: ";
            case ABORTED -> "connection aborted: ";
            case UNREACHABLE -> "destination unreachable: ";
        };
        return new SocketException(what + remoteEndpoint);
    }

    // ---------------------------------------------------------------- streams

    private final class Input extends InputStream {

        @Override
        public int read() throws IOException {
            byte[] one = new byte[1];
            return read(one, 0, 1) < 0 ? -1 : one[0] & 0xff;
        }

        @Override
        public int read(byte[] b, int off, int len) throws IOException {
            Objects.checkFromIndexSize(off, len, b.length);
            if (len == 0) {
                return 0;
            }
            long timeout = readTimeoutNanos;
            long start = System.nanoTime();
            for (;;) {
                int taken;
                lock.lock();
                try {
                    if (inputClosed) {
                        throw new IOException(closed ? "connection closed" : "input closed");
                    }
                    if (inboundCount > 0) {
                        taken = takeInbound(b, off, len);
                        if (!readingPaused) {
                            return taken;
                        }
                    } else if (error != null) {
                        throw failure(error);
                    } else if (endOfStream || ended) {
                        return -1;
                    } else if (readingPaused) {
                        taken = 0; // an earlier hand-over failed: retry it before waiting
                    } else {
                        long wait = Long.MAX_VALUE;
                        if (timeout > 0) {
                            wait = timeout - (System.nanoTime() - start);
                            if (wait <= 0) {
                                throw new SocketTimeoutException("read timed out after "
                                        + TimeUnit.NANOSECONDS.toMillis(timeout) + " ms");
                            }
                        }
                        await(inboundChanged, wait, "read");
                        continue;
                    }
                    readingPaused = false;
                } finally {
                    lock.unlock();
                }
                // The loop stopped reading at a full ring; we freed space, so it may read again.
                if (taken == 0) {
                    resumeReading();
                    continue;
                }
                try {
                    resumeReading();
                } catch (IOException stopped) {
                    // The bytes taken are good; the next read that needs the loop reports this.
                }
                return taken;
            }
        }

        /** Copies up to {@code len} stored bytes to {@code b}; the lock is held. */
        private int takeInbound(byte[] b, int off, int len) {
            int taken = Math.min(len, inboundCount);
            int first = Math.min(taken, inbound.length - inboundHead);
            System.arraycopy(inbound, inboundHead, b, off, first);
            System.arraycopy(inbound, 0, b, off + first, taken - first);
            inboundHead = (inboundHead + taken) % inbound.length;
            inboundCount -= taken;
            return taken;
        }

        @Override
        public int available() throws IOException {
            lock.lock();
            try {
                if (inputClosed) {
                    throw new IOException(closed ? "connection closed" : "input closed");
                }
                return inboundCount;
            } finally {
                lock.unlock();
            }
        }

        /** Stops delivery: held bytes are dropped, later ones read and discarded so the peer is not stalled. */
        @Override
        public void close() {
            boolean resume;
            lock.lock();
            try {
                if (inputClosed) {
                    return;
                }
                inputClosed = true;
                inboundCount = 0;
                resume = readingPaused;
                readingPaused = false;
                inboundChanged.signalAll();
            } finally {
                lock.unlock();
            }
            if (resume) {
                try {
                    handOver(BlockingConnection.this::readFromConnection);
                } catch (IOException loopGone) {
                    // Nothing left to discard for.
                }
            }
        }
    }

    private final class Output extends OutputStream {

        @Override
        public void write(int b) throws IOException {
            write(new byte[] {(byte) b}, 0, 1);
        }

        @Override
        public void write(byte[] b, int off, int len) throws IOException {
            Objects.checkFromIndexSize(off, len, b.length);
            while (len > 0) {
                boolean startDrain = false;
                lock.lock();
                try {
                    checkWritable();
                    int copied = putOutbound(b, off, len);
                    off += copied;
                    len -= copied;
                    if (len == 0) {
                        return;
                    }
                    // The ring is full: make sure a drain is on its way, then wait for room.
                    if (drainQueued || awaitingWritable) {
                        await(outboundChanged, Long.MAX_VALUE, "write");
                    } else {
                        drainQueued = true;
                        startDrain = true;
                    }
                } finally {
                    lock.unlock();
                }
                if (startDrain) {
                    queueDrain();
                }
            }
        }

        /** Copies up to {@code len} bytes into the ring's free part; the lock is held. */
        private int putOutbound(byte[] b, int off, int len) {
            int copied = Math.min(len, outbound.length - outboundCount);
            int tail = (outboundHead + outboundCount) % outbound.length;
            int first = Math.min(copied, outbound.length - tail);
            System.arraycopy(b, off, outbound, tail, first);
            System.arraycopy(b, off + first, outbound, 0, copied - first);
            outboundCount += copied;
            bytesWritten += copied;
            return copied;
        }

        /** Blocks until every byte written so far is in TCP's send buffer. */
        @Override
        public void flush() throws IOException {
            long target;
            boolean startDrain = false;
            lock.lock();
            try {
                target = bytesWritten;
                if (bytesSent >= target) {
                    return;
                }
                checkAlive();
                if (!drainQueued && !awaitingWritable) {
                    drainQueued = true;
                    startDrain = true;
                }
            } finally {
                lock.unlock();
            }
            if (startDrain) {
                queueDrain();
            }
            lock.lock();
            try {
                while (bytesSent < target) {
                    checkAlive();
                    await(outboundChanged, Long.MAX_VALUE, "flush");
                }
            } finally {
                lock.unlock();
            }
        }

        /** Flushes, then shuts the connection's output down on the loop (a FIN); reading goes on. Idempotent. */
        @Override
        public void close() throws IOException {
            lock.lock();
            try {
                if (outputClosed) {
                    return;
                }
                outputClosed = true;
            } finally {
                lock.unlock();
            }
            flush();
            handOver(() -> {
                shutdownRequested = true;
                drain();
            });
        }

        /** Throws unless a write may go on; the lock is held. */
        private void checkWritable() throws IOException {
            if (closed) {
                throw new IOException("connection closed");
            }
            if (outputClosed) {
                throw new IOException("output closed");
            }
            checkAlive();
        }

        /** Throws if the connection or the loop is gone; the lock is held. */
        private void checkAlive() throws IOException {
            if (ended) {
                throw error != null ? failure(error) : new IOException("connection closed");
            }
            if (loop.isStopping()) {
                throw loopStopped(null);
            }
        }
    }
}
