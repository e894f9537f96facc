package dev.pith.net.tcp;

/** Takes each connection a listener accepts, on the event loop thread; it usually sets the connection's listener. */
@FunctionalInterface
public interface TcpHandler {

    /** Called once per established connection. */
    void accept(TcpConnection connection);
}
