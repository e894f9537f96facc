package dev.pith.net.udp;

import dev.pith.net.Endpoint;
import io.netty.buffer.ByteBuf;

/** A bound UDP port. Used on the event loop thread. */
public interface UdpSocket {

    /** Returns the local address and port. */
    Endpoint localEndpoint();

    /**
     * Sends {@code payload}'s readable bytes to {@code destination} and returns whether the
     * datagram was queued for transmission (false when it is too large, there is no route, or
     * the device queue is full — each counted). The caller keeps ownership of {@code payload}.
     */
    boolean send(Endpoint destination, ByteBuf payload);

    /** Unbinds the port. */
    void close();
}
