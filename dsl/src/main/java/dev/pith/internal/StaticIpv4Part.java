package dev.pith.internal;

import dev.pith.core.Component;
import dev.pith.net.Ipv4Address;
import java.util.List;

/** The "ipv4" part with a static configuration. */
public final class StaticIpv4Part implements Component {

    private final NetPart net;
    private final Ipv4Address address;
    private final int prefixLength;
    private final Ipv4Address gateway;
    private final List<Ipv4Address> dns;

    /** {@code gateway} may be null. */
    public StaticIpv4Part(NetPart net, Ipv4Address address, int prefixLength, Ipv4Address gateway, List<Ipv4Address> dns) {
        this.net = net;
        this.address = address;
        this.prefixLength = prefixLength;
        this.gateway = gateway;
        this.dns = List.copyOf(dns);
    }

    @Override
    public String name() {
        return "ipv4";
    }

    @Override
    public void start() {
        net.iface().configure(address, prefixLength, gateway, dns);
    }

    @Override
    public void stop() {
        net.iface().deconfigure();
    }
}
