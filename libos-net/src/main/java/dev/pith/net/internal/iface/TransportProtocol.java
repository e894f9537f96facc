package dev.pith.net.internal.iface;

import dev.pith.net.DropReason;
import dev.pith.net.wire.Ipv4Packet;

/**
 * A protocol above IPv4 (UDP, TCP), as the interface sees it: it takes packets addressed to this
 * host, and hears ICMP errors about packets it sent. Registered with
 * {@link Interface#register(int, TransportProtocol)}; called on the loop thread.
 */
public interface TransportProtocol {

    /**
     * Takes one packet addressed to this host. The buffer behind {@code ip} stays owned by the
     * caller: copy what must outlive the call.
     *
     * @param broadcast whether it was sent to a broadcast address
     * @return null when accepted, otherwise why it was dropped (the interface counts it)
     */
    DropReason receive(Ipv4Packet ip, boolean broadcast);

    /**
     * Hears an ICMP destination-unreachable (type 3) or time-exceeded (type 11) report about a
     * packet this host sent: {@code original} views the quoted IP header and at least the first
     * eight bytes of its payload (RFC 792), which hold the ports.
     */
    void icmpError(int type, int code, Ipv4Packet original);
}
