package dev.pith.net.internal.tcp;

import dev.pith.core.EventLoop;
import dev.pith.net.Endpoint;
import dev.pith.net.tcp.TcpConnection;
import dev.pith.net.tcp.TcpError;
import dev.pith.net.tcp.TcpState;
import io.netty.buffer.ByteBuf;
import java.time.Duration;
import java.util.ArrayDeque;
import java.util.concurrent.Callable;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.TimeUnit;

/**
 * An in-memory {@link TcpConnection} for tests, driven by a real {@link EventLoop}: bounded send
 * and receive buffers, and a scripted peer behind them.
 *
 * <p>The peer's side ({@code peer*} methods, {@link #echo()}, {@link #onLoop}) may be called from
 * any thread; each hands its work to the loop. The {@code TcpConnection} side belongs to the loop
 * thread, as in the real stack, and the fake throws if called elsewhere. Callbacks never run inside
 * a call from the listener: space freed by {@code read} or bytes added by {@code write} reach the
 * peer in a later loop task, as a real connection hears of them in a later segment.
 *
 * <p>What the peer sends waits, in order, until the receive buffer has room: a full receive buffer
 * is a closed window. What the connection writes stays in the send buffer until the peer takes it
 * ({@link #peerReceive}) or, in echo mode, sends it back; taking frees space and fires
 * {@code onWritable} if a write had found the buffer full.
 */
final class FakeTcpConnection implements TcpConnection {

    private static final Duration WAIT = Duration.ofSeconds(5);

    private final EventLoop loop;
    /** Peer → application: received, not yet read. Its free space is the window. */
    private final ByteQueue receiveBuffer;
    /** Application → peer: written, not yet taken by the peer. */
    private final ByteQueue sendBuffer;
    /** Bytes the peer wants to send but the window has not admitted yet. */
    private final ArrayDeque<PeerSend> peerSends = new ArrayDeque<>();
    /** Peer reads waiting for bytes or a FIN from this side. */
    private final ArrayDeque<PeerReceive> peerReceives = new ArrayDeque<>();

    private Listener listener = new Listener() {};
    /** The peer will send a FIN after its queued bytes. */
    private boolean peerFinPending;
    /** The peer's FIN arrived, after the bytes in the receive buffer. */
    private boolean finReceived;
    /** This side sent its FIN (shutdownOutput or close), after the bytes in the send buffer. */
    private boolean outputShut;
    /** A write found the send buffer full: onWritable is owed once space frees. */
    private boolean writeFoundFull;
    /** The peer sends back whatever it receives, FIN included. */
    private boolean echo;
    /** onClosed was delivered. */
    private boolean ended;
    /** A pump task is queued. */
    private boolean pumpQueued;

    // Counters for assertions.
    private long bytesWritten;
    private long bytesWrittenAtFin = -1;
    private int shutdownCalls;
    private int closeCalls;
    private int readCalls;

    FakeTcpConnection(EventLoop loop, int receiveCapacity, int sendCapacity) {
        this.loop = loop;
        this.receiveBuffer = new ByteQueue(receiveCapacity);
        this.sendBuffer = new ByteQueue(sendCapacity);
    }

    // ---------------------------------------------------------------- the peer, from any thread

    /** The peer sends {@code data}; completes once the receive window has admitted all of it. */
    CompletableFuture<Void> peerSend(byte[] data) {
        CompletableFuture<Void> admitted = new CompletableFuture<>();
        loop.execute(() -> {
            peerSends.add(new PeerSend(data, admitted));
            pump();
        });
        return admitted;
    }

    /** The peer closes its side after the bytes it has sent. */
    void peerFin() {
        loop.execute(() -> {
            peerFinPending = true;
            pump();
        });
    }

    /** The peer resets the connection: both buffers are discarded and the listener hears RESET. */
    void peerReset() {
        loop.execute(() -> {
            receiveBuffer.clear();
            sendBuffer.clear();
            end(TcpError.RESET);
        });
    }

    /** The peer takes (acknowledges) 1 to {@code max} written bytes; an empty array means this side's FIN. */
    CompletableFuture<byte[]> peerReceive(int max) {
        CompletableFuture<byte[]> received = new CompletableFuture<>();
        loop.execute(() -> {
            peerReceives.add(new PeerReceive(max, received));
            pump();
        });
        return received;
    }

    /** The peer, from now on, sends back whatever it receives. */
    void echo() {
        loop.execute(() -> {
            echo = true;
            pump();
        });
    }

    /** Runs {@code action} on the loop and returns its result; waits at most 5 s. */
    <T> T onLoop(Callable<T> action) throws Exception {
        CompletableFuture<T> result = new CompletableFuture<>();
        loop.execute(() -> {
            try {
                result.complete(action.call());
            } catch (Throwable t) {
                result.completeExceptionally(t);
            }
        });
        return result.get(WAIT.toMillis(), TimeUnit.MILLISECONDS);
    }

    // ---------------------------------------------------------------- inspection, on the loop (use onLoop)

    int receiveBuffered() {
        checkInLoop();
        return receiveBuffer.size();
    }

    int sendBuffered() {
        checkInLoop();
        return sendBuffer.size();
    }

    /** Returns the most bytes each buffer ever held: {receive, send}. */
    int[] highWaterMarks() {
        checkInLoop();
        return new int[] {receiveBuffer.highWaterMark, sendBuffer.highWaterMark};
    }

    /** Returns how many bytes had been written when this side's FIN was queued, -1 before. */
    long bytesWrittenAtFin() {
        checkInLoop();
        return bytesWrittenAtFin;
    }

    int shutdownCalls() {
        checkInLoop();
        return shutdownCalls;
    }

    int closeCalls() {
        checkInLoop();
        return closeCalls;
    }

    int readCalls() {
        checkInLoop();
        return readCalls;
    }

    // ---------------------------------------------------------------- TcpConnection, on the loop

    @Override
    public Endpoint localEndpoint() {
        return Endpoint.parse("10.0.2.15:8080");
    }

    @Override
    public Endpoint remoteEndpoint() {
        return Endpoint.parse("10.0.2.2:40000");
    }

    @Override
    public TcpState state() {
        checkInLoop();
        if (ended) {
            return TcpState.CLOSED;
        }
        if (outputShut) {
            return finReceived ? TcpState.CLOSING : TcpState.FIN_WAIT_1;
        }
        return finReceived ? TcpState.CLOSE_WAIT : TcpState.ESTABLISHED;
    }

    @Override
    public int readableBytes() {
        checkInLoop();
        return receiveBuffer.size();
    }

    @Override
    public int read(ByteBuf dst) {
        checkInLoop();
        readCalls++;
        int n = receiveBuffer.readInto(dst);
        if (n > 0) {
            queuePump(); // the window opened
            return n;
        }
        return finReceived || ended ? -1 : 0;
    }

    @Override
    public int writableBytes() {
        checkInLoop();
        return sendBuffer.free();
    }

    @Override
    public int write(ByteBuf src) {
        checkInLoop();
        if (outputShut) {
            throw new IllegalStateException("output already shut down");
        }
        int offered = src.readableBytes();
        int n = ended ? 0 : sendBuffer.writeFrom(src);
        bytesWritten += n;
        if (n < offered) {
            writeFoundFull = true;
        }
        if (n > 0) {
            queuePump();
        }
        return n;
    }

    @Override
    public int pipeTo(TcpConnection target) {
        throw new UnsupportedOperationException("pipeTo is not faked");
    }

    @Override
    public void shutdownOutput() {
        checkInLoop();
        shutdownCalls++;
        queueFin();
    }

    @Override
    public void close() {
        checkInLoop();
        closeCalls++;
        queueFin();
    }

    @Override
    public void abort() {
        checkInLoop();
        sendBuffer.clear();
        end(TcpError.ABORTED);
    }

    @Override
    public void setListener(Listener listener) {
        checkInLoop();
        this.listener = listener;
    }

    @Override
    public void setNoDelay(boolean noDelay) {}

    @Override
    public void setDelayedAck(boolean delayedAck) {}

    @Override
    public void setKeepAlive(Duration idle) {}

    // ---------------------------------------------------------------- internals

    private void queueFin() {
        if (!outputShut) {
            outputShut = true;
            bytesWrittenAtFin = bytesWritten;
            queuePump();
        }
    }

    private void end(TcpError error) {
        if (ended) {
            return;
        }
        ended = true;
        for (PeerSend send; (send = peerSends.poll()) != null; ) {
            send.admitted.completeExceptionally(new IllegalStateException("connection ended: " + error));
        }
        for (PeerReceive receive; (receive = peerReceives.poll()) != null; ) {
            receive.received.complete(new byte[0]);
        }
        listener.onClosed(this, error);
    }

    private void queuePump() {
        if (!pumpQueued) {
            pumpQueued = true;
            loop.execute(this::pump);
        }
    }

    /** Moves bytes between the peer and the buffers, then fires the callbacks owed. */
    private void pump() {
        pumpQueued = false;
        if (ended) {
            return;
        }
        boolean readable = false;
        boolean freed = false;
        if (echo) {
            int moved = sendBuffer.moveTo(receiveBuffer);
            readable |= moved > 0;
            freed |= moved > 0;
            if (outputShut && sendBuffer.size() == 0 && !finReceived) {
                finReceived = true;
                readable = true;
            }
        }
        while (!peerReceives.isEmpty() && (sendBuffer.size() > 0 || outputShut)) {
            PeerReceive receive = peerReceives.poll();
            byte[] bytes = sendBuffer.take(receive.max);
            freed |= bytes.length > 0;
            receive.received.complete(bytes);
        }
        while (!peerSends.isEmpty() && receiveBuffer.free() > 0) {
            PeerSend send = peerSends.peek();
            int n = receiveBuffer.add(send.data, send.offset, send.data.length - send.offset);
            send.offset += n;
            readable |= n > 0;
            if (send.offset == send.data.length) {
                peerSends.poll();
                send.admitted.complete(null);
            }
        }
        if (peerSends.isEmpty() && peerFinPending && !finReceived) {
            finReceived = true;
            readable = true;
        }
        if (freed && writeFoundFull) {
            writeFoundFull = false;
            listener.onWritable(this);
        }
        if (readable && !ended) {
            listener.onReadable(this);
        }
    }

    private void checkInLoop() {
        if (!loop.inLoop()) {
            throw new IllegalStateException("FakeTcpConnection used off the loop thread: " + Thread.currentThread());
        }
    }

    private static final class PeerSend {
        final byte[] data;
        final CompletableFuture<Void> admitted;
        int offset;

        PeerSend(byte[] data, CompletableFuture<Void> admitted) {
            this.data = data;
            this.admitted = admitted;
        }
    }

    private record PeerReceive(int max, CompletableFuture<byte[]> received) {}

    /** A bounded FIFO of bytes on a ring; remembers the most it ever held. */
    private static final class ByteQueue {
        private final byte[] ring;
        private int head;
        private int size;
        int highWaterMark;

        ByteQueue(int capacity) {
            ring = new byte[capacity];
        }

        int size() {
            return size;
        }

        int free() {
            return ring.length - size;
        }

        void clear() {
            head = 0;
            size = 0;
        }

        /** Appends up to {@code len} bytes as room allows; returns how many. */
        int add(byte[] b, int off, int len) {
            int n = Math.min(len, free());
            for (int i = 0; i < n; i++) {
                ring[(head + size + i) % ring.length] = b[off + i];
            }
            grow(n);
            return n;
        }

        /** Appends as many of {@code src}'s readable bytes as room allows, advancing its reader index. */
        int writeFrom(ByteBuf src) {
            int n = Math.min(src.readableBytes(), free());
            int tail = (head + size) % ring.length;
            int first = Math.min(n, ring.length - tail);
            src.readBytes(ring, tail, first);
            src.readBytes(ring, 0, n - first);
            grow(n);
            return n;
        }

        /** Moves up to {@code dst.writableBytes()} bytes into {@code dst}. */
        int readInto(ByteBuf dst) {
            int n = Math.min(size, dst.writableBytes());
            int first = Math.min(n, ring.length - head);
            dst.writeBytes(ring, head, first);
            dst.writeBytes(ring, 0, n - first);
            shrink(n);
            return n;
        }

        byte[] take(int max) {
            byte[] out = new byte[Math.min(max, size)];
            for (int i = 0; i < out.length; i++) {
                out[i] = ring[(head + i) % ring.length];
            }
            shrink(out.length);
            return out;
        }

        int moveTo(ByteQueue other) {
            byte[] moved = take(other.free());
            other.add(moved, 0, moved.length);
            return moved.length;
        }

        private void grow(int n) {
            size += n;
            highWaterMark = Math.max(highWaterMark, size);
            if (size > ring.length) {
                throw new AssertionError("buffer over its bound: " + size + " > " + ring.length);
            }
        }

        private void shrink(int n) {
            head = (head + n) % ring.length;
            size -= n;
        }
    }
}
