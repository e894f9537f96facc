package dev.pith.net;

/**
 * What an interface did with the frames it saw. Every received frame is taken by one protocol or
 * dropped for one reason, and a datagram completed by reassembly is counted the same way once
 * more: {@code rxFrames + reassembled == arpIn + fragmentsIn + icmpIn + udpIn + tcpIn +
 * drops.received()}. (DHCP's refusals are counted after UDP took the datagram, so they are in
 * both {@code udpIn} and {@link DropReason#DHCP_REJECTED}.)
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
