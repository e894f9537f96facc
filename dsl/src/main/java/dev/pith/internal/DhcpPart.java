package dev.pith.internal;

import dev.pith.core.Component;
import dev.pith.core.EventLoop;
import dev.pith.core.RandomSource;
import dev.pith.net.internal.dhcp.DhcpClient;
import dev.pith.net.internal.dhcp.DhcpSettings;

/**
 * The "ipv4" part configured by DHCP. It starts discovering and returns: services listen at
 * once and are reachable as soon as the lease is bound.
 */
public final class DhcpPart implements Component {

    private final EventLoop loop;
    private final NetPart net;
    private final UdpPart udp;
    private final RandomSource random;
    private DhcpClient client;

    public DhcpPart(EventLoop loop, NetPart net, UdpPart udp, RandomSource random) {
        this.loop = loop;
        this.net = net;
        this.udp = udp;
        this.random = random;
    }

    @Override
    public String name() {
        return "ipv4";
    }

    @Override
    public void start() {
        client = new DhcpClient(loop, net.iface(), udp.udp(), random, DhcpSettings.defaults());
        client.onBound(lease -> System.getLogger(DhcpPart.class.getName()).log(System.Logger.Level.INFO,
                "pith: DHCP lease " + lease.address() + "/" + lease.prefixLength() + " from " + lease.server()));
        client.start();
    }

    @Override
    public void stop() {
        if (client != null) {
            client.stop();
        }
        net.iface().deconfigure();
    }
}
