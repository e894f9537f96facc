package dev.pith;

import dev.pith.net.tcp.BlockingTcpHandler;
import dev.pith.net.tcp.TcpHandler;
import dev.pith.net.udp.UdpHandler;

/** After {@link IpStep#tcp()}: TCP services, and the protocols that run on TCP. */
public interface TcpStep extends IpStep {

    /** Listens on {@code port}; each accepted connection goes to {@code handler} on the event loop. */
    TcpStep listen(int port, TcpHandler handler);

    /** Listens on {@code port}; each accepted connection is served by {@code handler} on its own virtual thread. */
    TcpStep serve(int port, BlockingTcpHandler handler);

    @Override
    TcpStep udp(int port, UdpHandler handler);
}
