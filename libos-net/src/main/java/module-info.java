/**
 * Pith's TCP/IP stack: Ethernet, ARP, IPv4, ICMP, UDP, TCP and DHCP, in Java, on the core event
 * loop, over any {@code NetDevice}; and the hosted network devices (TAP, in-memory switch, pcap).
 */
module dev.pith.net {
    requires transitive dev.pith.core;

    exports dev.pith.net;
    exports dev.pith.net.tcp;
    exports dev.pith.net.udp;
    exports dev.pith.net.wire;
    exports dev.pith.net.device;
    exports dev.pith.net.gateway;
    exports dev.pith.net.http;

    // The layers themselves are internal; the composition model and the generated boot code wire them.
    exports dev.pith.net.internal.iface to dev.pith.dsl;
    exports dev.pith.net.internal.tcp to dev.pith.dsl;
    exports dev.pith.net.internal.udp to dev.pith.dsl;
    exports dev.pith.net.internal.http to dev.pith.dsl;
    exports dev.pith.net.internal.dhcp to dev.pith.dsl;
    exports dev.pith.net.virtio to dev.pith.dsl;
}
