package dev.pith.net.tcp;

import dev.pith.net.Endpoint;
import io.netty.buffer.ByteBuf;
import java.time.Duration;

/**
 * One TCP connection, driven by the event loop: every method is called on the loop thread, and
 * the {@link Listener}'s callbacks run there. Reads and writes never block: they move what
 * fits between the caller's buffer and the connection's bounded receive and send buffers, and
 * the listener hears when more can be done — that is the backpressure.
 *
 * <pre>{@code
 * // An echo connection: whatever arrives goes back.
 * connection.setListener(new TcpConnection.Listener() {
 *     public void onReadable(TcpConnection c) { c.pipeTo(c); }
 *     public void onWritable(TcpConnection c) { c.pipeTo(c); }
 * });
 * }</pre>
 */
public interface TcpConnection {

    /** Returns this side's address and port. */
    Endpoint localEndpoint();

    /** Returns the peer's address and port. */
    Endpoint remoteEndpoint();

    /** Returns the RFC 9293 state. */
    TcpState state();

    /** Returns the number of received bytes waiting to be read. */
    int readableBytes();

    /**
     * Moves up to {@code dst.writableBytes()} received bytes into {@code dst} and returns how
     * many; returns -1 once the peer has closed its side and every byte has been read.
     */
    int read(ByteBuf dst);

    /** Returns the free space in the send buffer, in bytes. */
    int writableBytes();

    /**
     * Copies up to {@link #writableBytes()} bytes from {@code src}'s readable bytes into the send
     * buffer, advancing {@code src}'s reader index, and returns how many. The caller keeps
     * ownership of {@code src}.
     *
     * @throws IllegalStateException if this side has already closed its output
     */
    int write(ByteBuf src);

    /**
     * Moves as many received bytes into {@code target}'s send buffer as both buffers allow, and
     * closes {@code target}'s output when this side has reached end of stream; returns the number
     * of bytes moved. Useful for echo and proxies.
     */
    int pipeTo(TcpConnection target);

    /** Sends a FIN after the queued data: this side will write no more, and may still read. */
    void shutdownOutput();

    /** Closes gracefully: output shut down after the queued data; data that still arrives is discarded. */
    void close();

    /** Closes abortively: queued data is dropped and a reset is sent. */
    void abort();

    /** Sets the callbacks; they replace any earlier ones. */
    void setListener(Listener listener);

    /** Turns Nagle's algorithm off (true) or on (false, the default). */
    void setNoDelay(boolean noDelay);

    /** Turns delayed acknowledgements on (the default) or off. */
    void setDelayedAck(boolean delayedAck);

    /** Probes an idle connection every {@code interval} after {@code idle}; {@code null} turns keepalive off. */
    void setKeepAlive(Duration idle);

    /** Callbacks of a connection, on the loop thread. All default to doing nothing. */
    interface Listener {
        /** Bytes, or the end of the stream, are ready to read. */
        default void onReadable(TcpConnection connection) {}

        /** Space freed up in the send buffer after a write found it full. */
        default void onWritable(TcpConnection connection) {}

        /** The connection has ended; {@code error} is null for an orderly close. Called once. */
        default void onClosed(TcpConnection connection, TcpError error) {}
    }
}
