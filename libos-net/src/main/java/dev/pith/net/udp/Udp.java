package dev.pith.net.udp;

/** UDP on a unikernel's interface (RFC 768). Used on the event loop thread. */
public interface Udp {

    /**
     * Binds {@code port} (0 for a random free ephemeral port); datagrams to it go to {@code handler}.
     *
     * @throws IllegalStateException if the port is taken
     */
    UdpSocket bind(int port, UdpHandler handler);
}
