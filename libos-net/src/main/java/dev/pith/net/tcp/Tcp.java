package dev.pith.net.tcp;

import dev.pith.net.Endpoint;
import java.io.IOException;
import java.time.Duration;

/**
 * TCP on a unikernel's interface (RFC 9293): listen, connect, and the counters. The non-blocking
 * methods are called on the event loop thread; {@link #open} is for virtual threads.
 */
public interface Tcp {

    /**
     * Listens on {@code port}; each connection, once established, goes to {@code handler}.
     *
     * @throws IllegalStateException if the port is taken
     */
    TcpListener listen(int port, TcpHandler handler);

    /** Listens on {@code port}; each connection is served by {@code handler} on its own virtual thread. */
    TcpListener serve(int port, BlockingTcpHandler handler);

    /**
     * Opens a connection to {@code remote} from a random ephemeral port and returns it in SYN-SENT;
     * {@code listener} hears when it is writable (established) or closed (refused, timed out).
     */
    TcpConnection connect(Endpoint remote, TcpConnection.Listener listener);

    /**
     * Opens a connection from the calling thread (never the loop thread) and waits until it is
     * established or fails.
     *
     * @throws IOException if it is refused, times out after {@code timeout}, or the stack stops
     */
    BlockingTcpConnection open(Endpoint remote, Duration timeout) throws IOException;

    /** Returns the counters. */
    TcpStats stats();
}
