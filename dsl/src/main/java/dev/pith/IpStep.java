package dev.pith;

import dev.pith.net.udp.UdpHandler;

/** After {@link NetworkStep#ipv4}: add UDP services, turn on TCP, or build. */
public interface IpStep {

    /** Binds a UDP port; datagrams go to {@code handler} on the event loop. */
    IpStep udp(int port, UdpHandler handler);

    /** Runs {@code task} once every part has started; its return value ends the unikernel. */
    IpStep task(UnikernelTask task);

    /** Turns on TCP; the next step adds TCP services. */
    TcpStep tcp();

    /** Checks the composition and returns the unikernel; see {@link Unikernel#build}. */
    Unikernel build();
}
