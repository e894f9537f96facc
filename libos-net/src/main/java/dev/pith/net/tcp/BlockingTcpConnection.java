package dev.pith.net.tcp;

import dev.pith.net.Endpoint;
import java.io.InputStream;
import java.io.OutputStream;

/** A TCP connection seen from a virtual thread: blocking streams, like {@code java.net.Socket}. */
public interface BlockingTcpConnection extends AutoCloseable {

    /** Returns the peer's address and port. */
    Endpoint remoteEndpoint();

    /** Returns this side's address and port. */
    Endpoint localEndpoint();

    /** Returns the stream of received bytes; {@code read} blocks until data, end of stream or an error. */
    InputStream input();

    /** Returns the stream to the peer; {@code write} blocks while the send buffer is full, {@code flush} sends at once. */
    OutputStream output();

    /** Closes the connection gracefully. */
    @Override
    void close();
}
