package dev.pith;

import dev.pith.net.tcp.TcpSettings;
import dev.pith.net.udp.UdpHandler;

/** After {@link NetworkStep#ipv4}: add UDP services, turn on TCP, or build. */
public interface IpStep {

    /** Binds a UDP port; datagrams go to {@code handler} on the event loop. */
    IpStep udp(int port, UdpHandler handler);

    /** Runs {@code task} once every part has started; its return value ends the unikernel. */
    IpStep task(UnikernelTask task);

    /** Turns on TCP with {@link TcpSettings#defaults()}; the next step adds TCP services. */
    TcpStep tcp();

    /**
     * Turns on TCP with {@code settings} (buffers, limits, options, congestion control, TIME-WAIT),
     * for example {@code TcpSettings.defaults().withBuffers(256 << 10, 256 << 10)}.
     */
    TcpStep tcp(TcpSettings settings);

    /** Checks the composition and returns the unikernel; see {@link Unikernel#build}. */
    Unikernel build();
}
