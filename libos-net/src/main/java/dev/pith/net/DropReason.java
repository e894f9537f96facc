package dev.pith.net;

/**
 * Why the stack dropped a frame or a packet. Every frame a device hands to the stack is either
 * taken by a protocol or dropped for exactly one of these reasons, and counted.
 */
public enum DropReason {
    // Ethernet (IEEE 802.3 / Ethernet II)
    /** Shorter than an Ethernet header. */
    ETHERNET_TRUNCATED,
    /** Addressed to another station's unicast MAC. */
    ETHERNET_NOT_FOR_US,
    /** An EtherType the stack does not speak (IPv6, LLDP, ...). */
    ETHERTYPE_UNSUPPORTED,
    /** An 802.1Q-tagged frame, and no VLAN is configured. */
    VLAN_TAGGED,

    // ARP (RFC 826)
    /** Truncated, or not Ethernet/IPv4 ARP. */
    ARP_MALFORMED,
    /** Asks for, or announces, an address that is not ours and that we are not waiting for. */
    ARP_NOT_FOR_US,
    /** The queue of packets waiting for an address resolution was full. */
    ARP_QUEUE_FULL,
    /** Address resolution gave up after its retries; the packets waiting for it were dropped. */
    ARP_UNRESOLVED,

    // IPv4 (RFC 791, RFC 815)
    /** Shorter than its header, total length inconsistent with the frame, or header length below 20. */
    IPV4_MALFORMED,
    /** Not version 4. */
    IPV4_BAD_VERSION,
    /** The header checksum does not match. */
    IPV4_BAD_CHECKSUM,
    /** A source address no host may use (broadcast, multicast, ours). */
    IPV4_BAD_SOURCE,
    /** Addressed to another host (the stack does not forward). */
    IPV4_NOT_FOR_US,
    /** A fragment that overlaps inconsistently, exceeds 65535 bytes, or arrives when reassembly memory is full. */
    IPV4_FRAGMENT_REJECTED,
    /** An incomplete datagram whose reassembly time ran out. */
    IPV4_REASSEMBLY_TIMEOUT,
    /** A transport protocol the stack does not speak. */
    IPV4_PROTOCOL_UNSUPPORTED,
    /** No route to the destination of an outgoing packet. */
    IPV4_NO_ROUTE,
    /** An outgoing packet larger than the MTU with Don't Fragment set. */
    IPV4_TOO_BIG,

    // ICMP (RFC 792)
    /** Truncated, bad checksum, or a message that cannot be parsed. */
    ICMP_MALFORMED,
    /** A type the stack ignores (timestamp, redirect, ...). */
    ICMP_IGNORED,

    // UDP (RFC 768)
    /** Truncated, or a length field inconsistent with the IP payload. */
    UDP_MALFORMED,
    /** The checksum does not match. */
    UDP_BAD_CHECKSUM,
    /** No socket is bound to the destination port. */
    UDP_NO_SOCKET,

    // TCP (RFC 9293 and extensions)
    /** Truncated, bad data offset, or malformed options. */
    TCP_MALFORMED,
    /** The checksum does not match. */
    TCP_BAD_CHECKSUM,
    /** No connection or listener for the segment (answered with a reset where the RFC says so). */
    TCP_NO_SOCKET,
    /** A listener's backlog was full and SYN cookies were off or could not help. */
    TCP_BACKLOG_FULL,
    /** The connection table is full. */
    TCP_TOO_MANY_CONNECTIONS,
    /** Sequence number outside the receive window (acknowledged per RFC 9293 §3.10.7.4). */
    TCP_OUT_OF_WINDOW,
    /** An acknowledgement of data never sent, or too old (RFC 5961 §5). */
    TCP_BAD_ACK,
    /** A reset that failed the RFC 5961 §3 check (answered with a challenge ACK when in window). */
    TCP_BAD_RST,
    /** A SYN on a synchronized connection (RFC 5961 §4: answered with a challenge ACK). */
    TCP_BAD_SYN,
    /** A timestamp older than the last one seen (PAWS, RFC 7323 §5). */
    TCP_PAWS,
    /** An ACK to a listener whose SYN cookie did not verify. */
    TCP_BAD_COOKIE,
    /** The out-of-order queue could not hold the segment. */
    TCP_REASSEMBLY_FULL,
    /** A segment the state machine has no use for (data after our FIN was acknowledged, ...). */
    TCP_UNEXPECTED,

    // DHCP (RFC 2131)
    /** A DHCP message that is malformed, or not for our transaction. */
    DHCP_REJECTED,

    // Transmission
    /** No packet buffer was free. */
    NO_BUFFER,
    /** The device's transmit queue was full. */
    DEVICE_QUEUE_FULL;

    /**
     * Returns whether this reason is about an outgoing packet (no route, no buffer, ARP gave up,
     * too big, device full) rather than a received frame; only received frames take part in
     * {@link InterfaceStats}' accounting.
     */
    public boolean outgoing() {
        return switch (this) {
            case ARP_QUEUE_FULL, ARP_UNRESOLVED, IPV4_NO_ROUTE, IPV4_TOO_BIG, NO_BUFFER, DEVICE_QUEUE_FULL -> true;
            default -> false;
        };
    }
}
