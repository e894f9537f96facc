package dev.pith.net;

/**
 * What an interface did with the frames it saw. Every received frame is either accepted by one
 * protocol or dropped for one reason: {@code rxFrames == arp + ipv4 fragments held + icmp + udp + tcp
 * + dhcp + drops.total()} once nothing is waiting in reassembly.
 *
 * @param rxFrames frames taken from the device
 * @param txFrames frames handed to the device
 * @param arpIn ARP packets taken
 * @param icmpIn ICMP messages taken
 * @param udpIn UDP datagrams taken (DHCP included)
 * @param tcpIn TCP segments taken
 * @param fragmentsIn IPv4 fragments taken into reassembly
 * @param reassembled datagrams completed by reassembly (each then counted by its protocol too)
 */
public record InterfaceStats(long rxFrames, long txFrames, long arpIn, long icmpIn, long udpIn, long tcpIn,
        long fragmentsIn, long reassembled) {}
