package dev.pith.net.udp;

import dev.pith.net.Endpoint;
import io.netty.buffer.ByteBuf;

/** Receives the datagrams of a bound UDP port, on the event loop thread. */
@FunctionalInterface
public interface UdpHandler {

    /**
     * Called once per datagram. {@code payload} is lent for the duration of the call: retain it
     * (or copy it) to keep it; reply through {@code socket}.
     */
    void receive(UdpSocket socket, Endpoint source, ByteBuf payload);
}
