/**
 * Pith's TCP/IP stack: Ethernet, ARP, IPv4, ICMP, UDP, TCP and DHCP, in Java, on the core event
 * loop, over any {@code NetDevice}.
 */
module dev.pith.net {
    requires transitive dev.pith.core;

    exports dev.pith.net;
    exports dev.pith.net.tcp;
    exports dev.pith.net.udp;
}
