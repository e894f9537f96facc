package dev.pith.internal;

import dev.pith.core.Component;
import dev.pith.core.RandomSource;
import dev.pith.net.internal.udp.UdpLayer;

/** The "udp" part: UDP on the interface. */
public final class UdpPart implements Component {

    private final NetPart net;
    private final RandomSource random;
    private UdpLayer udp;

    public UdpPart(NetPart net, RandomSource random) {
        this.net = net;
        this.random = random;
    }

    @Override
    public String name() {
        return "udp";
    }

    @Override
    public void start() {
        udp = new UdpLayer(net.iface(), random);
        udp.start();
    }

    @Override
    public void stop() {
        // Sockets close with their services; the interface stops taking datagrams with the net part.
    }

    /** Returns UDP, once started. */
    public UdpLayer udp() {
        return udp;
    }
}
