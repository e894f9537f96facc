package dev.pith.net.wire;

/** IPv4 protocol numbers of the stack's transports (IANA "Assigned Internet Protocol Numbers"). */
public final class IpProtocol {

    /** Internet Control Message Protocol (RFC 792). */
    public static final int ICMP = 1;
    /** Transmission Control Protocol (RFC 9293). */
    public static final int TCP = 6;
    /** User Datagram Protocol (RFC 768). */
    public static final int UDP = 17;

    private IpProtocol() {}
}
