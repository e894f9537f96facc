package dev.pith.net.internal.http;

import dev.pith.core.EventLoop;
import java.io.IOException;
import java.io.InterruptedIOException;
import java.io.OutputStream;
import java.util.Objects;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.locks.Condition;
import java.util.concurrent.locks.ReentrantLock;

/**
 * The stream a {@code BodyWriter} writes a response body to, on its virtual thread; the loop
 * sends what it hands over. Bounded by double buffering: the writer fills one {@value #CHUNK_SIZE}
 * byte buffer while the loop sends the other, and a writer that fills its buffer before the loop
 * has put the other into TCP's send buffer waits. A slow client therefore blocks the writer, and a
 * streamed response never holds more than two buffers (plus TCP's send buffer).
 *
 * <p>Each hand-over is one chunk of the chunked coding (or raw bytes to an HTTP/1.0 client): a
 * full buffer, whatever {@link #flush()} finds, and at {@link #close()} the rest with the end of
 * the body. An empty buffer is never handed over except as the end (a zero-size chunk would end
 * the body early).
 *
 * <p>Threads: the writer's thread calls the {@link OutputStream} methods; the loop calls
 * {@link #take()}, {@link #sent()} and {@link #fail()}. The fields under "shared" are guarded by
 * {@link #lock}.
 */
final class BodyStream extends OutputStream {

    /** Bytes per buffer, and so at most per chunk. */
    static final int CHUNK_SIZE = 16 * 1024;
    /** How often a waiting writer checks whether the loop has stopped, in milliseconds. */
    private static final long STOP_CHECK_MILLIS = 100;

    /** What the loop takes: a buffer's first {@code length} bytes, and whether the body ends with them. */
    record Chunk(byte[] bytes, int length, boolean last) {}

    /** Hands a task to the loop from the writer's thread. */
    interface Handoff {
        void handOver(Runnable task) throws IOException;
    }

    private final EventLoop loop;
    private final Handoff handoff;
    /** Runs on the loop after each hand-over: the connection sends what it can. */
    private final Runnable chunkReady;

    // Writer's thread only.
    private byte[] filling = new byte[CHUNK_SIZE];
    private int count;
    private boolean closed;

    // Shared.
    private final ReentrantLock lock = new ReentrantLock();
    private final Condition sentCondition = lock.newCondition();
    /** The buffer handed to the loop and not yet in TCP's send buffer; null when the loop is done with it. */
    private Chunk inFlight;
    /** The loop has taken {@link #inFlight}. */
    private boolean taken;
    /** The buffer the loop gave back, for the writer's next fill. */
    private byte[] spare = new byte[CHUNK_SIZE];
    /** The connection is gone: writes fail. */
    private boolean failed;

    BodyStream(EventLoop loop, Handoff handoff, Runnable chunkReady) {
        this.loop = loop;
        this.handoff = handoff;
        this.chunkReady = chunkReady;
    }

    // ---------------------------------------------------------------- writer side

    @Override
    public void write(int b) throws IOException {
        checkOpen();
        filling[count++] = (byte) b;
        if (count == CHUNK_SIZE) {
            handOver(false);
        }
    }

    @Override
    public void write(byte[] b, int off, int len) throws IOException {
        Objects.checkFromIndexSize(off, len, b.length);
        checkOpen();
        while (len > 0) {
            int n = Math.min(len, CHUNK_SIZE - count);
            System.arraycopy(b, off, filling, count, n);
            count += n;
            off += n;
            len -= n;
            if (count == CHUNK_SIZE) {
                handOver(false);
            }
        }
    }

    /** Sends what was written so far as a chunk; returns once the loop has the previous one in TCP's buffer. */
    @Override
    public void flush() throws IOException {
        checkOpen();
        if (count > 0) {
            handOver(false);
        }
    }

    /** Ends the body: sends the rest and the last chunk. Idempotent. */
    @Override
    public void close() throws IOException {
        if (closed) {
            return;
        }
        closed = true;
        handOver(true);
    }

    /** Whether the connection went away (so a writer's failure is the client's doing, not a bug). */
    boolean failed() {
        lock.lock();
        try {
            return failed;
        } finally {
            lock.unlock();
        }
    }

    private void checkOpen() throws IOException {
        if (closed) {
            throw new IOException("response body stream closed");
        }
    }

    /** Waits until the loop is done with the previous buffer, then hands this one over. */
    private void handOver(boolean last) throws IOException {
        lock.lock();
        try {
            while (inFlight != null && !failed) {
                if (loop.isStopping()) {
                    throw new IOException("event loop has stopped");
                }
                try {
                    sentCondition.await(STOP_CHECK_MILLIS, TimeUnit.MILLISECONDS);
                } catch (InterruptedException e) {
                    Thread.currentThread().interrupt();
                    throw new InterruptedIOException("response body write interrupted");
                }
            }
            if (failed) {
                throw new IOException("connection closed; the client is gone");
            }
            inFlight = new Chunk(filling, count, last);
            taken = false;
            filling = spare;
            spare = null;
            count = 0;
        } finally {
            lock.unlock();
        }
        handoff.handOver(chunkReady);
    }

    // ---------------------------------------------------------------- loop side

    /** Returns the buffer handed over and not yet taken, or null. */
    Chunk take() {
        lock.lock();
        try {
            if (inFlight == null || taken) {
                return null;
            }
            taken = true;
            return inFlight;
        } finally {
            lock.unlock();
        }
    }

    /** The taken buffer is in TCP's send buffer: the writer may fill it again. */
    void sent() {
        lock.lock();
        try {
            if (inFlight != null) {
                spare = inFlight.bytes();
                inFlight = null;
                sentCondition.signalAll();
            }
        } finally {
            lock.unlock();
        }
    }

    /** The connection has ended: the writer's next hand-over throws. */
    void fail() {
        lock.lock();
        try {
            failed = true;
            sentCondition.signalAll();
        } finally {
            lock.unlock();
        }
    }
}
